"""The milestone plan's pure rules (domain.md, "The default plan" and the worked examples).

Only planned_dates, review_due_date and window_label are tested here; nothing touches a database.
All dates are hand-computed.
"""
from datetime import date
from typing import Any

import pytest

from db.models import MilestoneTemplate, ReviewMilestone
from services.deadlines import REVIEW_DUE_DAY
from services.plan import PlannedDates, planned_dates, review_due_date, window_label
from services.working_days import WorkingCalendar

D = date
CHRISTMAS_CLOSURE_2026 = [D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)]


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def test_review_is_due_at_the_end_of_day_15() -> None:
    assert REVIEW_DUE_DAY == 15


# ------------------------------------------------------------------ review due date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2026, 12, 18), D(2027, 1, 12)),  # worked example: Fri 18 Dec -> Tue 12 Jan
        (D(2026, 12, 19), D(2027, 1, 13)),  # worked example: Sat 19 Dec -> Wed 13 Jan
        (D(2026, 12, 20), D(2027, 1, 13)),  # Sun: same Day 1 as Saturday
        (D(2026, 6, 15), D(2026, 7, 3)),    # Mon 15 Jun, no holidays: 3 whole weeks - 1 day
        (D(2026, 6, 17), D(2026, 7, 7)),    # Wed 17 Jun -> Tue 7 Jul
        (D(2026, 4, 3), D(2026, 4, 27)),    # Good Friday: Day 1 Tue 7 Apr
        (D(2026, 5, 4), D(2026, 5, 26)),    # Early May holiday: Day 1 Tue 5 May, skips 25 May
        (D(2025, 8, 22), D(2025, 9, 12)),   # over the August holiday
        (D(2025, 4, 17), D(2025, 5, 12)),   # over Easter and the early May holiday
        (D(2025, 1, 1), D(2025, 1, 22)),    # New Year's Day: Day 1 Thu 2 Jan
        (D(2027, 3, 26), D(2027, 4, 19)),   # Good Friday 2027: Day 1 Tue 30 Mar
        (D(2027, 12, 23), D(2028, 1, 17)),  # over both 2027 substitutes and 3 Jan 2028
    ],
)
def test_review_due_date(cal: WorkingCalendar, received: date, due: date) -> None:
    assert review_due_date(cal, received) == due


def test_review_due_date_with_christmas_closure() -> None:
    cal = WorkingCalendar(closures=CHRISTMAS_CLOSURE_2026)
    assert review_due_date(cal, D(2026, 12, 18)) == D(2027, 1, 15)


# ------------------------------------------------------------------ planned_dates from windows


@pytest.mark.parametrize(
    ("start_day", "end_day", "window_start", "due"),
    [
        # received Fri 18 Dec 2026: the default plan's windows
        (1, 1, D(2026, 12, 18), D(2026, 12, 18)),     # Day 1
        (2, 5, D(2026, 12, 21), D(2026, 12, 24)),     # Day 2-5 pre-meets
        (2, 6, D(2026, 12, 21), D(2026, 12, 29)),     # Day 2-6 returns
        (6, 6, D(2026, 12, 29), D(2026, 12, 29)),     # Day 6 collation
        (7, 8, D(2026, 12, 30), D(2026, 12, 31)),     # Day 7-8 meeting
        (7, 9, D(2026, 12, 30), D(2027, 1, 4)),       # minutes' own window until the meeting is held
        (9, 12, D(2027, 1, 4), D(2027, 1, 7)),        # Day 9-12 report to Chair
        (2, 14, D(2026, 12, 21), D(2027, 1, 11)),     # executive meeting by Day 14
        (13, 15, D(2027, 1, 8), D(2027, 1, 12)),      # Day 13-15 signed report
        (15, 15, D(2027, 1, 12), D(2027, 1, 12)),     # Day 15 submission
        (None, None, None, None),                     # no deadline (Panel response)
    ],
)
def test_planned_dates_received_fri_18_dec_2026(cal: WorkingCalendar, start_day: int | None, end_day: int | None,
                                                window_start: date | None, due: date | None) -> None:
    got = planned_dates(cal, D(2026, 12, 18), window_start_day=start_day, window_end_day=end_day)
    assert got == PlannedDates(window_start, due)


