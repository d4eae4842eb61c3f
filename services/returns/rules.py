"""The rules of an agency return, apart from any I/O: when it is due, where it is in its round, its RAG, what
should happen next, and what a valid receipt, initial check or final QA looks like (domain.md)."""
from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Protocol

from db.enums import FinalQaOutcome, InitialCheckOutcome, MilestoneKey, ReturnEnding
from db.models_returns import AgencyReturn
from services.deadlines import RETURN_DUE_WORKING_DAYS
from services.errors import InvalidInput
from services.rag import Rag, rag_for_due_date, received_unchecked_rag
from services.reviews.rules import check_date_in_review_window
from services.text import clean_optional_text, clean_text, max_length_of
from services.working_days import WorkingCalendar

# The milestone completed when every return of a review is accepted.
RETURNS_MILESTONE_KEY = MilestoneKey.RETURNS_ACCEPTED
# The area's limits for text columns with no length of their own (the signatory's role has its column's).
MAX_SUMMARY_CHARS = 4000
MAX_NOTE_CHARS = 2000
MAX_ROLE_CHARS = max_length_of(AgencyReturn.signatory_role)
MAX_PATH_CHARS = 500
CHECK_QUESTIONS = {
    "sufficient_information": "sufficient information",
    "dates_present": "dates present",
    "analysis": "analysis, not only a chronology",
    "signed": "signed",
}
CHECK_OUTCOME_LABELS = {
    InitialCheckOutcome.SATISFACTORY: "Satisfactory: ready for the Partnership Manager's final QA",
    InitialCheckOutcome.CONCERNS: "Concerns: the Partnership Manager to decide at final QA",
}
FINAL_QA_LABELS = {FinalQaOutcome.ACCEPTED: "Accept", FinalQaOutcome.SENT_BACK: "Send back to the agency"}


class ReturnFacts(Protocol):
    """What the rules read of a return: a saved row (in a writing service) or its frozen copy (ReturnRead)."""

    @property
    def requested_date(self) -> date: ...
    @property
    def received_date(self) -> date | None: ...
    @property
    def resubmission_received_date(self) -> date | None: ...
    @property
    def resubmission_due_date(self) -> date | None: ...
    @property
    def agreed_due_date(self) -> date | None: ...
    @property
    def initial_check_date(self) -> date | None: ...
    @property
    def initial_check_outcome(self) -> str | None: ...
    @property
    def initial_check_note(self) -> str | None: ...
    @property
    def check_sufficient_information(self) -> bool | None: ...
    @property
    def check_dates_present(self) -> bool | None: ...
    @property
    def check_analysis(self) -> bool | None: ...
    @property
    def check_signed(self) -> bool | None: ...
    @property
    def shared_with_chair_date(self) -> date | None: ...
    @property
    def final_qa_outcome(self) -> str | None: ...
    @property
    def ended_as(self) -> str | None: ...
    @property
    def ended_on(self) -> date | None: ...
    @property
    def file_path(self) -> str | None: ...
    @property
    def summary(self) -> str | None: ...


class Stage(StrEnum):
    """Where a return is in its round."""

    AWAITING = "awaiting the return"
    RECEIVED = "received, awaiting the initial check"
    CHECKED = "checked, awaiting final QA"
    SENT_BACK = "sent back, awaiting resubmission"
    ACCEPTED = "accepted"
    NO_RETURN = "closed: no return"
    WITHDRAWN = "withdrawn: asked in error"


# Stages a return never leaves: nothing more is owed by the agency or the Partnership.
CLOSED_STAGES = frozenset({Stage.ACCEPTED, Stage.NO_RETURN, Stage.WITHDRAWN})


def known_date(value: date | None) -> date:
    """A date that a validation or the return's stage already guarantees (the database's CHECKs keep a checked
    return's receipt and check dates); a missing one is a bug, refused loudly."""
    if value is None:
        raise ValueError("a date that was already checked is missing")
    return value


def return_due_date(cal: WorkingCalendar, requested: date) -> date:
    """A scoping return is due within 5 working days of the request (the request day not counted)."""
    return cal.add_working_days(requested, RETURN_DUE_WORKING_DAYS)


