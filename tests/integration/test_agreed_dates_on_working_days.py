"""No non-working day is ever a due date people agree (domain.md: "No non-working day is ever shown as a due date"),
and an agreed meeting date moves its minutes' due date at once. Found by the stateful test
(tests/integration/test_review_state_machine.py): a Rapid Review meeting agreed for Sat 26 Dec 2026 and a send-back
due Sat 19 Dec were accepted and shown as due dates; minutes kept the plan's date until something else refreshed
the review. Dates worked by hand: received Fri 18 Dec 2026 = Day 1; 25 and 28 Dec and 1 Jan are bank holidays."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Review, ReviewMilestone
from db.models_returns import AgencyReturn
from services.errors import InvalidInput
from services.returns.service import record_returns_requested, set_return_agreed_date
from services.reviews.service import set_agreed_date
from tests.integration.test_returns import FRI_18_DEC, _agencies, _check, _qa, _receive, _review

D = date
SAT_26_DEC = D(2026, 12, 26)
MON_28_DEC = D(2026, 12, 28)  # the substitute Boxing Day holiday
TUE_29_DEC = D(2026, 12, 29)
WED_23_DEC = D(2026, 12, 23)
THU_24_DEC = D(2026, 12, 24)
SUN_3_JAN = D(2027, 1, 3)
MON_4_JAN = D(2027, 1, 4)


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    return _review(session, officer)


@pytest.fixture
def ret(session: Session, officer: Account, review: Review) -> AgencyReturn:
    """One return, requested Fri 18 Dec 2026: due Tue 29 Dec."""
    return record_returns_requested(session, officer, review_id=review.id, agency_ids=[_agencies(session, 1)[0].id],
                                    requested_on=FRI_18_DEC, as_of=FRI_18_DEC)[0]


def _milestone(session: Session, review: Review, key: str) -> ReviewMilestone:
    return session.scalars(select(ReviewMilestone).where(ReviewMilestone.review_id == review.id,
                                                         ReviewMilestone.key == key)).one()


@pytest.mark.parametrize(("day", "next_working"), [(SAT_26_DEC, TUE_29_DEC), (MON_28_DEC, TUE_29_DEC)],
                         ids=["saturday", "bank-holiday"])
def test_a_milestone_date_is_agreed_only_on_a_working_day(session: Session, manager: Account, review: Review, day: date,
                                                          next_working: date) -> None:
    meeting = _milestone(session, review, "rr_meeting")
    with pytest.raises(InvalidInput, match=f"is not a working day .*such as {next_working:%a %d %b %Y}"):
        set_agreed_date(session, manager, milestone_id=meeting.id, expected_version=meeting.version, agreed_on=day,
                        reason="Meeting date agreed with the JCR Chair.")
    assert meeting.agreed_due_date is None


def test_an_agreed_meeting_date_moves_its_minutes_due_date_at_once(session: Session, manager: Account,
                                                                   review: Review) -> None:
    meeting = _milestone(session, review, "rr_meeting")
    set_agreed_date(session, manager, milestone_id=meeting.id, expected_version=meeting.version, agreed_on=WED_23_DEC,
                    reason="Meeting date agreed with the JCR Chair.")
    # Minutes: by the end of the working day after the meeting's agreed date while it has not been held.
    assert _milestone(session, review, "minutes").due_date == THU_24_DEC


def test_a_return_date_is_agreed_only_on_a_working_day(session: Session, manager: Account, ret: AgencyReturn) -> None:
    with pytest.raises(InvalidInput, match=r"is not a working day .*such as Mon 04 Jan 2027"):
        set_return_agreed_date(session, manager, return_id=ret.id, expected_version=ret.version, agreed_on=SUN_3_JAN,
                               reason="Later date agreed with the agency.")
    assert ret.agreed_due_date is None
    set_return_agreed_date(session, manager, return_id=ret.id, expected_version=ret.version, agreed_on=MON_4_JAN,
                           reason="Later date agreed with the agency.")
    assert ret.agreed_due_date == MON_4_JAN


def test_a_send_back_is_due_on_a_working_day(session: Session, officer: Account, manager: Account,
                                             ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    with pytest.raises(InvalidInput, match=r"new due date .*is not a working day .*such as Tue 29 Dec 2026"):
        _qa(session, manager, ret, outcome="sent back", reason="No analysis of practice.", new_due_date=SAT_26_DEC)
    assert ret.final_qa_outcome is None and ret.resubmission_due_date is None
