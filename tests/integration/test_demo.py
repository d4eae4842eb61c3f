"""The fictional demo partnership: live reviews at every RAG, three years of history the board can chart, and on
any day of the week a realistic mix (a few red, some amber, most green, one submitted), each red or amber saying
why.

Loading the demo takes about 10 seconds, so each test loads it once per day it needs."""
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review
from db.models_report import SignOff
from db.models_returns import AgencyReturn
from demo.partnership import DEMO_PARTNERSHIP, load_demo_data
from services.errors import InvalidInput
from services.plan import review_due_date
from services.rag import Rag
from services.report.reads import list_ofsted_outstanding
from services.reviews.status import list_live_reviews, why_text
from services.settings_reads import load_calendar, load_settings
from tests.conftest import SignInClock
from tests.types import MakeAccount

AS_OF = date(2026, 11, 26)


def _manager(session: Session) -> Account:
    return session.scalars(select(Account).where(Account.username == "demo-manager")).one()


def test_demo_partnership(session: Session) -> None:
    summary = load_demo_data(session, as_of=AS_OF)
    manager = _manager(session)

    live = list_live_reviews(session, manager, as_of=AS_OF)
    assert len(live) == summary.live_reviews == 10
    assert {s.rag for s in live if s.review.state == "open"} >= {Rag.RED, Rag.AMBER, Rag.GREEN}
    assert [s.review.state for s in live].count("submitted") == 1
    assert any(s.progress.startswith("overdue") for s in live)

    closed = session.scalars(select(Review).where(Review.state == "closed")).all()
    assert len(closed) == summary.closed_reviews >= 15
    returns = session.scalars(select(AgencyReturn).where(AgencyReturn.review_id.in_([r.id for r in closed]))).all()
    assert len(returns) >= 5 * len(closed)
    assert {r.final_qa_outcome for r in returns} == {"accepted"}
    assert any(r.resubmission_received_date is not None for r in returns)
    assert any(r.lcspr_decision is not None for r in closed)
    cal = load_calendar(session)
    late = []
    for r in closed:
        assert r.submitted_to_panel_date is not None  # a closed review went to the Panel
        if r.submitted_to_panel_date > review_due_date(cal, r.notification_received_date):
            late.append(r)
    assert 0 < len(late) < len(closed)

    names = session.scalars(select(Account.display_name)).all()
    assert len(names) == 5 and all("(demo)" in name for name in names)
    assert load_settings(session).partnership_name == DEMO_PARTNERSHIP
    assert session.scalars(select(func.count()).select_from(LogEntry)).one() > 500

    # Issue 14: a sign-off given by email, recorded by the manager on the Chair's behalf, on the submitted review;
    # a review closed on the Panel's response whose Ofsted reply is still outstanding.
    submitted = next(s.review for s in live if s.review.state == "submitted")
    sign_off = session.scalars(select(SignOff).where(SignOff.review_id == submitted.id)).one()
    assert sign_off.given_outside and sign_off.how_given == "by email to the Partnership Manager"
    assert sign_off.recorded_by_name == "Morgan Manager (demo)" and sign_off.chair_name == "Charlie Chair (demo)"
    outstanding = list_ofsted_outstanding(session, manager, as_of=AS_OF)
    assert [o.state for o in outstanding] == ["closed"]

    with pytest.raises(InvalidInput, match="empty database"):
        load_demo_data(session, as_of=AS_OF)


# Weekdays, a weekend and bank holidays (Christmas Day; Mon 28 Dec 2026 is the substitute Boxing Day).
DAYS = [
    date(2026, 11, 28),  # Saturday
    date(2026, 11, 29),  # Sunday
    date(2026, 11, 30),  # Monday
    date(2026, 12, 2),  # Wednesday
    date(2026, 12, 4),  # Friday
    date(2026, 12, 25),  # Friday, Christmas Day
    date(2026, 12, 28),  # Monday, bank holiday
]


@pytest.mark.parametrize("today", DAYS, ids=lambda d: f"{d:%a-%d-%b}")
def test_demo_shows_a_realistic_mix_on_any_day(session: Session, today: date) -> None:
    load_demo_data(session, as_of=today)
    live = list_live_reviews(session, _manager(session), as_of=today)
    labels = [s.status_label for s in live]
    red, amber, green = labels.count("red"), labels.count("amber"), labels.count("green")
    assert 1 <= red <= 2, labels
    assert amber >= 1, labels
    assert green >= len(live) / 2, labels
    assert sum(label.startswith("submitted") for label in labels) == 1, labels
    assert [s.review.state for s in live].count("submitted") == 1

    for status in live:
        why = why_text(status.why)
        titles = {m.milestone.title for m in status.milestones}
        named = [i.label for i in status.why if i.label.split(" (")[0] in titles or " return " in i.label]
        if status.status_label == "red":
            assert why.split(":")[0].endswith("overdue"), why
            assert any(i.rag is Rag.RED for i in status.why) and named, why
        elif status.status_label == "amber":
            assert why.split(":")[0].endswith("due soon"), why
            assert named, why
        else:
            assert why == "", why


# The demo's password: made at random by each load and returned once; never one written in the source.
OLD_CONSTANT = "demo-password-2026"


def test_each_load_gives_the_demo_accounts_a_random_password_returned_once(session: Session,
                                                                           sign_in_clock: SignInClock) -> None:
    from tests.password_sign_in import authenticate

    summary = load_demo_data(session, as_of=AS_OF)
    assert summary.password != OLD_CONSTANT and len(summary.password) >= 20
    for username in ("demo-admin", "demo-manager"):
        assert authenticate(session, username=username, password=OLD_CONSTANT).account is None
        assert authenticate(session, username=username, password=summary.password).account is not None
    stored = session.scalars(select(Account.password_hash)).all()
    assert all(summary.password not in h for h in stored)


def test_two_loads_never_share_a_password() -> None:
    from demo.cast import new_demo_password

    made = {new_demo_password() for _ in range(50)}
    assert len(made) == 50 and all(len(p) >= 20 for p in made)


def test_the_demo_never_loads_beside_real_accounts(session: Session, make_account: MakeAccount) -> None:
    # A demo admin account in a real partnership's database would be a way in for anyone who reads the demo's notes.
    make_account("admin", username="real.admin")
    with pytest.raises(InvalidInput, match="accounts already exist"):
        load_demo_data(session, as_of=AS_OF)
    assert session.scalar(select(func.count()).select_from(Account)) == 1
