"""Fictional demo data: a made-up partnership, its accounts, live reviews and three years of closed ones."""
from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import MilestoneKey, NotificationType, Role
from db.models import Account, Review
from demo.actions import load_demo_actions
from demo.cast import DEMO_ACCOUNTS, TRAINING_MARK, DemoCast, new_demo_password
from demo.lcspr import load_demo_lcsprs
from demo.reports import ReportSteps, load_demo_reports
from demo.returns import load_demo_return_history, load_demo_returns
from demo.themes import load_demo_themes
from services.accounts import create_account, create_account_from_command_line
from services.agencies import add_agency
from services.errors import InvalidInput
from services.milestones import EVIDENCE_OF, REPORT_MILESTONES, complete_milestone
from services.permissions import check_role
from services.report.service import record_lcspr_decision
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, record_milestone_done
from services.settings import update_settings
from services.settings_reads import KEPT_CALENDAR, load_calendar, load_settings
from services.working_days import WorkingCalendar

__all__ = ["DEMO_PARTNERSHIP", "DemoSummary", "load_demo_data"]

DEMO_PARTNERSHIP = f"Demoshire Safeguarding Children Partnership {TRAINING_MARK}"
DEMO_AGENCIES = [
    ("Children's Social Care", "local authority"),
    ("Demoshire Police", "police"),
    ("Demoshire Integrated Care Board", "health"),
    ("Demoshire Hospitals NHS Trust", "health"),
    ("Community Health Services", "health"),
    ("GP practices", "health"),
    ("Education Safeguarding", "education"),
    ("Probation Service", "justice"),
    ("Youth Justice Service", "justice"),
    ("Early Help", "local authority"),
]
LETTERS = "ABCDEFGHJKLMNPRSTW"
NOTIFICATION_TYPES = [NotificationType.SERIOUS_HARM, NotificationType.SERIOUS_HARM, NotificationType.DEATH,
                      NotificationType.OTHER]
# Who records a step: the Panel's steps are the manager's, a step the Chair owns the Chair's, the rest the officer's.
MANAGER_STEPS = {MilestoneKey.PANEL_SUBMISSION, MilestoneKey.PANEL_RESPONSE}


@dataclass
class DemoSummary:
    """What was loaded, and the demo accounts' password of this load (to be shown once, never stored)."""

    accounts: list[tuple[str, str, list[str]]]
    live_reviews: int
    closed_reviews: int
    password: str


@dataclass(frozen=True)
class LiveStage:
    """A live demo review: its Day on the working day the demo is set on, the steps left undone to make it late,
    and the Day 1 decision on an executive findings meeting (random when None)."""

    day: int
    late: frozenset[str] = frozenset()
    exec_meeting_required: bool | None = None


def _initials(rng: random.Random) -> str:
    return rng.choice(LETTERS) + rng.choice(LETTERS)


def _working_day_of(cal: WorkingCalendar, as_of: date) -> date:
    """The working day the demo is set on: today, or on a weekend or a bank holiday the last working day before it."""
    day = as_of
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _received_for_day(cal: WorkingCalendar, as_of: date, day: int) -> date:
    """The received date that makes `as_of` Day `day` of the review."""
    received = as_of
    while cal.day_number(received, as_of) < day or not cal.is_working_day(received):
        received -= timedelta(days=1)
    return received


def _set_up(session: Session, password: str) -> DemoCast:
    """The demo accounts, the partnership's name and its agencies, as the demo's administrator."""
    (admin_name, admin_display, admin_roles), *others = sorted(DEMO_ACCOUNTS, key=lambda a: Role.ADMIN not in a[2])
    # The demo is loaded from the server (manage.py) or the first-run set-up: trusted as an admin, like create-user.
    admin = create_account_from_command_line(session, username=admin_name, display_name=admin_display,
                                             roles=admin_roles, password=password)
    made = {admin_name: admin}
    for username, display_name, roles in others:
        made[username] = create_account(session, admin, username=username, display_name=display_name, roles=roles,
                                        password=password)
    settings = load_settings(session)
    update_settings(session, admin, partnership_name=DEMO_PARTNERSHIP,
                    amber_threshold_days=settings.amber_threshold_days,
                    idle_timeout_minutes=settings.idle_timeout_minutes)
    # Marked for good: every page says "Training copy" whatever the partnership is later called.
    load_settings(session).training_copy = True
    session.flush()
    for name, kind in DEMO_AGENCIES:
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        add_agency(session, admin, name=name, kind=kind, contact_email=f"safeguarding@{slug}.example.org")
    return DemoCast(admin=admin, manager=made["demo-manager"], officer=made["demo-officer"],
                    chair=made["demo-chair"], board=made["demo-board"])


