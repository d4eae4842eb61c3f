"""Issue 26: a return received on a non-working day counts from the next working day for its initial check and its
share with the JCR Chair; no non-working day is shown as a due date. Dates worked by hand from domain.md's
calendar (Sat 19 Dec 2026 -> Mon 21 Dec; Thu 24 Dec -> Tue 29 Dec over Christmas and Boxing Day (Mon 28 Dec))."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.rag import Rag
from services.returns.reads import AgencyRef, ReturnRead
from services.returns.rules import (
    action_due_date,
    check_due_date,
    next_step,
    return_rag,
    shared_label,
    what_happens_next,
)
from services.working_days import WorkingCalendar

D = date
FRI_18_DEC = D(2026, 12, 18)
SAT_19_DEC = D(2026, 12, 19)
SUN_20_DEC = D(2026, 12, 20)
MON_21_DEC = D(2026, 12, 21)
TUE_22_DEC = D(2026, 12, 22)
FRI_25_DEC = D(2026, 12, 25)
SAT_26_DEC = D(2026, 12, 26)
TUE_29_DEC = D(2026, 12, 29)
WED_30_DEC = D(2026, 12, 30)


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def received_on(received: date | None, **more: Any) -> ReturnRead:
    return ReturnRead(id=1, review_id=1, case_reference="181226AB",
                      agency=AgencyRef(1, "Demoshire Police", "safeguarding@police.example.org"),
                      requested_date=FRI_18_DEC, received_date=received, **more)


@pytest.mark.parametrize(("received", "due"), [
    (FRI_18_DEC, FRI_18_DEC),   # a working day: the day it arrived
    (SAT_19_DEC, MON_21_DEC),
    (SUN_20_DEC, MON_21_DEC),
    (FRI_25_DEC, TUE_29_DEC),   # Christmas Day; Sat, Sun, Mon 28 (Boxing Day substitute) closed
    (SAT_26_DEC, TUE_29_DEC),
])
def test_the_check_is_due_on_the_first_working_day_on_or_after_receipt(cal: WorkingCalendar, received: date,
                                                                       due: date) -> None:
    ret = received_on(received)
    assert check_due_date(cal, ret) == due
    assert action_due_date(cal, ret) == due


@pytest.mark.parametrize("received", [SAT_19_DEC, SUN_20_DEC, FRI_25_DEC, SAT_26_DEC])
def test_no_non_working_day_is_the_action_due_date(cal: WorkingCalendar, received: date) -> None:
    due = action_due_date(cal, received_on(received))
    assert due is not None and cal.is_working_day(due)


@pytest.mark.parametrize(("as_of", "expected"), [
    (SAT_19_DEC, Rag.AMBER),
    (SUN_20_DEC, Rag.AMBER),
    (MON_21_DEC, Rag.AMBER),    # the first working day after it arrived: due today
    (TUE_22_DEC, Rag.RED),
])
def test_a_saturday_receipt_is_red_only_after_monday(cal: WorkingCalendar, as_of: date, expected: Rag) -> None:
    assert return_rag(cal, received_on(SAT_19_DEC), as_of) == expected


@pytest.mark.parametrize(("as_of", "expected"), [
    (SAT_19_DEC, "Initial quality check and share with the JCR Chair by Mon 21 Dec"),
    (MON_21_DEC, "Initial quality check and share with the JCR Chair today"),
    (TUE_22_DEC, "Initial quality check and share with the JCR Chair: overdue (received Sat 19 Dec)"),
])
def test_next_step_of_a_saturday_receipt(cal: WorkingCalendar, as_of: date, expected: str) -> None:
    assert next_step(cal, received_on(SAT_19_DEC), as_of) == expected


def test_a_saturday_receipt_is_not_late_on_the_monday(cal: WorkingCalendar) -> None:
    sentence = what_happens_next(cal, received_on(SAT_19_DEC), MON_21_DEC)
    assert "late" not in sentence
    assert "Mon 21 Dec" in sentence
    assert "Sat 19 Dec" in sentence  # the day it really arrived is still said
    assert not sentence.startswith("Check it and share it with the JCR Chair by Sat")


def test_a_saturday_receipt_is_late_from_the_tuesday(cal: WorkingCalendar) -> None:
    sentence = what_happens_next(cal, received_on(SAT_19_DEC), TUE_22_DEC)
    assert sentence == ("Check it and share it with the JCR Chair now: it was due Mon 21 Dec, the first working day "
                        "after it arrived (Sat 19 Dec); it is late.")


def test_a_working_day_receipt_keeps_the_same_day_wording(cal: WorkingCalendar) -> None:
    assert what_happens_next(cal, received_on(FRI_18_DEC), FRI_18_DEC) == (
        "Check it and share it with the JCR Chair by Fri 18 Dec, the day it arrived.")


def test_sharing_a_saturday_receipt_on_the_monday_is_same_day(cal: WorkingCalendar) -> None:
    ret = received_on(SAT_19_DEC, shared_with_chair_date=MON_21_DEC)
    assert shared_label(cal, ret, MON_21_DEC) == "same day"
    assert shared_label(cal, received_on(SAT_19_DEC), SAT_19_DEC) == "not shared yet: share by Mon 21 Dec"
    assert shared_label(cal, received_on(SAT_19_DEC), TUE_22_DEC) == "not shared: late"


def test_a_checked_christmas_receipt_not_shared_reads_by_its_working_day(cal: WorkingCalendar) -> None:
    ret = received_on(FRI_25_DEC, signed_by_senior_manager=True, signatory_role="DCI",
                      check_sufficient_information=True, check_dates_present=True, check_analysis=True,
                      check_signed=True, initial_check_outcome="satisfactory", initial_check_date=FRI_25_DEC,
                      initial_checked_by_id=1)
    assert next_step(cal, ret, SAT_26_DEC).startswith("Share with the JCR Chair by Tue 29 Dec; then final QA")
    assert next_step(cal, ret, WED_30_DEC).startswith("Share with the JCR Chair (late)")


# ------------------------------------------------------------------ "no return" says what the record holds


def test_no_return_wording_states_the_chases_or_why_none_was_possible() -> None:
    from services.returns.rules import ending_sentence
    due, closed = TUE_29_DEC, D(2027, 1, 4)
    assert ending_sentence("no return", closed, "No reply.", due, 2) == (
        "No return: the agency did not respond by 29 Dec 2026 (chased 2 times); closed on 04 Jan 2027. "
        "Reason: No reply.")
    assert ending_sentence("no return", closed, "No reply.", due, 0, "Inbox closed.") == (
        "No return: the agency did not respond by 29 Dec 2026 (no chase on record; no chase was possible: "
        "Inbox closed.); closed on 04 Jan 2027. Reason: No reply.")


def test_no_return_needs_a_chase_or_a_reason() -> None:
    from services.errors import InvalidInput
    from services.returns.rules import validate_no_chase
    with pytest.raises(InvalidInput, match="No chase of the return from Police is on record"):
        validate_no_chase(agency_name="Police", ending="no return", chases=0, no_chase_reason="  ")
    assert validate_no_chase(agency_name="Police", ending="no return", chases=1, no_chase_reason="") is None
    assert validate_no_chase(agency_name="Police", ending="withdrawn", chases=0, no_chase_reason="") is None
    assert validate_no_chase(agency_name="Police", ending="no return", chases=0, no_chase_reason=" Closed. ") == (
        "Closed.")
