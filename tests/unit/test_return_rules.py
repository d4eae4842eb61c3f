"""Agency return rules without a database: due dates, stage, RAG at every boundary, sharing, validation, chase
emails and the export formats.

Dates are hand-computed. December 2026: Fri 25 and Mon 28 are bank holidays (28 is the Boxing Day substitute),
Fri 1 Jan 2027 is a bank holiday; Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar.
"""
import csv
import io
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from services.errors import InvalidInput
from services.rag import Rag
from services.returns.chasing import ReadyEmail, chase_email_for, send_back_email_for
from services.returns.exports import CHECKLIST_COLUMNS, checklist_csv, checklist_row, checklist_xlsx
from services.returns.reads import AgencyRef, ReturnRead, status_of, urgency_key
from services.returns.rules import (
    Stage,
    action_due_date,
    card_step,
    check_result_label,
    next_step,
    return_due_date,
    return_rag,
    return_stage,
    shared_label,
    validate_final_qa,
    validate_initial_check,
    validate_receipt,
    validate_request,
    what_happens_next,
)
from services.working_days import WorkingCalendar

D = date
FRI_18_DEC = D(2026, 12, 18)
TUE_29_DEC = D(2026, 12, 29)
ALL_YES = {"sufficient_information": True, "dates_present": True, "analysis": True, "signed": True}


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def make_return(requested: date = FRI_18_DEC, **fields: Any) -> ReturnRead:
    """A return as the services read it, for review 181226AB and Demoshire Police."""
    return ReturnRead(id=1, review_id=1, case_reference="181226AB",
                      agency=AgencyRef(1, "Demoshire Police", "safeguarding@police.example.org"),
                      requested_date=requested, **fields)


def checked(received: date, checked_on: date, **more: Any) -> dict[str, Any]:
    return dict(received_date=received, signed_by_senior_manager=True, signatory_role="DCI",
                check_sufficient_information=True, check_dates_present=True, check_analysis=True, check_signed=True,
                initial_check_outcome="satisfactory", initial_check_date=checked_on, initial_checked_by_id=1, **more)


def sent_back(received: date, checked_on: date, sent_on: date, new_due: date, **more: Any) -> dict[str, Any]:
    return dict(checked(received, checked_on), final_qa_outcome="sent back", final_qa_date=sent_on, final_qa_by_id=1,
                sent_back_date=sent_on, sent_back_reason="No dates of contact.", resubmission_due_date=new_due,
                sent_back_count=1, **more)


# ------------------------------------------------------------------ due dates


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        (FRI_18_DEC, TUE_29_DEC),                 # domain.md: forms sent Fri 18 Dec are due Tue 29 Dec
        (D(2026, 12, 19), TUE_29_DEC),            # sent on a Saturday: Mon 21 is the first of the five
        (D(2026, 12, 21), D(2026, 12, 30)),
        (D(2026, 12, 24), D(2027, 1, 5)),         # 29, 30, 31 Dec, (1 Jan holiday), 4, 5 Jan
        (D(2026, 11, 2), D(2026, 11, 9)),         # an ordinary week: Mon to the next Mon
        (D(2026, 11, 6), D(2026, 11, 13)),        # Fri to the next Fri
        (D(2027, 3, 25), D(2027, 4, 5)),          # over Easter: Good Friday and Easter Monday do not count
        (D(2027, 8, 25), D(2027, 9, 2)),          # over the August bank holiday (Mon 30 Aug 2027)
    ],
)
def test_return_due_date_is_five_working_days_after_the_request(cal: WorkingCalendar, requested: date,
                                                                due: date) -> None:
    assert return_due_date(cal, requested) == due


def test_closure_days_move_the_due_date() -> None:
    # domain.md: the same review with closure days 29-31 Dec 2026: returns due Mon 4 Jan.
    cal = WorkingCalendar(closures=[D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)])
    assert return_due_date(cal, FRI_18_DEC) == D(2027, 1, 4)