def return_stage(ret: ReturnFacts) -> Stage:
    """Where a return is in its round: awaited, received, checked, sent back or accepted; or closed by the manager
    without being accepted ("no return", "withdrawn")."""
    if ret.ended_as == ReturnEnding.NO_RETURN:
        return Stage.NO_RETURN
    if ret.ended_as == ReturnEnding.WITHDRAWN:
        return Stage.WITHDRAWN
    if ret.final_qa_outcome == FinalQaOutcome.ACCEPTED:
        return Stage.ACCEPTED
    if ret.final_qa_outcome == FinalQaOutcome.SENT_BACK:
        return Stage.SENT_BACK
    if ret.received_date is None:
        return Stage.AWAITING
    if ret.initial_check_date is None:
        return Stage.RECEIVED
    return Stage.CHECKED


def latest_received(ret: ReturnFacts) -> date | None:
    """The receipt of the version now in hand: the resubmission when there is one."""
    return ret.resubmission_received_date or ret.received_date


def planned_due_date(cal: WorkingCalendar, ret: ReturnFacts) -> date:
    """The computed ("plan") due date of the current round: the new due date after a send-back, else the
    request + 5 working days."""
    return ret.resubmission_due_date or return_due_date(cal, ret.requested_date)


def agency_due_date(cal: WorkingCalendar, ret: ReturnFacts) -> date:
    """What the agency owes now: the date agreed by the Partnership Manager when there is one (it replaces the
    plan date of the current round), else the plan date (the new due date after a send-back, else request + 5)."""
    return ret.agreed_due_date or planned_due_date(cal, ret)


def final_qa_due_date(cal: WorkingCalendar, ret: ReturnFacts) -> date:
    """A checked return waits for the manager's final QA until the agency's due date, and at least until the
    working day after the check (our decision: the manager gets one working day)."""
    return max(agency_due_date(cal, ret), cal.add_working_days(known_date(ret.initial_check_date), 1))


def action_due_date(cal: WorkingCalendar, ret: ReturnFacts) -> date | None:
    """The date the next step is measured against (the RAG's due date)."""
    stage = return_stage(ret)
    if stage in (Stage.AWAITING, Stage.SENT_BACK):
        return agency_due_date(cal, ret)
    if stage is Stage.RECEIVED:
        return check_due_date(cal, ret)
    if stage is Stage.CHECKED:
        return final_qa_due_date(cal, ret)
    return None


def return_rag(cal: WorkingCalendar, ret: ReturnFacts, as_of: date, amber_days: int = 1) -> Rag:
    """domain.md: not received, the due-date rule on its due date; sent back, the same rule on the new due
    date; received but unchecked, amber on the day and red from the next working day; accepted, complete."""
    stage = return_stage(ret)
    if stage in CLOSED_STAGES:
        return Rag.COMPLETE
    if stage is Stage.RECEIVED:
        return received_unchecked_rag(cal, known_date(latest_received(ret)), as_of)
    return rag_for_due_date(cal, known_date(action_due_date(cal, ret)), as_of, amber_days)


def sharing_deadline(cal: WorkingCalendar, received: date) -> date:
    """The Chair should have a return the day it arrives (the next working day if it came on a closed day)."""
    return cal.next_working_day(received)


def check_due_date(cal: WorkingCalendar, ret: ReturnFacts) -> date:
    """The version in hand is checked the day it arrives; one that came on a non-working day counts from the next
    working day (domain.md: no non-working day is ever shown as a due date)."""
    return sharing_deadline(cal, known_date(latest_received(ret)))


def _arrived_words(cal: WorkingCalendar, received: date) -> str:
    """'the day it arrived (Fri 18 Dec)', or for a receipt on a non-working day 'Mon 21 Dec, the first working day
    after it arrived (Sat 19 Dec)'."""
    due = cal.next_working_day(received)
    if due == received:
        return f"{due:%a %d %b}, the day it arrived"
    return f"{due:%a %d %b}, the first working day after it arrived ({received:%a %d %b})"


def shared_label(cal: WorkingCalendar, ret: ReturnFacts, as_of: date) -> str:
    """Whether the version in hand reached the JCR Chair on the day it arrived: 'same day' or 'late (...)'."""
    received = latest_received(ret)
    if received is None or ret.ended_as is not None:
        return ""
    deadline = sharing_deadline(cal, received)
    if ret.shared_with_chair_date is not None:
        if ret.shared_with_chair_date <= deadline:
            return "same day"
        late = cal.working_days_between(deadline, ret.shared_with_chair_date)
        return f"late ({late} working day{'s' if late != 1 else ''} after receipt)" if late else "late"
    if return_stage(ret) is Stage.SENT_BACK:
        return "not shared"
    if as_of > deadline:
        return "not shared: late"
    return "not shared yet: share today" if as_of >= deadline else f"not shared yet: share by {deadline:%a %d %b}"


