"""Fictional demo data: a made-up partnership, its accounts, live reviews and three years of closed ones."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, Agency, Review
from services.accounts import _new_account
from services.calendar import load_calendar, load_settings
from services.demo_report import load_demo_reports
from services.demo_returns import load_demo_return_history, load_demo_returns
from services.errors import InvalidInput
from services.milestones import complete_milestone
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from services.working_days import WorkingCalendar

DEMO_PARTNERSHIP = "Demoshire Safeguarding Children Partnership (fictional demo data)"
DEMO_PASSWORD = "demo-password-2026"
DEMO_ACCOUNTS = [
    ("demo-manager", "Morgan Manager (demo)", ["manager"]),
    ("demo-officer", "Olly Officer (demo)", ["officer"]),
    ("demo-chair", "Charlie Chair (demo)", ["chair"]),
    ("demo-board", "Bobbie Board (demo)", ["board"]),
    ("demo-admin", "Ash Admin (demo)", ["admin"]),
]
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


@dataclass
class DemoSummary:
    accounts: list[tuple[str, str, list[str]]]
    live_reviews: int
    closed_reviews: int


def _initials(rng: random.Random) -> str:
    return rng.choice(LETTERS) + rng.choice(LETTERS)


def _received_for_day(cal: WorkingCalendar, as_of: date, day: int) -> date:
    """The received date that makes `as_of` Day `day` of the review."""
    received = as_of
    while cal.day_number(received, as_of) < day or not cal.is_working_day(received):
        received -= timedelta(days=1)
    return received


def _open(session: Session, actor: Account, rng: random.Random, received: date, as_of: date) -> Review:
    incident = received - timedelta(days=rng.randint(1, 6))
    aware = min(received, incident + timedelta(days=rng.randint(0, 2)))
    sin_days = rng.choice([1, 2, 3, 4, 5, 6, 8])
    sin = min(as_of, aware + timedelta(days=sin_days))
    children = [ChildEntry(_initials(rng), rng.randint(0, 17)) for _ in range(rng.choice([1, 1, 1, 1, 2, 3]))]
    return open_review(
        session, actor, notification_type=rng.choice(["serious_harm", "serious_harm", "death", "other"]),
        incident_date=incident, csc_aware_date=aware, notification_received_date=received,
        sin_submitted_date=sin if sin >= aware else None, children=children, as_of=as_of,
    )


def _complete(session, accounts, review: Review, key: str, done_on: date, as_of: date, note: str = "", **extra):
    milestone = next(m for m in review.milestones if m.key == key)
    actor = accounts["demo-manager"] if key in ("panel_submission", "panel_response") else accounts["demo-officer"]
    if milestone.owner == "chair":
        actor = accounts["demo-chair"]
    # Past reviews' history, report steps included, goes straight to the milestone core (as if recorded at the time).
    complete_milestone(session, actor, milestone_id=milestone.id, done_on=done_on, note=note, as_of=as_of, **extra)


def _run_plan(session, accounts, rng: random.Random, cal: WorkingCalendar, review: Review, as_of: date,
              *, up_to_day: int, late_keys: set[str] = frozenset()) -> None:
    """Complete the plan's milestones due by `up_to_day`, a little late now and then; skip `late_keys`."""
    received = review.notification_received_date
    for m in sorted(review.milestones, key=lambda m: m.sort_order):
        if m.key in late_keys or m.key == "panel_response" or m.optional:
            continue
        if m.key == "exec_meeting" and not review.exec_meeting_required:
            continue
        if m.window_end_day is None or m.window_end_day > up_to_day:
            continue
        due = m.due_date
        slip = rng.choice([0, 0, 0, 0, 0, 1]) if m.key not in ("exec_decision",) else 0
        done_on = min(as_of, cal.add_working_days(due, slip) if slip else due)
        if m.key == "panel_submission":
            continue
        extra = {"exec_meeting_required": rng.random() < 0.3} if m.key == "exec_decision" else {}
        _complete(session, accounts, review, m.key, done_on, as_of, **extra)


def load_demo_data(session: Session, *, as_of: date, seed: int = 2026) -> DemoSummary:
    """Load the fictional partnership into an empty database (refused if any review exists)."""
    if session.scalar(select(func.count()).select_from(Review)):
        raise InvalidInput("Demo data loads into an empty database only: reviews already exist.")
    rng = random.Random(seed)
    settings = load_settings(session)
    settings.partnership_name = DEMO_PARTNERSHIP
    accounts: dict[str, Account] = {}
    for username, display_name, roles in DEMO_ACCOUNTS:
        existing = session.scalar(select(Account).where(Account.username == username))
        accounts[username] = existing or _new_account(
            session, username=username, display_name=display_name, roles=roles, password=DEMO_PASSWORD
        )
    for name, kind in DEMO_AGENCIES:
        if session.scalar(select(Agency.id).where(Agency.name == name)) is None:
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
            session.add(Agency(name=name, kind=kind, contact_email=f"safeguarding@{slug}.example.org", active=True))
    session.flush()
    cal = load_calendar(session)
    officer = accounts["demo-officer"]

    # Three years of closed reviews, about eight a year.
    closed = 0
    start = received = as_of - timedelta(days=3 * 365)
    while True:
        received += timedelta(days=rng.randint(25, 65))
        if received > as_of - timedelta(days=60):
            break
        review = _open(session, officer, rng, received, as_of)
        _run_plan(session, accounts, rng, cal, review, as_of, up_to_day=15)
        load_demo_return_history(session, review=review, as_of=as_of, rng=rng)
        day_one = cal.day_one(review.notification_received_date)
        # Timeliness improves over the three years, so the board's trend shows.
        late_chance = 0.5 - 0.4 * (received - start).days / (3 * 365)
        submit_day = rng.choice([17, 16, 19, 16]) if rng.random() < late_chance else rng.choice([12, 13, 14, 15, 15])
        submitted = cal.add_working_days(day_one, submit_day - 1)
        _complete(session, accounts, review, "panel_submission", submitted, as_of)
        _complete(session, accounts, review, "panel_response", submitted + timedelta(days=rng.randint(14, 45)), as_of)
        closed += 1

    # Live reviews at different stages: (Day today, milestones left undone to make some late).
    stages = [
        (1, set()),
        (3, set()),
        (5, {"case_folder"}),  # a Day 1 step still open: red
        (6, set()),  # returns due today: amber
        (8, {"returns_accepted"}),  # returns late: red
        (10, set()),
        (12, set()),  # report due to the Chair today: amber
        (17, {"signed_report"}),  # past Day 15, not submitted: red, overdue
    ]
    for day, late in stages:
        review = _open(session, officer, rng, _received_for_day(cal, as_of, day), as_of)
        # Only what was due before today is done; what is due today or later is still open.
        done_up_to = day - 1
        _run_plan(session, accounts, rng, cal, review, as_of, up_to_day=done_up_to, late_keys=late)
    # One submitted review waiting for the Panel's response.
    review = _open(session, officer, rng, _received_for_day(cal, as_of, 18), as_of)
    _run_plan(session, accounts, rng, cal, review, as_of, up_to_day=15)
    _complete(session, accounts, review, "panel_submission",
              cal.add_working_days(cal.day_one(review.notification_received_date), 14), as_of)
    load_demo_returns(session, as_of=as_of, seed=seed)
    load_demo_reports(session, as_of=as_of, seed=seed)
    session.flush()
    return DemoSummary(
        accounts=[(u, d, r) for u, d, r in DEMO_ACCOUNTS], live_reviews=len(stages) + 1, closed_reviews=closed
    )