# ------------------------------------------------------------------ RAG: not received


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (FRI_18_DEC, Rag.GREEN),
        (D(2026, 12, 22), Rag.GREEN),   # 3 working days left
        (D(2026, 12, 23), Rag.GREEN),   # 2 left (24, 29): the worked example
        (D(2026, 12, 24), Rag.AMBER),   # due on the next working day
        (D(2026, 12, 25), Rag.AMBER),   # bank holiday
        (D(2026, 12, 28), Rag.AMBER),   # bank holiday
        (TUE_29_DEC, Rag.AMBER),        # due today
        (D(2026, 12, 30), Rag.RED),     # a day late
        (D(2027, 2, 1), Rag.RED),
    ],
)
def test_not_received_follows_its_due_date(cal: WorkingCalendar, as_of: date, expected: Rag) -> None:
    ret = make_return()
    assert return_stage(ret) is Stage.AWAITING
    assert return_rag(cal, ret, as_of) is expected


@pytest.mark.parametrize(("as_of", "expected"), [(D(2026, 12, 24), Rag.GREEN), (TUE_29_DEC, Rag.AMBER)])
def test_the_amber_threshold_setting_is_used(cal: WorkingCalendar, as_of: date, expected: Rag) -> None:
    assert return_rag(cal, make_return(), as_of, amber_days=0) is expected


def test_a_wider_amber_threshold(cal: WorkingCalendar) -> None:
    assert return_rag(cal, make_return(), D(2026, 12, 23), amber_days=2) is Rag.AMBER


# ------------------------------------------------------------------ RAG: received, not yet checked


@pytest.mark.parametrize(
    ("received", "as_of", "expected"),
    [
        (D(2026, 12, 22), D(2026, 12, 22), Rag.AMBER),   # the day it arrived
        (D(2026, 12, 22), D(2026, 12, 23), Rag.RED),     # the next working day
        (D(2026, 12, 24), D(2026, 12, 25), Rag.AMBER),   # holidays and a weekend follow: still the same day
        (D(2026, 12, 24), D(2026, 12, 28), Rag.AMBER),
        (D(2026, 12, 24), TUE_29_DEC, Rag.RED),          # first working day after
        (D(2026, 12, 19), D(2026, 12, 19), Rag.AMBER),   # arrived on a Saturday
        (D(2026, 12, 19), D(2026, 12, 21), Rag.AMBER),   # ...counts as arriving on Monday
        (D(2026, 12, 19), D(2026, 12, 22), Rag.RED),
    ],
)
def test_received_but_unchecked(cal: WorkingCalendar, received: date, as_of: date, expected: Rag) -> None:
    ret = make_return(received_date=received, signed_by_senior_manager=False)
    assert return_stage(ret) is Stage.RECEIVED
    assert return_rag(cal, ret, as_of) is expected


def test_received_unchecked_ignores_how_far_off_the_due_date_is(cal: WorkingCalendar) -> None:
    # Received early, with a week to spare: still amber on the day, red the next working day.
    ret = make_return(received_date=D(2026, 12, 21), signed_by_senior_manager=True, signatory_role="DCI")
    assert return_rag(cal, ret, D(2026, 12, 21)) is Rag.AMBER
    assert return_rag(cal, ret, D(2026, 12, 22)) is Rag.RED


# ------------------------------------------------------------------ RAG: checked, awaiting final QA


def test_checked_waits_for_final_qa_until_the_due_date(cal: WorkingCalendar) -> None:
    ret = make_return(**checked(D(2026, 12, 21), D(2026, 12, 21)))
    assert return_stage(ret) is Stage.CHECKED
    assert action_due_date(cal, ret) == TUE_29_DEC
    assert return_rag(cal, ret, D(2026, 12, 22)) is Rag.GREEN
    assert return_rag(cal, ret, D(2026, 12, 24)) is Rag.AMBER
    assert return_rag(cal, ret, D(2026, 12, 30)) is Rag.RED


def test_a_late_return_checked_gives_the_manager_one_working_day(cal: WorkingCalendar) -> None:
    ret = make_return(**checked(D(2026, 12, 31), D(2026, 12, 31)))
    assert action_due_date(cal, ret) == D(2027, 1, 4)
    assert return_rag(cal, ret, D(2026, 12, 31)) is Rag.AMBER
    assert return_rag(cal, ret, D(2027, 1, 4)) is Rag.AMBER
    assert return_rag(cal, ret, D(2027, 1, 5)) is Rag.RED


