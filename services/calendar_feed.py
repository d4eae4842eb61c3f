"""Calendar feeds (RFC 5545): each account's deadlines in its own calendar app, and one review's as a file.

An account with a case role (manager, officer, JCR Chair) turns its feed on and gets a private address once
(`/calendar/<token>.ics`); the database keeps only the token's SHA-256 hash, and turning the feed on again or
revoking it ends the old address. An address also ends for good when the account's password is reset, when the
account is deactivated (reactivating it does not bring the address back) and when its roles change
(`services.sessions.end_calendar_feeds`, called by services.accounts): whoever holds an old copy of the address
learns nothing more. Board and administrator accounts get no feed: their roles see no case dates.

What the feed holds for an account: each live review's Day 15, the meeting steps of each live review (the Rapid
Review meeting, the executive findings meeting, the minutes), the milestones delegated to the account and, for an
officer, the agency returns' due dates. Each event names the review by its outside reference and the step, never a
child's initials or any free text. Each item keeps one UID; its SEQUENCE goes up when its date moves (a closure day
added, a date agreed) and when it is done or its review ends, when it stays in the feed as STATUS:CANCELLED so that
a subscribed calendar removes it.

The event building is pure (`CalendarItem`, `next_state`, `calendar_bytes`); the rest reads and writes.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from db.enums import LogCategory, MilestoneKey, ReviewState, Role
from db.models import Account, Review
from db.models_mail import CalendarEventState, CalendarFeed
from db.models_returns import AgencyReturn
from services.clock import today_in_london
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.lcspr.reads import LcsprDue, lcspr_due_steps
from services.outside import check_no_case_reference, outside_reference
from services.permissions import CASE_READERS, requires
from services.plan import milestone_applies, review_due_date
from services.returns.rules import Stage, agency_due_date, return_stage
from services.reviews.reads import LIVE_STATES
from services.settings_reads import load_calendar
from services.working_days import WorkingCalendar

FEED_NAME = "Rapid Review deadlines"
PRODUCT_ID = "-//Rapid Review Tracker//Deadlines//EN"
UID_DOMAIN = "rapid-review-tracker"
# A review that ended stays in the feed this long, its events cancelled, so that subscribed calendars drop them.
ENDED_KEPT_FOR = timedelta(days=60)
MEETING_STEPS = (MilestoneKey.RR_MEETING, MilestoneKey.EXEC_MEETING, MilestoneKey.MINUTES)


# ---------------------------------------------------------------- the pure part


@dataclass(frozen=True)
class CalendarItem:
    """One all-day event: a deadline of a review (its UID never changes while the item lives)."""

    uid: str
    on: date
    summary: str
    cancelled: bool = False


@dataclass(frozen=True)
class EventState:
    """What an event last said, and its SEQUENCE."""

    on: date
    cancelled: bool
    sequence: int


def next_state(previous: EventState | None, item: CalendarItem) -> EventState:
    """The event's state now: SEQUENCE 0 when new, the same while nothing changed, one more when its date moved or
    it was cancelled (or came back)."""
    if previous is None:
        return EventState(item.on, item.cancelled, 0)
    if (previous.on, previous.cancelled) == (item.on, item.cancelled):
        return previous
    return EventState(item.on, item.cancelled, previous.sequence + 1)


def calendar_bytes(items: Sequence[CalendarItem], states: Mapping[str, EventState], *, stamp: datetime) -> bytes:
    """The RFC 5545 text of the items, each with its SEQUENCE from `states`."""
    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", FEED_NAME)
    for item in items:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.on)
        event.add("dtend", item.on + timedelta(days=1))
        event.add("summary", check_no_case_reference(item.summary, what="A calendar event"))
        event.add("sequence", states[item.uid].sequence if item.uid in states else 0)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a deadline, not a meeting: it does not make anyone busy
        cal.add_component(event)
    if not items:
        # RFC 5545 wants at least one component: an account with no deadlines gets the partnership's time zone.
        cal.add_component(Timezone.from_tzid("Europe/London"))
    return bytes(cal.to_ical())


def review_items(cal: WorkingCalendar, review: Review, *, account_id: int | None, meetings: bool,
                 every_milestone: bool, returns: Iterable[AgencyReturn]) -> list[CalendarItem]:
    """A review's events: its Day 15; its meeting steps (`meetings`), the milestones delegated to `account_id` or
    every milestone with a date (`every_milestone`); the given returns' due dates. An item done, or of a review no
    longer open, is cancelled."""
    ref = outside_reference(review.case_reference, review.id)
    ended = review.state != ReviewState.OPEN
    day_15 = review_due_date(cal, review.notification_received_date)
    items = [CalendarItem(f"review-{review.id}-day15@{UID_DOMAIN}", day_15,
                          f"Day 15: Rapid Review {ref} due to the National Panel", ended)]
    for m in review.milestones:
        due = m.effective_due_date
        wanted = every_milestone or (meetings and m.key in MEETING_STEPS) or (
            account_id is not None and m.delegated_to_id == account_id)
        if due is None or not wanted:
            continue
        delegated = " (delegated to you)" if account_id is not None and m.delegated_to_id == account_id else ""
        items.append(CalendarItem(f"milestone-{m.id}@{UID_DOMAIN}", due, f"Rapid Review {ref}: {m.title}{delegated}",
                                  ended or m.done_date is not None or not milestone_applies(review, m)))
    for ret in returns:
        awaited = return_stage(ret) in (Stage.AWAITING, Stage.SENT_BACK)
        items.append(CalendarItem(f"return-{ret.id}@{UID_DOMAIN}", agency_due_date(cal, ret),
                                  f"Rapid Review {ref}: {ret.agency.name} return due", ended or not awaited))
    return items


def lcspr_items(steps: Iterable[LcsprDue]) -> list[CalendarItem]:
    """The LCSPRs' steps as events: the step's due date, named by the outside reference; cancelled once done."""
    return [CalendarItem(f"{s.uid_key}@{UID_DOMAIN}", s.due,
                         f"LCSPR {outside_reference(s.case_reference, s.review_id)}: {s.title}", s.done)
            for s in steps]


# ---------------------------------------------------------------- reading and writing


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may_have_a_feed(account: Account) -> bool:
    """Only the case roles: board members and administrators see no case dates."""
    return account.active and account.has_role(*CASE_READERS)


@dataclass(frozen=True)
class FeedStatus:
    """Whether the account's feed is on, since when."""

    on: bool
    since: datetime | None = None


