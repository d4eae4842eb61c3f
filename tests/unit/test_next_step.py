"""What the live list names as a review's next step. Found in issue 26: a review submitted with Day 1 steps still
open kept naming a Day 1 step as next; once the report is at the Panel, the next step is the Panel's response.
Dates by hand: received Fri 18 Dec 2026 (Day 1); submitted Tue 12 Jan 2027 (Day 15)."""
from __future__ import annotations

from datetime import date

from services.reviews.reads import MilestoneRead, ReviewRead
from services.reviews.rules import review_status
from services.working_days import WorkingCalendar

CAL = WorkingCalendar()
RECEIVED = date(2026, 12, 18)


def _milestone(number: int, key: str, title: str, due: date | None) -> MilestoneRead:
    return MilestoneRead(id=number, review_id=1, key=key, title=title, owner="manager", sort_order=number, due_date=due)


MILESTONES = (
    _milestone(1, "case_folder", "Case folder created", date(2026, 12, 18)),
    _milestone(2, "panel_submission", "Report submitted to the National Panel", date(2027, 1, 12)),
    _milestone(3, "panel_response", "Panel (and Ofsted) response received and filed", None),
)


def _review(submitted_on: date | None) -> ReviewRead:
    return ReviewRead(id=1, case_reference="181226AB", notification_type="death", state="open" if not submitted_on
                      else "submitted", incident_date=None, csc_aware_date=None, notification_received_date=RECEIVED,
                      submitted_to_panel_date=submitted_on)


def test_before_submission_the_next_step_is_the_soonest_open_one() -> None:
    status = review_status(CAL, _review(None), MILESTONES, date(2026, 12, 21), amber_days=1)
    assert status.next_milestone is not None
    assert status.next_milestone.title == "Case folder created"


def test_after_submission_a_step_left_open_is_not_the_next_step_the_panels_response_is() -> None:
    submitted = [m if m.key != "panel_submission" else MilestoneRead(**{**m.__dict__, "done_date": date(2027, 1, 12)})
                 for m in MILESTONES]
    status = review_status(CAL, _review(date(2027, 1, 12)), submitted, date(2027, 1, 13), amber_days=1)
    assert status.next_milestone is not None
    assert status.next_milestone.title == "Panel (and Ofsted) response received and filed"