# ------------------------------------------------------------------ RAG: sent back, resubmitted, accepted


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2026, 12, 30), Rag.GREEN),   # the original due date has passed, yet 2 working days remain
        (D(2026, 12, 31), Rag.AMBER),   # new due date on the next working day (1 Jan is a holiday)
        (D(2027, 1, 1), Rag.AMBER),
        (D(2027, 1, 4), Rag.AMBER),     # due today
        (D(2027, 1, 5), Rag.RED),
    ],
)
def test_sent_back_follows_the_new_due_date(cal: WorkingCalendar, as_of: date, expected: Rag) -> None:
    ret = make_return(**sent_back(D(2026, 12, 23), D(2026, 12, 23), D(2026, 12, 29), D(2027, 1, 4)))
    assert return_stage(ret) is Stage.SENT_BACK
    assert return_rag(cal, ret, as_of) is expected


def test_a_resubmission_is_received_unchecked_again(cal: WorkingCalendar) -> None:
    fields = sent_back(D(2026, 12, 23), D(2026, 12, 23), D(2026, 12, 29), D(2027, 1, 4))
    fields.update(final_qa_outcome=None, final_qa_date=None, final_qa_by_id=None, initial_check_date=None,
                  initial_check_outcome=None, initial_checked_by_id=None, resubmission_received_date=D(2027, 1, 4))
    ret = make_return(**fields)
    assert return_stage(ret) is Stage.RECEIVED
    assert return_rag(cal, ret, D(2027, 1, 4)) is Rag.AMBER
    assert return_rag(cal, ret, D(2027, 1, 5)) is Rag.RED


def test_a_checked_resubmission_measures_final_qa_on_the_new_due_date(cal: WorkingCalendar) -> None:
    fields = sent_back(D(2026, 12, 23), D(2026, 12, 23), D(2026, 12, 29), D(2027, 1, 6))
    fields.update(final_qa_outcome=None, final_qa_date=None, final_qa_by_id=None, initial_check_date=D(2027, 1, 4),
                  resubmission_received_date=D(2027, 1, 4))
    ret = make_return(**fields)
    assert return_stage(ret) is Stage.CHECKED
    assert action_due_date(cal, ret) == D(2027, 1, 6)


def test_accepted_is_complete_however_late(cal: WorkingCalendar) -> None:
    ret = make_return(**checked(D(2026, 12, 31), D(2026, 12, 31)), final_qa_outcome="accepted",
                      final_qa_date=D(2026, 12, 31), final_qa_by_id=1)
    assert return_stage(ret) is Stage.ACCEPTED
    assert return_rag(cal, ret, D(2027, 6, 1)) is Rag.COMPLETE


# ------------------------------------------------------------------ sharing with the JCR Chair, next step


@pytest.mark.parametrize(
    ("received", "shared", "as_of", "label"),
    [
        (D(2026, 12, 22), D(2026, 12, 22), D(2026, 12, 30), "same day"),
        (D(2026, 12, 22), D(2026, 12, 23), D(2026, 12, 30), "late (1 working day after receipt)"),
        (D(2026, 12, 24), TUE_29_DEC, D(2026, 12, 30), "late (1 working day after receipt)"),
        (D(2026, 12, 22), D(2026, 12, 30), D(2026, 12, 30), "late (4 working days after receipt)"),  # 23, 24, 29, 30
        (D(2026, 12, 19), D(2026, 12, 21), D(2026, 12, 30), "same day"),   # Saturday: Monday counts
        (D(2026, 12, 22), None, D(2026, 12, 22), "not shared yet: share today"),
        (D(2026, 12, 22), None, D(2026, 12, 23), "not shared: late"),
    ],
)
def test_shared_with_the_chair_later_than_the_day_received_is_late(cal: WorkingCalendar, received: date,
                                                                   shared: date | None, as_of: date,
                                                                   label: str) -> None:
    ret = make_return(received_date=received, signed_by_senior_manager=False, shared_with_chair_date=shared)
    assert shared_label(cal, ret, as_of) == label


def test_nothing_to_share_before_receipt(cal: WorkingCalendar) -> None:
    assert shared_label(cal, make_return(), D(2026, 12, 22)) == ""