def _open(session: Session, cast: DemoCast, rng: random.Random, received: date, as_of: date) -> Review:
    incident = received - timedelta(days=rng.randint(1, 6))
    aware = min(received, incident + timedelta(days=rng.randint(0, 2)))
    sin_days = rng.choice([1, 2, 3, 4, 5, 6, 8])
    sin = min(as_of, aware + timedelta(days=sin_days))
    children = [ChildEntry(_initials(rng), rng.randint(0, 17)) for _ in range(rng.choice([1, 1, 1, 1, 2, 3]))]
    return open_review(
        session, cast.officer, notification_type=rng.choice(NOTIFICATION_TYPES),
        incident_date=incident, csc_aware_date=aware, notification_received_date=received,
        sin_submitted_date=sin if sin >= aware else None, children=children, as_of=as_of,
    )


def _actor_for(cast: DemoCast, review: Review, key: str) -> Account:
    milestone = next(m for m in review.milestones if m.key == key)
    if milestone.owner == Role.CHAIR:
        return cast.chair
    return cast.manager if key in MANAGER_STEPS else cast.officer


def _complete(session: Session, cast: DemoCast, review: Review, key: str, done_on: date, as_of: date,
              exec_meeting_required: bool | None = None) -> None:
    """A plan step recorded as the Review page records it. A step with evidence in the product (issue 26: the
    requests, the returns, the meetings) is refused a hand tick there; the demo's returns and meetings are loaded
    after its plan, so such a step goes to the milestone core, as the returns' and meetings' services complete it
    (the evidence loaded later keeps this date)."""
    milestone = next(m for m in review.milestones if m.key == key)
    if key in EVIDENCE_OF:
        complete_milestone(session, _actor_for(cast, review, key), milestone_id=milestone.id, done_on=done_on,
                           as_of=as_of)
        return
    record_milestone_done(session, _actor_for(cast, review, key), milestone_id=milestone.id, done_on=done_on,
                          as_of=as_of, exec_meeting_required=exec_meeting_required)


def _complete_before_the_tracker(session: Session, cast: DemoCast, review: Review, key: str, done_on: date,
                                 as_of: date) -> None:
    """A report step of a review finished before the tracker: no service records one without making its Word
    version (the report of those years was written outside it), so the step goes to the milestone core that the
    report's services call, after the same role check, and is logged as they log it."""
    actor = _actor_for(cast, review, key)
    check_role(actor, (Role.MANAGER,) if key in MANAGER_STEPS else (Role.MANAGER, Role.OFFICER, Role.CHAIR),
               "record a report step of a past review")
    milestone = next(m for m in review.milestones if m.key == key)
    complete_milestone(session, actor, milestone_id=milestone.id, done_on=done_on, as_of=as_of)