def _live_feed(session: Session, account_id: int) -> CalendarFeed | None:
    return session.scalars(select(CalendarFeed).where(CalendarFeed.account_id == account_id,
                                                      CalendarFeed.revoked_at.is_(None)).with_for_update()).first()


@requires(*CASE_READERS, action="have a calendar feed")
def calendar_feed_status(session: Session, actor: Account) -> FeedStatus:
    """Whether the acting account's calendar feed is on."""
    feed = session.scalars(select(CalendarFeed).where(CalendarFeed.account_id == actor.id,
                                                      CalendarFeed.revoked_at.is_(None))).first()
    return FeedStatus(True, feed.created_at) if feed else FeedStatus(False)


@requires(*CASE_READERS, action="have a calendar feed")
def turn_on_calendar_feed(session: Session, actor: Account, *, now: datetime | None = None) -> str:
    """Turn on (or renew) the acting account's feed; returns the token of its address, shown this once. A feed
    already on is revoked: its old address stops working."""
    now = now or datetime.now(UTC)
    old = _live_feed(session, actor.id)
    if old is not None:
        old.revoked_at = now
        session.flush()
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeed(account_id=actor.id, token_hash=feed_token_hash(token), created_at=now))
    session.flush()
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Calendar feed of {actor.username} turned on" + (" (the old address revoked)."
                                                                               if old else "."))
    return token


@requires(*CASE_READERS, action="have a calendar feed")
def revoke_calendar_feed(session: Session, actor: Account, *, now: datetime | None = None) -> FeedStatus:
    """Turn the acting account's feed off: its address stops working at once."""
    feed = _live_feed(session, actor.id)
    if feed is None:
        raise InvalidInput("Your calendar feed is already off.")
    feed.revoked_at = now or datetime.now(UTC)
    session.flush()
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Calendar feed of {actor.username} revoked.")
    return FeedStatus(False)


def _reviews_in_feeds(session: Session, as_of: date) -> list[Review]:
    """Live reviews, and those that ended or were withdrawn lately (their events stay, cancelled)."""
    recent = as_of - ENDED_KEPT_FOR
    return list(session.scalars(
        select(Review).where(Review.state.in_(LIVE_STATES) | (Review.panel_response_date >= recent)
                             | (Review.withdrawn_on >= recent))
        .options(selectinload(Review.milestones)).order_by(Review.notification_received_date, Review.id)))


def _returns_of(session: Session, review_ids: Sequence[int]) -> dict[int, list[AgencyReturn]]:
    found: dict[int, list[AgencyReturn]] = {}
    if review_ids:
        for ret in session.scalars(select(AgencyReturn).where(AgencyReturn.review_id.in_(review_ids))
                                   .options(selectinload(AgencyReturn.agency)).order_by(AgencyReturn.id)):
            found.setdefault(ret.review_id, []).append(ret)
    return found