@pytest.mark.parametrize(
    ("fields", "as_of", "expected"),
    [
        ({}, D(2026, 12, 22), "Awaiting the return, due in 3 working days (Tue 29 Dec)"),
        ({}, TUE_29_DEC, "Awaiting the return, due today (Tue 29 Dec)"),
        ({}, D(2026, 12, 31), "Chase the agency: return 2 working days late (Tue 29 Dec)"),
        ({"received_date": D(2026, 12, 22), "signed_by_senior_manager": False}, D(2026, 12, 22),
         "Initial quality check and share with the JCR Chair today"),
        ({"received_date": D(2026, 12, 22), "signed_by_senior_manager": False,
          "shared_with_chair_date": D(2026, 12, 22)}, D(2026, 12, 23),
         "Initial quality check: overdue (received Tue 22 Dec)"),
    ],
)
def test_next_step(cal: WorkingCalendar, fields: dict[str, Any], as_of: date, expected: str) -> None:
    assert next_step(cal, make_return(**fields), as_of) == expected


def test_next_step_after_acceptance_asks_for_filing_and_summary(cal: WorkingCalendar) -> None:
    ret = make_return(**checked(D(2026, 12, 22), D(2026, 12, 22)), final_qa_outcome="accepted",
                      final_qa_date=D(2026, 12, 22), final_qa_by_id=1)
    assert next_step(cal, ret, D(2026, 12, 23)) == ("Accepted; record where it is filed and write the summary for "
                                                     "the report")
    ret = replace(ret, file_section="I", file_path="I/police.docx", summary="Known to police.")
    assert next_step(cal, ret, D(2026, 12, 23)) == "Complete"


def test_next_step_of_a_sent_back_return(cal: WorkingCalendar) -> None:
    ret = make_return(**sent_back(D(2026, 12, 23), D(2026, 12, 23), D(2026, 12, 29), D(2027, 1, 4)))
    assert next_step(cal, ret, D(2026, 12, 30)) == "Awaiting the resubmission, due in 2 working days (Mon 04 Jan)"
    assert next_step(cal, ret, D(2027, 1, 5)) == "Chase the resubmission: 1 working day late (Mon 04 Jan)"


def test_check_result_names_the_gaps() -> None:
    ret = make_return(**checked(D(2026, 12, 22), D(2026, 12, 22)))
    assert check_result_label(ret) == "satisfactory (all 4 yes)"
    ret = replace(ret, check_dates_present=False, check_analysis=False, initial_check_outcome="concerns",
                  initial_check_note="Chronology only.")
    assert check_result_label(ret) == ("concerns: not dates present, not analysis, not only a chronology. "
                                       "Note: Chronology only.")


def test_most_urgent_first(cal: WorkingCalendar) -> None:
    as_of = D(2026, 12, 30)
    late = status_of(cal, make_return(), as_of)                                         # red, due 29 Dec
    later_late = status_of(cal, make_return(requested=D(2026, 12, 21)), D(2027, 1, 4))  # red, due 30 Dec
    unchecked_today = status_of(cal, make_return(received_date=as_of, signed_by_senior_manager=False), as_of)
    fresh = status_of(cal, make_return(requested=as_of), as_of)                         # green
    ordered = sorted([fresh, unchecked_today, later_late, late], key=urgency_key)
    assert [s.rag for s in ordered] == [Rag.RED, Rag.RED, Rag.AMBER, Rag.GREEN]
    assert ordered[0] is late


# ------------------------------------------------------------------ validation


def test_request_rules() -> None:
    with pytest.raises(InvalidInput, match="Give the date the scoping forms were sent"):
        validate_request(None, FRI_18_DEC, FRI_18_DEC)
    with pytest.raises(InvalidInput, match=r"\(21 Dec 2026\) cannot be in the future"):
        validate_request(D(2026, 12, 21), FRI_18_DEC, FRI_18_DEC)
    with pytest.raises(InvalidInput, match="before the notification was received"):
        validate_request(D(2026, 12, 17), FRI_18_DEC, D(2026, 12, 21))
    validate_request(FRI_18_DEC, FRI_18_DEC, FRI_18_DEC)


def _receipt(**overrides: Any) -> str | None:
    kwargs: dict[str, Any]
    kwargs = dict(received_on=D(2026, 12, 22), not_before=FRI_18_DEC, not_before_label="requested",
                  as_of=D(2026, 12, 22), signed_by_senior_manager=True, signatory_role="Head of Service")
    kwargs.update(overrides)
    return validate_receipt(**kwargs)