@pytest.mark.parametrize(
    ("start_day", "end_day", "window_start", "due"),
    [
        # received Sat 19 Dec 2026: Day 1 is Mon 21 Dec
        (1, 1, D(2026, 12, 21), D(2026, 12, 21)),
        (2, 5, D(2026, 12, 22), D(2026, 12, 29)),
        (2, 6, D(2026, 12, 22), D(2026, 12, 30)),
        (6, 6, D(2026, 12, 30), D(2026, 12, 30)),
        (7, 8, D(2026, 12, 31), D(2027, 1, 4)),
        (9, 12, D(2027, 1, 5), D(2027, 1, 8)),
        (13, 15, D(2027, 1, 11), D(2027, 1, 13)),
        (15, 15, D(2027, 1, 13), D(2027, 1, 13)),
    ],
)
def test_planned_dates_received_sat_19_dec_2026(cal: WorkingCalendar, start_day: int, end_day: int, window_start: date,
                                                due: date) -> None:
    got = planned_dates(cal, D(2026, 12, 19), window_start_day=start_day, window_end_day=end_day)
    assert got == PlannedDates(window_start, due)


@pytest.mark.parametrize(
    ("start_day", "end_day", "window_start", "due"),
    [
        # received Fri 18 Dec 2026, council closed 29-31 Dec
        (1, 1, D(2026, 12, 18), D(2026, 12, 18)),
        (2, 6, D(2026, 12, 21), D(2027, 1, 4)),       # returns due Mon 4 Jan
        (6, 6, D(2027, 1, 4), D(2027, 1, 4)),
        (7, 8, D(2027, 1, 5), D(2027, 1, 6)),
        (9, 12, D(2027, 1, 7), D(2027, 1, 12)),
        (13, 15, D(2027, 1, 13), D(2027, 1, 15)),
        (15, 15, D(2027, 1, 15), D(2027, 1, 15)),     # review due Fri 15 Jan
    ],
)
def test_planned_dates_with_christmas_closure(start_day: int, end_day: int, window_start: date, due: date) -> None:
    cal = WorkingCalendar(closures=CHRISTMAS_CLOSURE_2026)
    got = planned_dates(cal, D(2026, 12, 18), window_start_day=start_day, window_end_day=end_day)
    assert got == PlannedDates(window_start, due)


def test_planned_dates_window_without_a_start_day(cal: WorkingCalendar) -> None:
    got = planned_dates(cal, D(2026, 12, 18), window_start_day=None, window_end_day=15)
    assert got == PlannedDates(None, D(2027, 1, 12))


# ------------------------------------------------------------------ milestones that follow another


@pytest.mark.parametrize(
    ("meeting", "offset", "minutes_due"),
    [
        (D(2026, 12, 31), 1, D(2027, 1, 4)),    # worked example: Thu 31 Dec -> Mon 4 Jan 2027
        (D(2026, 12, 30), 1, D(2026, 12, 31)),
        (D(2026, 12, 24), 1, D(2026, 12, 29)),  # over Christmas and the substitute day
        (D(2027, 12, 24), 1, D(2027, 12, 29)),  # over both 2027 substitute days
        (D(2026, 8, 28), 1, D(2026, 9, 1)),     # over the August holiday
        (D(2026, 6, 19), 1, D(2026, 6, 22)),    # Fri -> Mon
        (D(2026, 6, 17), 1, D(2026, 6, 18)),
        (D(2026, 6, 17), 2, D(2026, 6, 19)),
        (D(2026, 6, 17), 3, D(2026, 6, 22)),
    ],
)
def test_minutes_follow_the_meeting(cal: WorkingCalendar, meeting: date, offset: int, minutes_due: date) -> None:
    got = planned_dates(
        cal,
        D(2026, 12, 18),
        window_start_day=7,
        window_end_day=9,
        follows_done_date=meeting,
        follows_offset_days=offset,
    )
    assert got == PlannedDates(meeting, minutes_due)