def _run_plan(session: Session, cast: DemoCast, rng: random.Random, cal: WorkingCalendar, review: Review,
              as_of: date, *, up_to_day: int, late_keys: frozenset[str] = frozenset(),
              exec_meeting_required: bool | None = None) -> ReportSteps:
    """Complete the plan's milestones due by `up_to_day`, a little late now and then (never after the last working
    day up to `as_of`); skip `late_keys`. The Day 1 decision on an executive meeting is random unless given.

    The report's steps are left to the report's services: their dates come back, by milestone key."""
    report_steps: ReportSteps = {}
    latest = _working_day_of(cal, as_of)
    for m in sorted(review.milestones, key=lambda m: m.sort_order):
        if m.key in late_keys or m.key == MilestoneKey.PANEL_RESPONSE or m.optional:
            continue
        if m.key == MilestoneKey.EXEC_MEETING and not review.exec_meeting_required:
            continue
        due = m.due_date
        if m.window_end_day is None or m.window_end_day > up_to_day or due is None:
            continue
        slip = rng.choice([0, 0, 0, 0, 0, 1]) if m.key != MilestoneKey.EXEC_DECISION else 0
        done_on = min(latest, cal.add_working_days(due, slip) if slip else due)
        if m.key == MilestoneKey.PANEL_SUBMISSION:
            continue
        exec_meeting = None
        if m.key == MilestoneKey.EXEC_DECISION:
            chance = rng.random() < 0.3
            exec_meeting = chance if exec_meeting_required is None else exec_meeting_required
        if m.key in REPORT_MILESTONES:
            report_steps[m.key] = done_on
        else:
            _complete(session, cast, review, m.key, done_on, as_of, exec_meeting_required=exec_meeting)
    return report_steps


def _close_past_review(session: Session, cast: DemoCast, rng: random.Random, lcspr_rng: random.Random,
                       cal: WorkingCalendar, review: Review, as_of: date, *, started: date) -> None:
    """A review of the last three years: its plan, returns and LCSPR decision, submitted, answered, closed."""
    report_steps = _run_plan(session, cast, rng, cal, review, as_of, up_to_day=15)
    load_demo_return_history(session, cast, review=review, as_of=as_of, rng=rng)
    # The decision as the meeting made it (the board counts LCSPR decisions).
    lcspr = lcspr_rng.random() < 0.2
    record_lcspr_decision(session, cast.chair, review_id=review.id, expected_version=None, decision=lcspr,
                          reason="Fictional demo text. The criteria for a local review were met." if lcspr
                          else "Fictional demo text. The learning is captured by this rapid review.")
    day_one = cal.day_one(review.notification_received_date)
    # Timeliness improves over the three years, so the board's trend shows.
    late_chance = 0.5 - 0.4 * (review.notification_received_date - started).days / (3 * 365)
    submit_day = rng.choice([17, 16, 19, 16]) if rng.random() < late_chance else rng.choice([12, 13, 14, 15, 15])
    submitted = cal.add_working_days(day_one, submit_day - 1)
    report_steps[MilestoneKey.PANEL_SUBMISSION] = submitted
    report_steps[MilestoneKey.PANEL_RESPONSE] = submitted + timedelta(days=rng.randint(14, 45))
    for key, done_on in report_steps.items():
        _complete_before_the_tracker(session, cast, review, key, done_on, as_of)


def load_demo_data(session: Session, *, as_of: date, seed: int = 2026, password: str | None = None,
                   first_account: Account | None = None) -> DemoSummary:
    """Load the fictional partnership into an empty database: refused if any review exists, or any account but the
    first-run set-up's own (`first_account`), so that real accounts never share a database with demo accounts. The
    demo accounts get `password`, or (the product's paths) a fresh random one, returned in the summary."""
    if session.scalar(select(func.count()).select_from(Review)):
        raise InvalidInput("Demo data loads into an empty database only: reviews already exist.")
    others = select(func.count()).select_from(Account)
    if first_account is not None:
        others = others.where(Account.id != first_account.id)
    if session.scalar(others):
        raise InvalidInput("Demo data loads into an empty database only: accounts already exist. Use a database of "
                           "its own for training.")
    password = password or new_demo_password()
    with calendar_kept(session):
        return _load(session, as_of=as_of, seed=seed, password=password)


@contextmanager
def calendar_kept(session: Session) -> Iterator[None]:
    """The working calendar read once for the whole load (the demo adds no closure day; its services ask for the
    calendar about a thousand times), unless the caller already keeps one for its session (a page's run does)."""
    if KEPT_CALENDAR in session.info:
        yield
        return
    session.info[KEPT_CALENDAR] = None
    try:
        yield
    finally:
        session.info.pop(KEPT_CALENDAR, None)