def test_receipt_rules() -> None:
    assert _receipt() == "Head of Service"
    assert _receipt(signed_by_senior_manager=False, signatory_role="ignored") is None
    assert _receipt(received_on=FRI_18_DEC) == "Head of Service"     # the same day as the request is fine
    with pytest.raises(InvalidInput,
                       match=r"cannot be received \(17 Dec 2026\) before it was requested \(18 Dec 2026\)"):
        _receipt(received_on=D(2026, 12, 17))
    with pytest.raises(InvalidInput, match=r"\(23 Dec 2026\) cannot be in the future"):
        _receipt(received_on=D(2026, 12, 23))
    with pytest.raises(InvalidInput, match="Give the date the return was received"):
        _receipt(received_on=None)
    with pytest.raises(InvalidInput, match="Say whether the return is signed"):
        _receipt(signed_by_senior_manager=None)
    with pytest.raises(InvalidInput, match="Give the role of the senior manager"):
        _receipt(signatory_role="  ")


def _check(**overrides: Any) -> str | None:
    kwargs: dict[str, Any]
    kwargs = dict(checked_on=D(2026, 12, 22), received=D(2026, 12, 22), as_of=D(2026, 12, 22), answers=dict(ALL_YES),
                  outcome="satisfactory", note="")
    kwargs.update(overrides)
    return validate_initial_check(**kwargs)


def test_initial_check_rules() -> None:
    assert _check() is None
    assert _check(outcome="concerns", note=" thin ") == "thin"
    with pytest.raises(InvalidInput, match=r"initial check \(21 Dec 2026\) cannot be before the return was received"):
        _check(checked_on=D(2026, 12, 21))
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        _check(checked_on=D(2026, 12, 23))
    with pytest.raises(InvalidInput, match=r"Answer every question of the initial check .*: dates present\."):
        _check(answers={**ALL_YES, "dates_present": None})
    with pytest.raises(InvalidInput, match="Choose the outcome"):
        _check(outcome=None)
    with pytest.raises(InvalidInput,
                       match=r"not analysis, not only a chronology\), so the outcome cannot be satisfactory"):
        _check(answers={**ALL_YES, "analysis": False})
    with pytest.raises(InvalidInput, match="Say in the note what is missing"):
        _check(outcome="concerns", note="")


def _qa(**overrides: Any) -> str | None:
    kwargs: dict[str, Any]
    kwargs = dict(decided_on=D(2026, 12, 23), checked_on=D(2026, 12, 22), as_of=D(2026, 12, 23), outcome="sent back",
                  reason="No dates.", new_due_date=D(2026, 12, 30), notification_received=D(2026, 12, 18))
    kwargs.update(overrides)
    return validate_final_qa(**kwargs)


def test_final_qa_rules() -> None:
    assert _qa() == "No dates."
    assert _qa(outcome="accepted", reason="", new_due_date=None) is None
    assert _qa(new_due_date=D(2026, 12, 23)) == "No dates."      # due the same day is allowed
    with pytest.raises(InvalidInput, match="Say why the return is sent back"):
        _qa(reason="   ")
    with pytest.raises(InvalidInput, match="Give the new due date"):
        _qa(new_due_date=None)
    with pytest.raises(InvalidInput,
                       match=r"new due date \(22 Dec 2026\) cannot be before the day the return is sent back"):
        _qa(new_due_date=D(2026, 12, 22))
    with pytest.raises(InvalidInput, match=r"final QA \(21 Dec 2026\) cannot be before the initial check"):
        _qa(decided_on=D(2026, 12, 21))
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        _qa(decided_on=D(2026, 12, 24))
    with pytest.raises(InvalidInput, match="Choose the final QA decision"):
        _qa(outcome="rejected")


# ------------------------------------------------------------------ chase email


def test_chase_email_names_case_due_date_and_what_is_missing(cal: WorkingCalendar) -> None:
    email = chase_email_for(cal, make_return(), as_of=D(2026, 12, 31), sender="Olly Officer", partnership="Demoshire")
    assert email.to == "safeguarding@police.example.org"
    assert email.subject == "Rapid Review 181226 no. 1: scoping return from Demoshire Police, due Tue 29 Dec 2026"
    assert "due on Tuesday 29 December 2026 and is now 2 working days late" in email.body
    assert "What is missing: your agency's completed scoping form" in email.body
    assert email.body.endswith("Olly Officer\nDemoshire")
    parts = urlsplit(email.mailto)
    assert parts.scheme == "mailto" and unquote(parts.path) == email.to
    query = parse_qs(parts.query)
    assert query["subject"] == [email.subject] and query["body"] == [email.body]
    assert " " not in email.mailto and "\n" not in email.mailto