def days_phrase(cal: WorkingCalendar, due: date, as_of: date) -> str:
    """'2 working days late', 'due today', 'due in 3 working days': how a due date stands on `as_of`."""
    if due < as_of:
        late = cal.working_days_between(due, as_of)
        return f"{late} working day{'s' if late != 1 else ''} late" if late else "late"
    if due == as_of:
        return "due today"
    left = cal.working_days_between(as_of, due)
    return f"due in {left} working day{'s' if left != 1 else ''}" if left else "due on the next working day"


def _agreed_word(ret: ReturnFacts) -> str:
    return ", agreed" if ret.agreed_due_date is not None else ""


def next_step(cal: WorkingCalendar, ret: ReturnFacts, as_of: date) -> str:  # noqa: C901 - a state table: one short sentence per stage of a return
    """What should happen next to this return, in a few words the officer can act on."""
    stage = return_stage(ret)
    if stage is Stage.NO_RETURN:
        return f"Closed: no return ({known_date(ret.ended_on):%a %d %b})"
    if stage is Stage.WITHDRAWN:
        return f"Withdrawn: asked in error ({known_date(ret.ended_on):%a %d %b})"
    if stage is Stage.AWAITING:
        due = agency_due_date(cal, ret)
        prefix = "Chase the agency: return" if due < as_of else "Awaiting the return,"
        return f"{prefix} {days_phrase(cal, due, as_of)} ({due:%a %d %b}{_agreed_word(ret)})"
    if stage is Stage.SENT_BACK:
        due = agency_due_date(cal, ret)
        prefix = "Chase the resubmission:" if due < as_of else "Awaiting the resubmission,"
        return f"{prefix} {days_phrase(cal, due, as_of)} ({due:%a %d %b}{_agreed_word(ret)})"
    if stage is Stage.RECEIVED:
        received = known_date(latest_received(ret))
        step = "Initial quality check"
        if ret.shared_with_chair_date is None:
            step += " and share with the JCR Chair"
        due = check_due_date(cal, ret)
        if as_of > due:
            return f"{step}: overdue (received {received:%a %d %b})"
        return f"{step} today" if as_of == due else f"{step} by {due:%a %d %b}"
    if stage is Stage.CHECKED:
        step = "Final QA by the Partnership Manager"
        if ret.shared_with_chair_date is None:
            # Late only once the day it arrived has passed (issue 15: it read "(late)" beside "share today").
            share_by = sharing_deadline(cal, known_date(latest_received(ret)))
            when = "(late)" if as_of > share_by else "today" if as_of == share_by else f"by {share_by:%a %d %b}"
            step = f"Share with the JCR Chair {when}; then " + step[0].lower() + step[1:]
        return f"{step}, {days_phrase(cal, final_qa_due_date(cal, ret), as_of)}"
    missing = []
    if ret.file_path is None:
        missing.append("record where it is filed")
    if not ret.summary:
        missing.append("write the summary for the report")
    return "Accepted; " + " and ".join(missing) if missing else "Complete"


class CardStep(StrEnum):
    """The one step a return's card offers a form for: the next one in the order receipt, initial check, sharing
    with the JCR Chair, final QA, then filing and the summary."""

    RECEIPT = "receipt"
    CHECK = "initial check"
    SHARE = "share with the JCR Chair"
    FINAL_QA = "final QA"
    FILING = "filing and summary"
    NONE = "nothing"


def card_step(ret: ReturnFacts) -> CardStep:
    """The next step of a return, in the order the card offers them."""
    stage = return_stage(ret)
    if stage in (Stage.AWAITING, Stage.SENT_BACK):
        return CardStep.RECEIPT
    if stage is Stage.RECEIVED:
        return CardStep.CHECK
    if stage in (Stage.CHECKED, Stage.ACCEPTED) and ret.shared_with_chair_date is None:
        return CardStep.SHARE
    if stage is Stage.CHECKED:
        return CardStep.FINAL_QA
    if stage is Stage.ACCEPTED and (ret.file_path is None or not ret.summary):
        return CardStep.FILING
    return CardStep.NONE


