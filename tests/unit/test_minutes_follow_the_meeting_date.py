"""Issue 26: minutes are due by the end of the working day after the meeting's actual date, or its agreed date while
it has not been held; the plan window only when the meeting has neither. Hand-worked: received Mon 7 Dec 2026, so
Day 7 = Tue 15 Dec and Day 9 = Thu 17 Dec (the minutes' plan window)."""
from __future__ import annotations

from datetime import date

import pytest

from db.models import ReviewMilestone
from services.plan import refresh_due_dates
from services.working_days import WorkingCalendar

D = date
RECEIVED = D(2026, 12, 7)


def _plan(meeting_done: date | None = None, meeting_agreed: date | None = None) -> dict[str, ReviewMilestone]:
    meeting = ReviewMilestone(key="rr_meeting", title="Rapid Review meeting held", window_start_day=7,
                              window_end_day=8, owner="chair", sort_order=90, done_date=meeting_done,
                              agreed_due_date=meeting_agreed)
    minutes = ReviewMilestone(key="minutes", title="Minutes saved and circulated", window_start_day=7,
                              window_end_day=9, follows_key="rr_meeting", follows_offset_days=1, owner="officer",
                              sort_order=100)
    refresh_due_dates(WorkingCalendar(), RECEIVED, [meeting, minutes])
    return {"meeting": meeting, "minutes": minutes}


def test_with_no_meeting_date_the_minutes_keep_their_plan_window() -> None:
    assert _plan()["minutes"].due_date == D(2026, 12, 17)


@pytest.mark.parametrize(("agreed", "minutes_due"), [
    (D(2026, 12, 23), D(2026, 12, 24)),   # agreed Wed 23 Dec: minutes by Thu 24 Dec, not Thu 17 Dec
    (D(2026, 12, 24), D(2026, 12, 29)),   # agreed Thu 24 Dec: 25 and 28 Dec are bank holidays
    (D(2026, 12, 31), D(2027, 1, 4)),     # domain.md's worked example
])
def test_minutes_follow_the_agreed_meeting_date_while_it_is_not_held(agreed: date, minutes_due: date) -> None:
    plan = _plan(meeting_agreed=agreed)
    assert plan["minutes"].due_date == minutes_due
    assert plan["meeting"].agreed_due_date == agreed  # the agreed date itself is left as it is


def test_the_actual_meeting_date_wins_over_the_agreed_one() -> None:
    plan = _plan(meeting_done=D(2026, 12, 22), meeting_agreed=D(2026, 12, 23))
    assert plan["minutes"].due_date == D(2026, 12, 23)


# ------------------------------------------------------------------ the executive findings meeting before the decision


@pytest.mark.parametrize(("decision", "words", "step"), [
    (None, "not decided yet", "not decided yet"),
    (False, "not needed", "not needed"),
    (True, "needed", None),
])
def test_the_exec_meeting_reads_not_decided_yet_until_the_chair_decides(decision: bool | None, words: str,
                                                                        step: str | None) -> None:
    from types import SimpleNamespace

    from services.plan import exec_meeting_words, not_applying_words
    review = SimpleNamespace(exec_meeting_required=decision)
    exec_meeting = SimpleNamespace(condition="exec_meeting_required")
    assert exec_meeting_words(review) == words
    assert not_applying_words(review, exec_meeting) == step
    assert not_applying_words(review, SimpleNamespace(condition=None)) is None