def test_chase_email_for_a_sent_back_return_gives_the_reason(cal: WorkingCalendar) -> None:
    ret = make_return(**sent_back(D(2026, 12, 23), D(2026, 12, 23), D(2026, 12, 29), D(2027, 1, 4)))
    email = chase_email_for(cal, ret, as_of=D(2027, 1, 5), sender="O", partnership="P")
    assert email.subject == "Rapid Review 181226 no. 1: resubmission of your scoping return, due Mon 04 Jan 2027"
    assert "What is missing: No dates of contact." in email.body
    assert "1 working day late" in email.body


def test_the_chase_email_has_no_cc_when_no_jcr_representative_is_held(cal: WorkingCalendar) -> None:
    email = chase_email_for(cal, make_return(), as_of=D(2026, 12, 31), sender="O", partnership="P")
    assert email.cc == ""
    assert "cc" not in parse_qs(urlsplit(email.mailto).query)
    assert "cc=" not in email.mailto.lower()


def test_the_chase_email_copies_the_jcr_representative(cal: WorkingCalendar) -> None:
    ret = replace(make_return(), agency=AgencyRef(1, "Demoshire Police", "safeguarding@police.example.org",
                                                              "jcr.rep@police.example.org"))
    email = chase_email_for(cal, ret, as_of=D(2026, 12, 31), sender="O", partnership="P")
    assert email.mailto.startswith("mailto:safeguarding@police.example.org?cc=jcr.rep@police.example.org&subject=")
    query = parse_qs(urlsplit(email.mailto).query)
    assert query["cc"] == ["jcr.rep@police.example.org"]
    assert query["subject"] == [email.subject] and query["body"] == [email.body]


def test_addresses_are_encoded_so_they_cannot_add_a_recipient_or_a_header() -> None:
    # Stored addresses pass the agency form's check (an @, no spaces), which still lets '&', '?', ',' and '%' in.
    email = ReadyEmail(to="a&bcc=x@evil.example", cc="rep?body=hi,other@x.example%0A", subject="S & T?",
                       body="Line 1\nLine 2 & more")
    parts = urlsplit(email.mailto)
    assert parts.path == "a%26bcc%3Dx@evil.example" and unquote(parts.path) == email.to
    query = parse_qs(parts.query)
    assert query == {"cc": ["rep?body=hi,other@x.example%0A"], "subject": ["S & T?"],
                     "body": ["Line 1\nLine 2 & more"]}
    assert "bcc" not in query and " " not in email.mailto and "\n" not in email.mailto


def test_the_send_back_email_gives_the_reason_the_new_due_date_and_copies_the_representative(
        cal: WorkingCalendar) -> None:
    ret = replace(
        make_return(**sent_back(D(2026, 12, 23), D(2026, 12, 23), D(2026, 12, 29), D(2027, 1, 4))),
        agency=AgencyRef(1, "Demoshire Police", "safeguarding@police.example.org", "jcr.rep@police.example.org"))
    email = send_back_email_for(cal, ret, sender="Morgan Manager", partnership="Demoshire")
    assert (email.to, email.cc) == ("safeguarding@police.example.org", "jcr.rep@police.example.org")
    assert email.subject == "Rapid Review 181226 no. 1: scoping return sent back, resubmission due Mon 04 Jan 2027"
    assert "sent it back on Tuesday 29 December 2026" in email.body
    assert "What is needed: No dates of contact." in email.body
    assert "by Monday 04 January 2027" in email.body
    assert parse_qs(urlsplit(email.mailto).query)["cc"] == ["jcr.rep@police.example.org"]


# ------------------------------------------------------------------ the table and its exports


def test_csv_and_xlsx_have_the_checklist_columns_and_values(cal: WorkingCalendar) -> None:
    ret = make_return(**checked(D(2026, 12, 22), D(2026, 12, 22)), shared_with_chair_date=D(2026, 12, 23))
    row = checklist_row(status_of(cal, ret, D(2026, 12, 23)))
    assert list(row) == CHECKLIST_COLUMNS
    assert row["Shared on time"] == "late (1 working day after receipt)"
    assert row["Signed by a senior manager"] == "yes (DCI)"
    records = list(csv.DictReader(io.StringIO(checklist_csv([row]).decode("utf-8-sig"))))
    assert records[0]["Received"] == "2026-12-22"
    assert records[0]["RAG"] == "GREEN"
    assert records[0]["Agency"] == "Demoshire Police"
    sheet = load_workbook(io.BytesIO(checklist_xlsx([row], title="T", as_of=D(2026, 12, 23)))).active
    assert isinstance(sheet, Worksheet)
    assert [c.value for c in sheet[3]] == CHECKLIST_COLUMNS
    values = dict(zip(CHECKLIST_COLUMNS, (c.value for c in sheet[4]), strict=False))
    assert isinstance(values["Received"], datetime)
    assert values["Received"].date() == D(2026, 12, 22)
    assert values["Check result"] == "satisfactory (all 4 yes)"