def _load(session: Session, *, as_of: date, seed: int, password: str) -> DemoSummary:
    rng = random.Random(seed)
    lcspr_rng = random.Random(seed + 6)
    cast = _set_up(session, password)
    cal = load_calendar(session)

    # Three years of closed reviews, about eight a year.
    closed = 0
    closed_reviews: list[Review] = []
    start = received = as_of - timedelta(days=3 * 365)
    while True:
        received += timedelta(days=rng.randint(25, 65))
        if received > as_of - timedelta(days=60):
            break
        review = _open(session, cast, rng, received, as_of)
        _close_past_review(session, cast, rng, lcspr_rng, cal, review, as_of, started=start)
        closed_reviews.append(review)
        closed += 1
    load_demo_themes(session, cast, closed_reviews, rng=random.Random(seed + 29))
    load_demo_lcsprs(session, cast, as_of=as_of)  # two of them converted into LCSPRs, one early, one published
    # A year of recommendations and actions on the closed reviews (issue 29).
    load_demo_actions(session, cast, closed_reviews, as_of=as_of, seed=seed)

    # Live reviews at different stages, by their Day on the working day the demo is set on (Day 1 opened that day).
    # On a working day what is due today is still open (amber); on a weekend or a bank holiday the last working
    # day's work is done, so what is due on the next working day is amber. The mix is the same on any day: two
    # red, one or two amber, the rest green, one submitted.
    stages: list[LiveStage] = [
        LiveStage(1),  # Day 1's steps due today: amber on a working day
        LiveStage(2),
        LiveStage(3),
        LiveStage(4),
        LiveStage(5),  # returns due on the next working day, one just arrived: amber
        LiveStage(8, frozenset({MilestoneKey.RETURNS_ACCEPTED})),  # a return not received by Day 6: red
        LiveStage(10),
        LiveStage(13, exec_meeting_required=False),  # with the Chair to sign by Day 15
        LiveStage(17, frozenset({MilestoneKey.SIGNED_REPORT})),  # past Day 15, not signed: red, overdue
    ]
    on_a_working_day = cal.is_working_day(as_of)
    report_steps: dict[int, ReportSteps] = {}
    live: list[Review] = []
    for stage in stages:
        review = _open(session, cast, rng, _received_for_day(cal, as_of, stage.day), as_of)
        live.append(review)
        # What was due before the working day is done; what is due on it is done only once it is over.
        report_steps[review.id] = _run_plan(session, cast, rng, cal, review, as_of,
                                            up_to_day=stage.day - (1 if on_a_working_day else 0),
                                            late_keys=stage.late, exec_meeting_required=stage.exec_meeting_required)
    # One submitted review waiting for the Panel's response, signed off by the Chair by email (recorded by the
    # manager), and one closed on the Panel's response with Ofsted's reply outstanding (their report steps are made
    # with the reports below).
    finished: list[Review] = []
    for day, answered in ((18, 0), (30, 27)):
        review = _open(session, cast, rng, _received_for_day(cal, as_of, day), as_of)
        finished.append(review)
        steps = _run_plan(session, cast, rng, cal, review, as_of, up_to_day=15)
        day_one = cal.day_one(review.notification_received_date)
        steps[MilestoneKey.PANEL_SUBMISSION] = cal.add_working_days(day_one, 14)
        if answered:
            steps[MilestoneKey.PANEL_RESPONSE] = cal.add_working_days(day_one, answered - 1)
        report_steps[review.id] = steps
    submitted, recently_closed = finished
    returned_by = load_demo_returns(session, cast, live + finished, as_of=as_of, seed=seed)
    load_demo_reports(session, cast, live + finished, as_of=as_of, report_steps=report_steps,
                      returned_by=returned_by, signed_by_email={submitted.id}, to_ofsted={recently_closed.id})
    session.flush()
    return DemoSummary(accounts=[(u, d, [str(r) for r in roles]) for u, d, roles in DEMO_ACCOUNTS],
                       live_reviews=len(stages) + 1, closed_reviews=closed + 1, password=password)