def _stored_states(session: Session, uids: Sequence[str]) -> dict[str, EventState]:
    if not uids:
        return {}
    rows = session.scalars(select(CalendarEventState).where(CalendarEventState.uid.in_(uids)))
    return {r.uid: EventState(r.starts_on, r.cancelled, r.sequence) for r in rows}


def _states_now(session: Session, items: Sequence[CalendarItem], *, save: bool) -> dict[str, EventState]:
    """Each item's state now; saved (`save`) so that the next fetch, by anyone, continues the SEQUENCE."""
    stored = _stored_states(session, [i.uid for i in items])
    states = {i.uid: next_state(stored.get(i.uid), i) for i in items}
    if save:
        for uid, now_state in states.items():
            if stored.get(uid) == now_state:
                continue
            statement = insert(CalendarEventState).values(uid=uid, starts_on=now_state.on,
                                                          cancelled=now_state.cancelled, sequence=now_state.sequence)
            # Two feeds fetched at once: the one that writes second keeps the higher SEQUENCE.
            session.execute(statement.on_conflict_do_update(
                index_elements=[CalendarEventState.uid],
                set_={"starts_on": now_state.on, "cancelled": now_state.cancelled, "changed_at": datetime.now(UTC),
                      "sequence": CalendarEventState.sequence + 1},
                where=(CalendarEventState.starts_on != now_state.on)
                | (CalendarEventState.cancelled != now_state.cancelled)))
        session.flush()
    return states


def _unique(items: Iterable[CalendarItem]) -> list[CalendarItem]:
    seen: dict[str, CalendarItem] = {}
    for item in items:
        seen.setdefault(item.uid, item)
    return list(seen.values())


def calendar_feed_for_token(session: Session, *, token: str, as_of: date, now: datetime | None = None
                            ) -> bytes | None:
    """The feed that a live token's address serves, or None: an unknown or revoked token, or an account that is
    inactive or holds no case role (any more). The token is the credential here: no signed-in actor."""
    if not token:
        return None
    feed = session.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == feed_token_hash(token),
                                                      CalendarFeed.revoked_at.is_(None))).first()
    account = session.get(Account, feed.account_id) if feed else None
    if account is None or not may_have_a_feed(account):
        return None
    cal = load_calendar(session)
    reviews = _reviews_in_feeds(session, as_of)
    returns = _returns_of(session, [r.id for r in reviews]) if account.has_role(Role.OFFICER) else {}
    items = _unique(item for review in reviews for item in review_items(
        cal, review, account_id=account.id, meetings=True, every_milestone=False, returns=returns.get(review.id, [])))
    if account.has_role(Role.MANAGER, Role.OFFICER):  # who records the LCSPR's steps
        items += lcspr_items(lcspr_due_steps(session, as_of=as_of))
    items += _action_items(session, account.id, as_of)
    states = _states_now(session, items, save=True)
    return calendar_bytes(items, states, stamp=now or datetime.now(UTC))


def _action_items(session: Session, account_id: int, as_of: date) -> list[CalendarItem]:
    """The actions the account owns (issue 29), each on its due date; cancelled once its evidence is given. No free
    text: the action's number, its agency and the review's outside reference."""
    from services.actions.reads import owned_actions

    return [CalendarItem(f"action-{a.id}@{UID_DOMAIN}", a.due_on,
                         f"Rapid Review {outside_reference(a.case_reference, a.review_id)}: action {a.id} "
                         f"({a.agency}) due", a.status not in ("not_started", "in_progress"))
            for a in owned_actions(session, account_id=account_id, as_of=as_of)]


@requires(*CASE_READERS, action="download a review's deadlines")
def review_calendar_file(session: Session, actor: Account, *, review_id: int, now: datetime | None = None) -> bytes:
    """One review's deadlines as an .ics file to import once: Day 15, every milestone with a date, its returns."""
    review = session.scalars(select(Review).where(Review.id == review_id)
                             .options(selectinload(Review.milestones))).first()
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    items = _unique(review_items(load_calendar(session), review, account_id=actor.id, meetings=True,
                                 every_milestone=True, returns=_returns_of(session, [review.id]).get(review.id, [])))
    items += lcspr_items(s for s in lcspr_due_steps(session, as_of=today_in_london()) if s.review_id == review.id)
    return calendar_bytes(items, _states_now(session, items, save=False), stamp=now or datetime.now(UTC))


def calendar_file_name(case_reference: str, review_id: int) -> str:
    """The download's name, without the child's initials."""
    return f"rapid-review-{outside_reference(case_reference, review_id).replace(' no. ', '-')}.ics"
