"""Calendar feeds on PostgreSQL, parsed with icalendar: a date that moves, a completion, a revocation, who may have
one. Expected dates are the worked examples of domain.md (received Fri 18 Dec 2026)."""
from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import TypedDict

import pytest
from icalendar import Calendar
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from db.engine import app_group
from db.models import Account, Review, ReviewMilestone
from db.models_mail import CalendarFeed
from services.calendar_feed import (
    calendar_feed_for_token,
    calendar_feed_status,
    review_calendar_file,
    revoke_calendar_feed,
    turn_on_calendar_feed,
)
from services.errors import InvalidInput, NotAllowed
from services.returns.service import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import delegate_milestone, open_review, record_milestone_done
from services.settings import add_closure_day
from tests.types import MakeAccount

RECEIVED = date(2026, 12, 18)  # a Friday: Day 15 is Tue 12 Jan 2027
AS_OF = date(2026, 12, 18)


class Event(TypedDict):
    """One event of a feed, as the tests compare it."""

    on: date
    sequence: int
    status: str
    summary: str


class Case(TypedDict):
    """The case fixture: three accounts, a review received Fri 18 Dec 2026 and its milestones by key."""

    officer: Account
    manager: Account
    admin: Account
    review: Review
    milestones: dict[str, ReviewMilestone]


def _events(feed: bytes | None) -> dict[str, Event]:
    """The feed's events by UID (the feed must have been given: None is a refused address)."""
    assert feed is not None
    parsed = Calendar.from_ical(feed)
    return {str(e["UID"]): {"on": e.decoded("DTSTART"), "sequence": int(e.decoded("SEQUENCE")),
                            "status": str(e["STATUS"]), "summary": str(e["SUMMARY"])} for e in parsed.walk("VEVENT")}


@pytest.fixture
def case(session: Session, make_account: MakeAccount) -> Case:
    officer, manager, admin = make_account("officer"), make_account("manager"), make_account("admin")
    review = open_review(session, officer, notification_type="death", incident_date=date(2026, 12, 14),
                         csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                         children=[ChildEntry("QX", 3)], as_of=AS_OF)
    return {"officer": officer, "manager": manager, "admin": admin, "review": review,
            "milestones": {m.key: m for m in review.milestones}}