def what_happens_next(cal: WorkingCalendar, ret: ReturnFacts, as_of: date) -> str:
    """One sentence for the card: what happens next to the return, who does it and by when. It agrees with
    next_step and shared_label (never "late" beside "today")."""
    stage = return_stage(ret)
    if stage in (Stage.NO_RETURN, Stage.WITHDRAWN):
        return f"{next_step(cal, ret, as_of)}; nothing more happens to it."
    if stage in (Stage.AWAITING, Stage.SENT_BACK):
        due = agency_due_date(cal, ret)
        what = "resubmission" if stage is Stage.SENT_BACK else "return"
        if due < as_of:
            return (f"The agency's {what} was due {due:%a %d %b} ({days_phrase(cal, due, as_of)}): chase it, and "
                    "record it here when it arrives.")
        return f"The agency sends its {what} by {due:%a %d %b} ({days_phrase(cal, due, as_of)}); record it here."
    received = known_date(latest_received(ret))
    share_by = sharing_deadline(cal, received)
    if stage is Stage.RECEIVED:
        what = "Check it" + (" and share it with the JCR Chair" if ret.shared_with_chair_date is None else "")
        if as_of > share_by and share_by == received:
            return f"{what} now: it was due the day it arrived ({received:%a %d %b}); it is late."
        if as_of > share_by:
            return f"{what} now: it was due {_arrived_words(cal, received)}; it is late."
        return f"{what} by {_arrived_words(cal, received)}."
    qa_words = ""
    if stage is Stage.CHECKED:
        qa_due = final_qa_due_date(cal, ret)
        qa_words = (f"the Partnership Manager accepts it or sends it back by {qa_due:%a %d %b} "
                    f"({days_phrase(cal, qa_due, as_of)})")
    if ret.shared_with_chair_date is None:
        timing = (f"late: it was due {_arrived_words(cal, received)}" if as_of > share_by
                  else f"by {_arrived_words(cal, received)}")
        return f"Share it with the JCR Chair ({timing})" + (f"; then {qa_words}." if qa_words else ".")
    if qa_words:
        return qa_words[0].upper() + qa_words[1:] + "."
    step = next_step(cal, ret, as_of)
    return "Nothing more is due: the return is complete." if step == "Complete" else step + "."


def signature_words(signed: bool | None, role: str | None) -> str:
    """One receipt's signature: 'signed: Head of Service' or 'not signed by a senior manager'."""
    return f"signed: {role}" if signed else "not signed by a senior manager"


def check_result_label(ret: ReturnFacts) -> str:
    """'satisfactory (all 4 yes)' or 'concerns: no dates present, ... Note: ...'."""
    if ret.initial_check_outcome is None:
        return ""
    answers = {
        "sufficient_information": ret.check_sufficient_information,
        "dates_present": ret.check_dates_present,
        "analysis": ret.check_analysis,
        "signed": ret.check_signed,
    }
    noes = [CHECK_QUESTIONS[k] for k, v in answers.items() if v is False]
    text = ret.initial_check_outcome
    text += f": not {', not '.join(noes)}" if noes else " (all 4 yes)"
    if ret.initial_check_note:
        text += f". Note: {ret.initial_check_note}"
    return text


def validate_request(requested_on: date | None, notification_received: date, as_of: date) -> None:
    if requested_on is None:
        raise InvalidInput("Give the date the scoping forms were sent.")
    if requested_on > as_of:
        raise InvalidInput(f"The date sent ({requested_on:%d %b %Y}) cannot be in the future.")
    if requested_on < notification_received:
        raise InvalidInput(
            f"The scoping forms cannot be sent ({requested_on:%d %b %Y}) before the notification was received "
            f"({notification_received:%d %b %Y})."
        )


def validate_receipt(
    *,
    received_on: date | None,
    not_before: date,
    not_before_label: str,
    as_of: date,
    signed_by_senior_manager: bool | None,
    signatory_role: str,
) -> str | None:
    """Refuse a receipt date before the request (or send-back) or in the future; return the cleaned role."""
    if received_on is None:
        raise InvalidInput("Give the date the return was received.")
    if received_on > as_of:
        raise InvalidInput(f"The date received ({received_on:%d %b %Y}) cannot be in the future.")
    if received_on < not_before:
        raise InvalidInput(
            f"The return cannot be received ({received_on:%d %b %Y}) before it was {not_before_label} "
            f"({not_before:%d %b %Y}). Check both dates."
        )
    if signed_by_senior_manager is None:
        raise InvalidInput("Say whether the return is signed by a senior manager (yes or no).")
    role = clean_optional_text(signatory_role, label="signatory's role", max_length=MAX_ROLE_CHARS,
                               multiline=False)
    if signed_by_senior_manager and role is None:
        raise InvalidInput(
            "Give the role of the senior manager who signed it (for example Head of Service); a role, not a name."
        )
    return role if signed_by_senior_manager else None


