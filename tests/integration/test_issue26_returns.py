"""Issue 26 on a real PostgreSQL: "no return" needs a chase on record or a reason none was possible, and the
report's wording says exactly what the record holds; one rule for "signed by a senior manager" per receipt."""
from __future__ import annotations

from datetime import date
from typing import TypedDict, Unpack

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review, ReviewMilestone
from db.models_returns import AgencyReturn
from services.errors import InvalidInput
from services.returns.chasing import record_chase
from services.returns.reads import first_receipt_signature, list_returns
from services.returns.service import close_return_without_receipt, record_returns_requested
from services.returns.service_receipts import record_resubmission_received
from tests.integration.test_returns import (
    FRI_18_DEC,
    MON_21_DEC,
    TUE_22_DEC,
    WED_23_DEC,
    WED_30_DEC,
    _agencies,
    _check,
    _log,
    _qa,
    _receive,
    _review,
)


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    return _review(session, officer)


@pytest.fixture
def ret(session: Session, officer: Account, review: Review) -> AgencyReturn:
    """One return, requested Fri 18 Dec 2026 (due Tue 29 Dec)."""
    agency = _agencies(session, 1)[0]
    return record_returns_requested(session, officer, review_id=review.id, agency_ids=[agency.id],
                                    requested_on=FRI_18_DEC, as_of=FRI_18_DEC)[0]


class EndingFields(TypedDict, total=False):
    """close_return_without_receipt's keyword arguments a test may set (the return's id aside)."""

    expected_version: int | None
    ending: str | None
    ended_on: date | None
    reason: str
    as_of: date
    no_chase_reason: str


def _close(session: Session, manager: Account, ret: AgencyReturn, **kw: Unpack[EndingFields]) -> AgencyReturn:
    kwargs: EndingFields = {"expected_version": ret.version, "ending": "no return", "ended_on": WED_30_DEC,
                            "reason": "The agency did not respond.", "as_of": WED_30_DEC}
    kwargs.update(kw)
    return close_return_without_receipt(session, manager, return_id=ret.id, **kwargs)


def test_no_return_without_a_chase_or_a_reason_is_refused(session: Session, manager: Account,
                                                          ret: AgencyReturn) -> None:
    with pytest.raises(InvalidInput, match="No chase of the return from Agency 1 is on record: record the chase first"):
        _close(session, manager, ret)
    assert ret.ended_as is None


def test_no_return_with_no_chase_states_why_none_was_possible(session: Session, manager: Account,
                                                              ret: AgencyReturn) -> None:
    _close(session, manager, ret, no_chase_reason="The agency's safeguarding inbox was closed over Christmas.")
    assert ret.no_chase_reason == "The agency's safeguarding inbox was closed over Christmas."
    assert _log(session, ret.id)[-1].text == (
        "Return from Agency 1: No return: the agency did not respond by 29 Dec 2026 (no chase on record; no chase "
        "was possible: The agency's safeguarding inbox was closed over Christmas.); closed on 30 Dec 2026. "
        "Reason: The agency did not respond.")


def test_no_return_after_a_chase_says_chased(session: Session, officer: Account, manager: Account,
                                             ret: AgencyReturn) -> None:
    record_chase(session, officer, return_id=ret.id, as_of=WED_30_DEC)
    _close(session, manager, ret, reason="Chased by phone and email; no reply.")
    assert ret.no_chase_reason is None
    assert "(chased 1 time)" in _log(session, ret.id)[-1].text
    assert "not chased" not in _log(session, ret.id)[-1].text


def test_withdrawn_needs_no_chase(session: Session, manager: Account, ret: AgencyReturn) -> None:
    _close(session, manager, ret, ending="withdrawn", reason="Asked in error.")
    assert ret.ended_as == "withdrawn"


def test_the_initial_check_cannot_say_signed_of_an_unsigned_receipt(session: Session, officer: Account,
                                                                    ret: AgencyReturn) -> None:
    _receive(session, officer, ret, signed_by_senior_manager=False, signatory_role="")
    with pytest.raises(InvalidInput, match='recorded as not signed by a senior manager when it arrived: answer '
                                           '"Signed\\?" no'):
        _check(session, officer, ret)  # "all four yes"
    assert ret.initial_check_date is None
    _check(session, officer, ret, signed=False, outcome="concerns", note="Not signed.")
    assert ret.check_signed is False


def test_the_initial_check_cannot_say_unsigned_of_a_signed_receipt(session: Session, officer: Account,
                                                                   ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    with pytest.raises(InvalidInput, match="recorded as signed by a senior manager"):
        _check(session, officer, ret, signed=False, outcome="concerns", note="?")


def test_each_receipt_shows_its_own_signer(session: Session, officer: Account, manager: Account, review: Review,
                                           ret: AgencyReturn) -> None:
    _receive(session, officer, ret, on=MON_21_DEC, as_of=MON_21_DEC, signed_by_senior_manager=False,
             signatory_role="")
    _check(session, officer, ret, on=MON_21_DEC, as_of=MON_21_DEC, signed=False, outcome="concerns",
           note="Not signed.")
    _qa(session, manager, ret, on=TUE_22_DEC, as_of=TUE_22_DEC, outcome="sent back", reason="Needs signing.",
        new_due_date=WED_30_DEC)
    record_resubmission_received(session, officer, return_id=ret.id, expected_version=ret.version,
                                 received_on=WED_23_DEC, signed_by_senior_manager=True,
                                 signatory_role="Head of Service", as_of=WED_23_DEC)
    read = list_returns(session, officer, review_id=review.id, as_of=WED_23_DEC)[0].ret
    assert first_receipt_signature(read) == "not signed by a senior manager"
    assert (read.signed_by_senior_manager, read.signatory_role) == (True, "Head of Service")


def test_a_return_asked_for_after_every_return_ended_opens_the_returns_step_again(session: Session, officer: Account,
                                                                                  manager: Account) -> None:
    """Found by the stateful test: a review whose only return was withdrawn had 'Agency returns received, checked and
    accepted' done, and kept it done when a second agency was then asked for its return."""
    review = _review(session, officer)
    first, second = _agencies(session, 2)
    [ret] = record_returns_requested(session, officer, review_id=review.id, agency_ids=[first.id],
                                     requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    close_return_without_receipt(session, manager, return_id=ret.id, expected_version=ret.version,
                                 ending="withdrawn", ended_on=FRI_18_DEC, reason="Asked in error.",
                                 as_of=FRI_18_DEC)
    step = session.scalars(select(ReviewMilestone).where(ReviewMilestone.review_id == review.id,
                                                         ReviewMilestone.key == "returns_accepted")).one()
    assert step.done_date == FRI_18_DEC
    record_returns_requested(session, officer, review_id=review.id, agency_ids=[second.id], requested_on=FRI_18_DEC,
                             as_of=FRI_18_DEC)
    # Typed afresh: the type checker keeps done_date as the date asserted above, not what the request changed.
    reopened: tuple[date | None, int | None, str | None] = (step.done_date, step.done_by_id, step.note)
    assert reopened == (None, None, None)
    entry = session.scalars(select(LogEntry).where(LogEntry.milestone_id == step.id)
                            .order_by(LogEntry.id.desc())).first()
    assert entry is not None
    assert entry.text == ("Milestone open again: Agency returns received, checked and accepted (done 18 Dec 2026): a "
                          "scoping form was sent to Agency 2, whose return has not yet ended.")
