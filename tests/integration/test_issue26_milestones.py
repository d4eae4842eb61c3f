"""Issue 26 on a real PostgreSQL: milestones follow their evidence. Steps the product has evidence for complete from
it and refuse a hand tick; the Partnership Manager records one done outside the product with a reason (stored,
logged, shown); the submission asks for the Rapid Review meeting; the executive findings meeting reads "not decided
yet" until the Chair decides. Dates: received Fri 18 Dec 2026 (Day 1); Day 7 = Wed 30 Dec."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review, ReviewMilestone
from services.errors import InvalidInput, NotAllowed
from services.meetings.service import record_meeting
from services.milestones import complete_milestone
from services.report.content import milestone_table_rows
from services.report.reads import assemble
from services.returns.service import record_returns_requested
from services.reviews.service import record_milestone_done
from tests.integration.test_returns import FRI_18_DEC, WED_23_DEC, WED_30_DEC, _agencies, _review

D = date


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    return _review(session, officer)


def _milestone(session: Session, review: Review, key: str) -> ReviewMilestone:
    return session.scalars(select(ReviewMilestone).where(ReviewMilestone.review_id == review.id,
                                                         ReviewMilestone.key == key)).one()


@pytest.mark.parametrize(("key", "where"), [
    ("scoping_sent", "when the scoping forms' requests are recorded on the Agency returns page"),
    ("returns_accepted", "when every requested return has ended"),
    ("rr_meeting", "when the Rapid Review meeting is recorded on the Meetings page"),
    ("minutes", "when the minutes' circulation is recorded with the Rapid Review meeting"),
])
def test_a_step_with_evidence_is_not_ticked_by_hand(session: Session, officer: Account, manager: Account,
                                                    review: Review, key: str, where: str) -> None:
    step = _milestone(session, review, key)
    for who in (officer, manager):
        with pytest.raises(InvalidInput, match=f"is not ticked by hand: it completes itself {where}"):
            record_milestone_done(session, who, milestone_id=step.id, done_on=FRI_18_DEC, as_of=WED_23_DEC)
    assert step.done_date is None


def test_steps_with_no_evidence_are_still_ticked_by_hand(session: Session, officer: Account, manager: Account,
                                                         review: Review) -> None:
    folder = _milestone(session, review, "case_folder")
    record_milestone_done(session, officer, milestone_id=folder.id, done_on=FRI_18_DEC, as_of=WED_23_DEC)
    assert folder.done_date == FRI_18_DEC and folder.done_outside_reason is None
    timeline = _milestone(session, review, "timeline_agreed")
    with pytest.raises(InvalidInput, match="has no evidence in the product: record it as done"):
        record_milestone_done(session, manager, milestone_id=timeline.id, done_on=FRI_18_DEC, as_of=WED_23_DEC,
                              done_outside_reason="Agreed by phone.")


def test_scoping_forms_sent_completes_from_the_requests(session: Session, officer: Account, review: Review) -> None:
    agency = _agencies(session, 1)[0]
    record_returns_requested(session, officer, review_id=review.id, agency_ids=[agency.id], requested_on=FRI_18_DEC,
                             as_of=FRI_18_DEC)
    assert _milestone(session, review, "scoping_sent").done_date == FRI_18_DEC


def test_the_manager_records_a_step_done_outside_the_product_with_a_reason(session: Session, officer: Account,
                                                                           manager: Account, review: Review) -> None:
    step = _milestone(session, review, "scoping_sent")
    with pytest.raises(NotAllowed):
        record_milestone_done(session, officer, milestone_id=step.id, done_on=FRI_18_DEC, as_of=WED_23_DEC,
                              done_outside_reason="Sent from the previous officer's mailbox.")
    with pytest.raises(InvalidInput, match="Say why 'Scoping forms sent"):
        record_milestone_done(session, manager, milestone_id=step.id, done_on=FRI_18_DEC, as_of=WED_23_DEC,
                              done_outside_reason="   ")
    record_milestone_done(session, manager, milestone_id=step.id, done_on=FRI_18_DEC, as_of=WED_23_DEC,
                          done_outside_reason="Sent from the previous officer's mailbox.")
    assert step.done_date == FRI_18_DEC
    assert step.done_outside_reason == "Sent from the previous officer's mailbox."
    assert step.note == "Done outside the product: Sent from the previous officer's mailbox."
    entry = session.scalars(select(LogEntry).where(LogEntry.milestone_id == step.id)).one()
    assert entry.text == ("Milestone done outside the product: Scoping forms sent (returns due in 5 working days), "
                          "on 18 Dec 2026. Reason: Sent from the previous officer's mailbox.")
    rows = {row[0]: row for row in milestone_table_rows(assemble(session, review, as_of=WED_23_DEC))}
    assert rows["Scoping forms sent (returns due in 5 working days)"][3] == (
        "18 Dec 2026 (done outside the product: Sent from the previous officer's mailbox.)")


def test_returns_cannot_be_done_outside_while_a_requested_return_is_open(session: Session, officer: Account,
                                                                         manager: Account, review: Review) -> None:
    agency = _agencies(session, 1)[0]
    record_returns_requested(session, officer, review_id=review.id, agency_ids=[agency.id], requested_on=FRI_18_DEC,
                             as_of=FRI_18_DEC)
    step = _milestone(session, review, "returns_accepted")
    with pytest.raises(InvalidInput, match="The returns from Agency 1 are still open in the product"):
        record_milestone_done(session, manager, milestone_id=step.id, done_on=WED_23_DEC, as_of=WED_23_DEC,
                              done_outside_reason="Collected by the officer by phone.")
    assert step.done_date is None


def test_the_submission_asks_for_the_rapid_review_meeting(session: Session, manager: Account, chair: Account,
                                                          review: Review) -> None:
    submission = _milestone(session, review, "panel_submission")
    with pytest.raises(InvalidInput, match="No Rapid Review meeting is recorded for 181226AB: record it on the "
                                           "Meetings page before submitting"):
        complete_milestone(session, manager, milestone_id=submission.id, done_on=WED_30_DEC, as_of=WED_30_DEC)
    assert review.submitted_to_panel_date is None
    agency = _agencies(session, 1)[0]
    record_meeting(session, chair, review_id=review.id, kind="rr_meeting", held_on=WED_30_DEC,
                   agency_ids=[agency.id], chair_name="JCR Chair", as_of=WED_30_DEC)
    complete_milestone(session, manager, milestone_id=submission.id, done_on=WED_30_DEC, as_of=WED_30_DEC)
    assert review.submitted_to_panel_date == WED_30_DEC


def test_the_executive_findings_meeting_reads_not_decided_yet_until_the_chair_decides(session: Session, chair: Account,
                                                                                      review: Review) -> None:
    content = assemble(session, review, as_of=WED_23_DEC)
    assert dict(content.case_details)["Executive findings meeting with the AD/DCS"] == (
        "not decided yet (Day 1 decision)")
    rows = {row[0]: row for row in milestone_table_rows(content)}
    assert rows["Executive findings meeting with the AD/DCS held"][3] == "not decided yet"
    record_milestone_done(session, chair, milestone_id=_milestone(session, review, "exec_decision").id,
                          done_on=FRI_18_DEC, as_of=WED_23_DEC, exec_meeting_required=False)
    rows = {row[0]: row for row in milestone_table_rows(assemble(session, review, as_of=WED_23_DEC))}
    assert rows["Executive findings meeting with the AD/DCS held"][3] == "not needed"