def validate_initial_check(
    *,
    checked_on: date | None,
    received: date,
    as_of: date,
    answers: dict[str, bool | None],
    outcome: str | None,
    note: str,
) -> str | None:
    """Every question answered, a known outcome consistent with the answers, a note for concerns."""
    if checked_on is None:
        raise InvalidInput("Give the date of the initial quality check.")
    if checked_on > as_of:
        raise InvalidInput(f"The date of the initial check ({checked_on:%d %b %Y}) cannot be in the future.")
    if checked_on < received:
        raise InvalidInput(
            f"The initial check ({checked_on:%d %b %Y}) cannot be before the return was received "
            f"({received:%d %b %Y})."
        )
    unanswered = [CHECK_QUESTIONS[k] for k, v in answers.items() if v is None]
    if unanswered:
        raise InvalidInput("Answer every question of the initial check (yes or no): " + ", ".join(unanswered) + ".")
    if outcome not in tuple(InitialCheckOutcome):
        raise InvalidInput("Choose the outcome of the initial check: satisfactory, or concerns.")
    cleaned = clean_optional_text(note, label="note of the initial check", max_length=MAX_NOTE_CHARS)
    noes = [CHECK_QUESTIONS[k] for k, v in answers.items() if v is False]
    if outcome == InitialCheckOutcome.SATISFACTORY and noes:
        raise InvalidInput(
            "The check found gaps (" + ", ".join(f"not {n}" for n in noes) + "), so the outcome cannot be "
            "satisfactory: choose 'concerns' and say in the note what is missing."
        )
    if outcome == InitialCheckOutcome.CONCERNS and cleaned is None:
        raise InvalidInput("Say in the note what is missing or weak: the manager decides on it at final QA.")
    return cleaned


def validate_final_qa(
    *,
    decided_on: date | None,
    checked_on: date,
    as_of: date,
    outcome: str | None,
    reason: str,
    new_due_date: date | None,
    notification_received: date,
) -> str | None:
    """Accepted, or sent back with a reason and a new due date on or after the day it is sent back, and no more
    than a year after the notification was received."""
    if outcome not in tuple(FinalQaOutcome):
        raise InvalidInput("Choose the final QA decision: accept the return, or send it back.")
    if decided_on is None:
        raise InvalidInput("Give the date of the final QA.")
    if decided_on > as_of:
        raise InvalidInput(f"The date of the final QA ({decided_on:%d %b %Y}) cannot be in the future.")
    if decided_on < checked_on:
        raise InvalidInput(
            f"The final QA ({decided_on:%d %b %Y}) cannot be before the initial check ({checked_on:%d %b %Y})."
        )
    if outcome == FinalQaOutcome.ACCEPTED:
        return None
    cleaned = clean_optional_text(reason, label="reason for sending it back", max_length=MAX_NOTE_CHARS)
    if cleaned is None:
        raise InvalidInput("Say why the return is sent back: the agency is told this reason.")
    if new_due_date is None:
        raise InvalidInput("Give the new due date for the resubmission, as agreed with the agency.")
    if new_due_date < decided_on:
        raise InvalidInput(
            f"The new due date ({new_due_date:%d %b %Y}) cannot be before the day the return is sent back "
            f"({decided_on:%d %b %Y})."
        )
    check_date_in_review_window(new_due_date, received=notification_received, label="new due date")
    return cleaned