def test_minutes_after_meeting_thu_31_dec_2026_worked_example(cal: WorkingCalendar) -> None:
    got = planned_dates(
        cal,
        D(2026, 12, 18),
        window_start_day=None,
        window_end_day=None,
        follows_done_date=D(2026, 12, 31),
        follows_offset_days=1,
    )
    assert got.due == D(2027, 1, 4)
    assert got.window_start == D(2026, 12, 31)


def test_minutes_follow_the_meeting_with_closure_days() -> None:
    cal = WorkingCalendar(closures=CHRISTMAS_CLOSURE_2026)
    got = planned_dates(cal, D(2026, 12, 18), window_start_day=7, window_end_day=9,
                        follows_done_date=D(2026, 12, 24), follows_offset_days=1)
    assert got == PlannedDates(D(2026, 12, 24), D(2027, 1, 4))


def test_minutes_use_their_window_until_the_meeting_is_held(cal: WorkingCalendar) -> None:
    got = planned_dates(cal, D(2026, 12, 18), window_start_day=7, window_end_day=9,
                        follows_done_date=None, follows_offset_days=1)
    assert got == PlannedDates(D(2026, 12, 30), D(2027, 1, 4))


def test_a_done_date_without_an_offset_does_not_replace_the_window(cal: WorkingCalendar) -> None:
    got = planned_dates(cal, D(2026, 12, 18), window_start_day=9, window_end_day=12,
                        follows_done_date=D(2026, 12, 31), follows_offset_days=None)
    assert got == PlannedDates(D(2027, 1, 4), D(2027, 1, 7))


# ------------------------------------------------------------------ window_label


def _template(**kw: Any) -> MilestoneTemplate:
    base: dict[str, Any] = dict(key="k", title="t", owner="officer", sort_order=10,
                window_start_day=None, window_end_day=None, follows_key=None, follows_offset_days=None)
    base.update(kw)
    return MilestoneTemplate(**base)


@pytest.mark.parametrize(
    ("kw", "label"),
    [
        (dict(window_start_day=1, window_end_day=1), "Day 1"),
        (dict(window_start_day=6, window_end_day=6), "Day 6"),
        (dict(window_start_day=15, window_end_day=15), "Day 15"),
        (dict(window_start_day=2, window_end_day=5), "Day 2-5"),
        (dict(window_start_day=2, window_end_day=6), "Day 2-6"),
        (dict(window_start_day=7, window_end_day=8), "Day 7-8"),
        (dict(window_start_day=9, window_end_day=12), "Day 9-12"),
        (dict(window_start_day=13, window_end_day=15), "Day 13-15"),
        (dict(window_start_day=None, window_end_day=None), "no deadline"),
        (dict(follows_key="meeting", follows_offset_days=1), "meeting + 1 working day"),
        (dict(follows_key="meeting", follows_offset_days=2), "meeting + 2 working days"),
        (dict(window_start_day=7, window_end_day=9, follows_key="meeting", follows_offset_days=1),
         "meeting + 1 working day"),
    ],
)
def test_window_label(kw: dict[str, Any], label: str) -> None:
    assert window_label(_template(**kw)) == label


def test_window_label_for_a_review_milestone() -> None:
    m = ReviewMilestone(key="returns_accepted", title="t", owner="officer", sort_order=70,
                        window_start_day=2, window_end_day=6)
    assert window_label(m) == "Day 2-6"


def test_window_label_of_the_seeded_minutes_step_reads_as_in_domain_md() -> None:
    # domain.md's default plan table and window_label's own docstring both give the minutes step's
    # window as "meeting + 1 working day"; the seeded plan's follows_key is "rr_meeting".
    m = _template(key="minutes", window_start_day=7, window_end_day=9,
                  follows_key="rr_meeting", follows_offset_days=1)
    assert window_label(m) == "meeting + 1 working day"