# ------------------------------------------------------------------ hostile input (issue 11)


def test_receipt_role_goes_through_the_gate() -> None:
    assert _receipt(signatory_role=" Head\tof \n Service ") == "Head of Service"
    with pytest.raises(InvalidInput, match="signatory's role contains a hidden control character"):
        _receipt(signatory_role="Head\x00")
    with pytest.raises(InvalidInput, match="signatory's role is 121 characters long; it can be at most 120"):
        _receipt(signatory_role="r" * 121)


def test_initial_check_note_goes_through_the_gate() -> None:
    assert _check(outcome="concerns", note="No dates.\vNo analysis. ") == "No dates.\nNo analysis."
    with pytest.raises(InvalidInput, match="note of the initial check is 2,001 characters long"):
        _check(outcome="concerns", note="n" * 2001)


def test_a_new_due_date_lies_within_a_year_of_the_notification() -> None:
    # Received Fri 18 Dec 2026: the new due date may be 18 Dec 2027 at the latest.
    assert _qa(new_due_date=D(2027, 12, 18)) == "No dates."
    with pytest.raises(InvalidInput, match=r"new due date \(19 Dec 2027\) is more than a year after"):
        _qa(new_due_date=D(2027, 12, 19))
    with pytest.raises(InvalidInput, match=r"new due date \(01 Jan 2100\) is more than a year after"):
        _qa(new_due_date=D(2100, 1, 1))
    with pytest.raises(InvalidInput, match="reason for sending it back contains a hidden control character"):
        _qa(reason="No\x1b dates")


def test_the_exports_make_stored_text_printable_and_keep_the_formula_guard(cal: WorkingCalendar) -> None:
    ret = make_return(**checked(D(2026, 12, 22), D(2026, 12, 22)), summary="=SUM(A1)\x01", file_section="I",
                      file_path="I/a\vb")
    row = checklist_row(status_of(cal, ret, D(2026, 12, 23)))
    record = next(csv.DictReader(io.StringIO(checklist_csv([row]).decode("utf-8-sig"))))
    assert record["Summary of involvement and learning"] == "'=SUM(A1)\ufffd"
    assert record["File location"] == "I: I/a\nb"
    sheet = load_workbook(io.BytesIO(checklist_xlsx([row], title="T\x02", as_of=D(2026, 12, 23)))).active
    assert isinstance(sheet, Worksheet)
    values = dict(zip(CHECKLIST_COLUMNS, sheet[4], strict=False))
    summary = values["Summary of involvement and learning"]
    assert (summary.value, summary.data_type) == ("=SUM(A1)\ufffd", "s")
    assert values["File location"].value == "I: I/a\nb"
    assert sheet["A1"].value == "T\ufffd"


# ---------------------------------------------------------------- issue 14: closed without a receipt

def test_a_return_closed_as_no_return_or_withdrawn_is_closed_and_says_so() -> None:
    from services.returns.rules import Stage, ending_sentence, next_step, return_rag, return_stage
    from services.working_days import WorkingCalendar
    cal = WorkingCalendar()
    base: dict[str, Any] = dict(id=1, review_id=1, case_reference="181226AB", agency=AgencyRef(1, "Health"),
                requested_date=date(2026, 12, 18))
    no_return = ReturnRead(**base, ended_as="no return", ended_on=date(2027, 1, 4), ended_reason="No reply.")
    withdrawn = ReturnRead(**base, ended_as="withdrawn", ended_on=date(2026, 12, 21), ended_reason="In error.")
    assert (return_stage(no_return), return_stage(withdrawn)) == (Stage.NO_RETURN, Stage.WITHDRAWN)
    assert return_rag(cal, no_return, date(2027, 1, 20)) is Rag.COMPLETE
    assert next_step(cal, no_return, date(2027, 1, 20)) == "Closed: no return (Mon 04 Jan)"
    assert next_step(cal, withdrawn, date(2027, 1, 20)) == "Withdrawn: asked in error (Mon 21 Dec)"
    assert ending_sentence("no return", date(2027, 1, 4), "No reply.", date(2026, 12, 29), 1) == (
        "No return: the agency did not respond by 29 Dec 2026 (chased 1 time); closed on 04 Jan 2027. "
        "Reason: No reply.")
    assert ending_sentence("no return", date(2027, 1, 4), "x", date(2026, 12, 29), 0).startswith(
        "No return: the agency did not respond by 29 Dec 2026 (no chase on record)")