def validate_ending(  # noqa: C901 - one rule of an ending per branch, each refused with its own sentence
    *,
    agency_name: str,
    stage: Stage,
    ending: str | None,
    ended_on: date | None,
    reason: str | None,
    requested: date,
    due: date,
    as_of: date,
) -> str:
    """Closing a return without accepting it: "no return" once its due date has passed with nothing in hand, or
    "withdrawn" (asked in error) at any time before it is accepted; a date and a reason. Returns the reason."""
    if stage is Stage.ACCEPTED:
        raise InvalidInput(f"The return from {agency_name} was already accepted: it cannot be closed as not returned.")
    if stage in (Stage.NO_RETURN, Stage.WITHDRAWN):
        raise InvalidInput(f"The return from {agency_name} is already {stage.value}.")
    if ending not in tuple(ReturnEnding):
        raise InvalidInput("Choose how the return ends: 'no return' (the agency did not respond) or 'withdrawn' "
                           "(asked in error).")
    if ended_on is None:
        raise InvalidInput("Give the date the return is closed.")
    if ended_on > as_of:
        raise InvalidInput(f"The date closed ({ended_on:%d %b %Y}) cannot be in the future.")
    if ended_on < requested:
        raise InvalidInput(
            f"The return cannot be closed ({ended_on:%d %b %Y}) before the scoping form was sent "
            f"({requested:%d %b %Y})."
        )
    if ending == ReturnEnding.NO_RETURN:
        if stage not in (Stage.AWAITING, Stage.SENT_BACK):
            raise InvalidInput(
                f"The return from {agency_name} is in hand ({stage.value}): finish its checks and decide at final "
                "QA, or withdraw it if the agency was asked in error."
            )
        if ended_on <= due:
            raise InvalidInput(
                f"The return from {agency_name} is due on {due:%a %d %b %Y}: it can be closed as 'no return' only "
                "after that date (chase it, or agree a later date)."
            )
    cleaned = clean_text(reason, label="reason", max_length=MAX_NOTE_CHARS)
    if not cleaned:
        what = "the agency did not respond" if ending == ReturnEnding.NO_RETURN else "the agency was asked in error"
        raise InvalidInput(f"Say why the return is closed (for example why {what}); the report says so.")
    return cleaned


def validate_no_chase(*, agency_name: str, ending: str, chases: int, no_chase_reason: str | None) -> str | None:
    """A "no return" needs a chase on record, or a reason why none was possible (domain.md "Evidence over ticks");
    the reason, cleaned, or None when there were chases or the return is withdrawn."""
    if ending != ReturnEnding.NO_RETURN or chases:
        return None
    cleaned = clean_optional_text(no_chase_reason, label="reason no chase was possible", max_length=MAX_NOTE_CHARS)
    if cleaned is None:
        raise InvalidInput(
            f"No chase of the return from {agency_name} is on record: record the chase first, or say why no chase "
            "was possible."
        )
    return cleaned


def ending_sentence(ending: str, ended_on: date, reason: str, due: date, chases: int,
                    no_chase_reason: str | None = None) -> str:
    """How the report and the checklist describe a return closed without being accepted: exactly what the record
    holds (the chases on record, or that none is, with the reason none was possible when one was given)."""
    if ending == ReturnEnding.NO_RETURN:
        if chases:
            chased = f"chased {chases} time{'s' if chases != 1 else ''}"
        elif no_chase_reason:
            chased = f"no chase on record; no chase was possible: {no_chase_reason}"
        else:
            chased = "no chase on record"
        return (f"No return: the agency did not respond by {due:%d %b %Y} ({chased}); closed on "
                f"{ended_on:%d %b %Y}. Reason: {reason}")
    return f"Withdrawn on {ended_on:%d %b %Y}: the agency was asked in error. Reason: {reason}"


def clean_file_path(file_path: str | None) -> str:
    """The file's location in the case folder, on one line, or a sentence saying what to give."""
    path = clean_text(file_path, label="file location", max_length=MAX_PATH_CHARS, multiline=False)
    if not path:
        raise InvalidInput("Give the file's location in the case folder (for example I/Police scoping return.docx).")
    return path


def clean_summary(summary: str | None) -> str:
    """The summary of the agency's involvement and learning as it will be stored, or a sentence."""
    text = clean_text(summary, label="summary", max_length=MAX_SUMMARY_CHARS)
    if not text:
        raise InvalidInput("Write the summary of the agency's involvement and learning (initials only, no names).")
    return text


def clean_agreed_reason(reason: str | None, agency_name: str) -> str:
    """Why a return's due date was agreed, as it will be stored, or a sentence."""
    cleaned = clean_text(reason, label="reason the date was agreed", max_length=MAX_NOTE_CHARS)
    if not cleaned:
        raise InvalidInput(f"Say why the date was agreed (for example 'later return date agreed with {agency_name}').")
    return cleaned