def test_the_token_is_shown_once_and_stored_only_as_its_hash(session: Session, case: Case) -> None:
    token = turn_on_calendar_feed(session, case["manager"])
    assert len(token) >= 40
    stored = session.scalars(select(CalendarFeed.token_hash).where(CalendarFeed.account_id == case["manager"].id)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert calendar_feed_status(session, case["manager"]).on is True


def test_day_15_moves_with_a_closure_day_under_the_same_uid_with_a_higher_sequence(session: Session,
                                                                                   case: Case) -> None:
    review = case["review"]
    token = turn_on_calendar_feed(session, case["manager"])
    uid = f"review-{review.id}-day15@rapid-review-tracker"
    before = _events(calendar_feed_for_token(session, token=token, as_of=AS_OF))[uid]
    assert (before["on"], before["sequence"], before["status"]) == (date(2027, 1, 12), 0, "CONFIRMED")
    assert before["summary"] == f"Day 15: Rapid Review 181226 no. {review.id} due to the National Panel"
    # Fetched again with nothing changed: the same SEQUENCE.
    assert _events(calendar_feed_for_token(session, token=token, as_of=AS_OF))[uid]["sequence"] == 0
    for day in (29, 30, 31):
        add_closure_day(session, case["admin"], closed_on=date(2026, 12, day), reason="Council closure")
    after = _events(calendar_feed_for_token(session, token=token, as_of=AS_OF))[uid]
    # domain.md: with closure days 29-31 Dec 2026 the review is due Fri 15 Jan 2027.
    assert (after["on"], after["sequence"], after["status"]) == (date(2027, 1, 15), 1, "CONFIRMED")


def test_a_delegated_milestone_appears_and_is_cancelled_once_done(session: Session, case: Case) -> None:
    officer, case_folder = case["officer"], case["milestones"]["case_folder"]
    delegate_milestone(session, case["manager"], milestone_id=case_folder.id, expected_version=None,
                       delegate_to_id=officer.id)
    token = turn_on_calendar_feed(session, officer)
    uid = f"milestone-{case_folder.id}@rapid-review-tracker"
    open_event = _events(calendar_feed_for_token(session, token=token, as_of=AS_OF))[uid]
    # Case folder created: Day 1, Fri 18 Dec 2026.
    assert (open_event["on"], open_event["status"], open_event["sequence"]) == (date(2026, 12, 18), "CONFIRMED", 0)
    assert "(delegated to you)" in open_event["summary"]
    record_milestone_done(session, officer, milestone_id=case_folder.id, done_on=AS_OF, as_of=AS_OF)
    done = _events(calendar_feed_for_token(session, token=token, as_of=AS_OF))[uid]
    assert (done["status"], done["sequence"]) == ("CANCELLED", 1)
    # The manager, to whom nothing was delegated, has no event for it.
    manager_token = turn_on_calendar_feed(session, case["manager"])
    assert uid not in _events(calendar_feed_for_token(session, token=manager_token, as_of=AS_OF))


def test_officers_see_the_returns_due_dates_and_meetings_show_for_everyone(session: Session, case: Case,
                                                                           make_account: MakeAccount) -> None:
    from db.models import Agency

    agency = Agency(name="Feed Police", kind="police", active=True)
    session.add(agency)
    session.flush()
    ret = record_returns_requested(session, case["officer"], review_id=case["review"].id, agency_ids=[agency.id],
                                   requested_on=RECEIVED, as_of=AS_OF)[0]
    officer_events = _events(calendar_feed_for_token(
        session, token=turn_on_calendar_feed(session, case["officer"]), as_of=AS_OF))
    chair_events = _events(calendar_feed_for_token(
        session, token=turn_on_calendar_feed(session, make_account("chair")), as_of=AS_OF))
    return_uid = f"return-{ret.id}@rapid-review-tracker"
    # domain.md: scoping forms sent Fri 18 Dec are due Tue 29 Dec.
    assert officer_events[return_uid]["on"] == date(2026, 12, 29)
    assert officer_events[return_uid]["summary"].endswith("Feed Police return due")
    assert return_uid not in chair_events
    rr_meeting = case["milestones"]["rr_meeting"]
    assert f"milestone-{rr_meeting.id}@rapid-review-tracker" in chair_events


def test_no_event_carries_a_childs_initials_or_free_text(session: Session, case: Case) -> None:
    case_folder = case["milestones"]["case_folder"]
    record_milestone_done(session, case["officer"], milestone_id=case_folder.id, done_on=AS_OF, as_of=AS_OF,
                          note="Spoke to QX's school")
    feed = calendar_feed_for_token(session, token=turn_on_calendar_feed(session, case["manager"]), as_of=AS_OF)
    assert feed is not None
    assert case["review"].case_reference.startswith("181226QX")
    assert not re.search(rb"QX", feed)
    assert b"school" not in feed


def test_a_revoked_or_renewed_address_stops_working(session: Session, case: Case) -> None:
    manager = case["manager"]
    first = turn_on_calendar_feed(session, manager)
    second = turn_on_calendar_feed(session, manager)  # a new address: the first is revoked
    assert calendar_feed_for_token(session, token=first, as_of=AS_OF) is None
    assert calendar_feed_for_token(session, token=second, as_of=AS_OF) is not None
    revoke_calendar_feed(session, manager)
    assert calendar_feed_for_token(session, token=second, as_of=AS_OF) is None
    assert calendar_feed_status(session, manager).on is False
    with pytest.raises(InvalidInput, match="already off"):
        revoke_calendar_feed(session, manager)
    assert calendar_feed_for_token(session, token="", as_of=AS_OF) is None
    assert calendar_feed_for_token(session, token="not-a-token", as_of=AS_OF) is None


@pytest.mark.parametrize("role", ["board", "admin"])
def test_board_and_admin_accounts_are_refused_a_feed(session: Session, make_account: MakeAccount, role: str) -> None:
    with pytest.raises(NotAllowed):
        turn_on_calendar_feed(session, make_account(role))


def test_a_feed_stops_when_its_account_loses_its_case_role_or_is_deactivated(session: Session, case: Case,
                                                                             make_account: MakeAccount) -> None:
    chair = make_account("chair")
    token = turn_on_calendar_feed(session, chair)
    chair.roles = ["board"]
    session.flush()
    assert calendar_feed_for_token(session, token=token, as_of=AS_OF) is None
    officer = case["officer"]
    token = turn_on_calendar_feed(session, officer)
    officer.active = False
    session.flush()
    assert calendar_feed_for_token(session, token=token, as_of=AS_OF) is None


def test_a_closed_review_stays_in_the_feed_cancelled(session: Session, case: Case) -> None:
    review = case["review"]
    token = turn_on_calendar_feed(session, case["manager"])
    calendar_feed_for_token(session, token=token, as_of=AS_OF)
    session.execute(text("UPDATE reviews SET submitted_to_panel_date = :d, state = 'submitted' WHERE id = :id"),
                    {"d": date(2027, 1, 11), "id": review.id})
    session.expire_all()
    day15 = _events(calendar_feed_for_token(session, token=token, as_of=date(2027, 1, 11)))[
        f"review-{review.id}-day15@rapid-review-tracker"]
    assert (day15["status"], day15["sequence"]) == ("CANCELLED", 1)


def test_one_reviews_file_holds_its_day_15_and_every_dated_milestone(session: Session, case: Case) -> None:
    events = _events(review_calendar_file(session, case["officer"], review_id=case["review"].id))
    dated = [m for m in case["review"].milestones if m.effective_due_date is not None]
    assert set(events) == {f"review-{case['review'].id}-day15@rapid-review-tracker"} | {
        f"milestone-{m.id}@rapid-review-tracker" for m in dated}
    assert events[f"milestone-{case['milestones']['returns_collated'].id}@rapid-review-tracker"]["on"] == \
        date(2026, 12, 29)  # Day 6


def test_the_apps_role_has_its_grants_on_the_new_tables(owner_url: str) -> None:
    owner = create_engine(owner_url)
    with owner.connect() as conn:
        grants: dict[str, str] = dict(conn.execute(text(
            "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type)"
            " FROM information_schema.role_table_grants WHERE grantee = :group"
            " AND table_name IN ('calendar_feeds', 'calendar_event_states', 'sent_mail') GROUP BY table_name"),
            {"group": app_group(conn)}).all())
    owner.dispose()
    assert grants == {table: "DELETE,INSERT,SELECT,UPDATE"
                      for table in ("calendar_feeds", "calendar_event_states", "sent_mail")}


# A feed address is a credential of its own: it ends with the account's other credentials.

def test_a_password_reset_ends_the_feed_address(session: Session, case: Case) -> None:
    from services.accounts import reset_password

    manager = case["manager"]
    token = turn_on_calendar_feed(session, manager)
    reset_password(session, case["admin"], account_id=manager.id, new_password="a brand new password")
    assert calendar_feed_for_token(session, token=token, as_of=AS_OF) is None
    assert calendar_feed_status(session, manager).on is False
    fresh = turn_on_calendar_feed(session, manager)  # the owner turns it on again: a new address
    assert calendar_feed_for_token(session, token=fresh, as_of=AS_OF) is not None


def test_a_deactivated_accounts_feed_address_stays_ended_after_reactivation(session: Session, case: Case) -> None:
    from services.accounts import set_active

    officer = case["officer"]
    token = turn_on_calendar_feed(session, officer)
    set_active(session, case["admin"], account_id=officer.id, active=False)
    set_active(session, case["admin"], account_id=officer.id, active=True)
    assert calendar_feed_for_token(session, token=token, as_of=AS_OF) is None
    assert calendar_feed_status(session, officer).on is False


def test_a_change_of_roles_ends_the_feed_address_and_no_change_keeps_it(session: Session, case: Case) -> None:
    from services.accounts import set_roles

    manager = case["manager"]
    token = turn_on_calendar_feed(session, manager)
    set_roles(session, case["admin"], account_id=manager.id, roles=["manager"])  # the same roles: nothing changes
    assert calendar_feed_for_token(session, token=token, as_of=AS_OF) is not None
    set_roles(session, case["admin"], account_id=manager.id, roles=["manager", "chair"])  # still a case role
    assert calendar_feed_for_token(session, token=token, as_of=AS_OF) is None