# ------------------------------------------------------------------ the card: its next step and one sentence


def test_a_checked_return_not_yet_shared_is_late_only_after_the_day_it_arrived(cal: WorkingCalendar) -> None:
    """Issue 15: the same return read "Share with the JCR Chair (late)" and "not shared yet: share today"."""
    ret = make_return(**checked(D(2026, 12, 22), D(2026, 12, 22)))
    assert shared_label(cal, ret, D(2026, 12, 22)) == "not shared yet: share today"
    assert next_step(cal, ret, D(2026, 12, 22)).startswith("Share with the JCR Chair today; then final QA")
    assert what_happens_next(cal, ret, D(2026, 12, 22)) == (
        "Share it with the JCR Chair (by Tue 22 Dec, the day it arrived); then the Partnership Manager accepts it "
        "or sends it back by Tue 29 Dec (due in 3 working days).")  # the agency due date: 23, 24, 29
    assert next_step(cal, ret, D(2026, 12, 23)).startswith("Share with the JCR Chair (late); then final QA")
    assert what_happens_next(cal, ret, D(2026, 12, 23)).startswith(
        "Share it with the JCR Chair (late: it was due Tue 22 Dec, the day it arrived); then")


@pytest.mark.parametrize(
    ("fields", "as_of", "step", "sentence"),
    [
        ({}, D(2026, 12, 22), "receipt",
         "The agency sends its return by Tue 29 Dec (due in 3 working days); record it here."),
        ({}, D(2026, 12, 31), "receipt",
         "The agency's return was due Tue 29 Dec (2 working days late): chase it, and record it here when it "
         "arrives."),
        ({"received_date": D(2026, 12, 22), "signed_by_senior_manager": False}, D(2026, 12, 22), "initial check",
         "Check it and share it with the JCR Chair by Tue 22 Dec, the day it arrived."),
        ({"received_date": D(2026, 12, 24), "signed_by_senior_manager": False}, D(2026, 12, 29), "initial check",
         "Check it and share it with the JCR Chair now: it was due the day it arrived (Thu 24 Dec); it is late."),
        (checked(D(2026, 12, 22), D(2026, 12, 22), shared_with_chair_date=D(2026, 12, 22)), D(2026, 12, 22),
         "final QA", "The Partnership Manager accepts it or sends it back by Tue 29 Dec (due in 3 working days)."),
        (dict(checked(D(2026, 12, 22), D(2026, 12, 22), shared_with_chair_date=D(2026, 12, 22)),
              final_qa_outcome="accepted", final_qa_date=D(2026, 12, 22), final_qa_by_id=1), D(2026, 12, 23),
         "filing and summary", "Accepted; record where it is filed and write the summary for the report."),
        (dict(checked(D(2026, 12, 22), D(2026, 12, 22), shared_with_chair_date=D(2026, 12, 22)),
              final_qa_outcome="accepted", final_qa_date=D(2026, 12, 22), final_qa_by_id=1, file_section="I",
              file_path="I/police.docx", summary="Known."), D(2026, 12, 23), "nothing",
         "Nothing more is due: the return is complete."),
        ({"ended_as": "withdrawn", "ended_on": D(2026, 12, 21)}, D(2026, 12, 22), "nothing",
         "Withdrawn: asked in error (Mon 21 Dec); nothing more happens to it."),
    ],
)
def test_the_card_offers_the_next_step_and_says_what_happens_next(cal: WorkingCalendar, fields: dict[str, Any],
                                                                  as_of: date, step: str, sentence: str) -> None:
    ret = make_return(**fields)
    assert card_step(ret) == step
    assert what_happens_next(cal, ret, as_of) == sentence
