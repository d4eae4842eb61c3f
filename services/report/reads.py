"""What the report services hand back to pages, and the report's rules that need no database.

The frozen read objects (SectionText, ReportReview, VersionInfo, ReportView, VersionFile, DraftMade) are copied
from rows inside the session, so a page reads them after its transaction has closed; the rules here (where the
report stands, a step's date, a version's file name, the words for what is missing) take rows or values and
never query. The services that read and write are services.report.service.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import FinalQaOutcome, ReportVersionState, ReviewState
from db.models import Review
from db.models_report import PanelResponse, ReportSection, ReportVersion, SignOff
from db.models_returns import AgencyReturn
from services.clock import LONDON
from services.errors import InvalidInput
from services.formatting import log_date, long_date
from services.report.content import SECTION_BY_KEY, ReportContent, Section
from services.report.word import DOCX_MIME
from services.settings_reads import load_calendar

DRAFT, SENT_TO_CHAIR, SIGNED_FINAL, SUBMITTED = ReportVersionState
STATE_LABELS: dict[str, str] = {
    DRAFT: "draft",
    SENT_TO_CHAIR: "sent to the JCR Chair",
    SIGNED_FINAL: "signed final",
    SUBMITTED: "submitted to the National Panel",
}
FILE_STATE_WORDS: dict[str, str] = {DRAFT: "draft", SENT_TO_CHAIR: "sent to Chair", SIGNED_FINAL: "signed final",
                                    SUBMITTED: "submitted"}
MAX_REASON_CHARS = 4000
MAX_CHAIR_NAME_CHARS = 120  # report_sign_offs.chair_name
MAX_HOW_GIVEN_CHARS = 200  # report_sign_offs.how_given


def final_qa_words(ret: AgencyReturn) -> str:
    """The return's final QA as the report states it; every send-back round is named by its date, so a return
    accepted after being sent back says so."""
    rounds = sorted(ret.send_backs, key=lambda b: b.round)
    if ret.ended_as is not None:
        words = f"{ret.ended_as} {log_date(ret.ended_on)}"
    elif ret.final_qa_outcome == FinalQaOutcome.ACCEPTED:
        words = f"accepted {log_date(ret.final_qa_date)}"
    elif ret.sent_back_date is not None:
        awaiting = "" if ret.final_qa_outcome == FinalQaOutcome.SENT_BACK else "; resubmission awaiting QA"
        earlier = [f"{b.sent_back_on:%d %b %Y}" for b in rounds if b.sent_back_on != ret.sent_back_date]
        before = f" (also sent back {', '.join(earlier)})" if earlier else ""
        return f"sent back {ret.sent_back_date:%d %b %Y}{before}{awaiting}"
    elif ret.received_date is not None:
        return "awaiting QA"
    else:
        return ""
    if rounds:
        words += " after being sent back " + ", ".join(f"{b.sent_back_on:%d %b %Y}" for b in rounds)
    return words


@dataclass(frozen=True)
class SectionText:
    section: Section
    text: str
    version: int  # 0: never saved
    updated_by: str | None  # the name of who saved it last
    updated_at: datetime | None

    @property
    def last_changed(self) -> str:
        if not self.version or self.updated_at is None:
            return "Not written yet."
        return f"Last changed by {self.updated_by} on {self.updated_at.astimezone(LONDON):%a %d %b %Y at %H:%M}."


@dataclass(frozen=True)
class ReportReview:
    """What the Report page needs of the review."""

    id: int
    case_reference: str
    state: str
    version: int
    lcspr_decision: bool | None
    lcspr_reason: str | None
    ofsted_required: bool
    ofsted_response_date: date | None
    submitted_to_panel_date: date | None
    panel_response_date: date | None


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of the report, without its bytes (get_version_file reads those)."""

    id: int
    number: int
    state: str
    step_date: date | None
    ofsted_sent_on: date | None
    created_at: datetime
    created_by_name: str
    file_name: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class SignOffInfo:
    """A sign-off of the report: by the Chair's own account, or recorded by the Manager on the Chair's behalf."""

    version_number: int
    signed_on: date
    chair_name: str
    given_outside: bool
    how_given: str | None
    recorded_by_name: str
    withdrawn_on: date | None = None
    withdrawn_reason: str | None = None

    @property
    def words(self) -> str:
        """'Signed off by A Chair on Mon 11 Jan 2027' (+ 'given by email, recorded by M on the Chair's behalf')."""
        text = f"Signed off by {self.chair_name} on {long_date(self.signed_on)}"
        if self.given_outside:
            text += f" (given outside the product: {self.how_given}; recorded by {self.recorded_by_name})"
        return text


@dataclass(frozen=True)
class PanelResponseInfo:
    """What the National Panel said."""

    received_on: date
    agrees_with_lcspr: bool
    further_information_asked: bool
    notes: str | None

    @property
    def words(self) -> str:
        text = (f"received {long_date(self.received_on)}; "
                + ("agrees with" if self.agrees_with_lcspr else "does not agree with") + " the LCSPR decision; "
                + ("further information asked" if self.further_information_asked else "no further information asked"))
        return text + (f". Notes: {self.notes}" if self.notes else "")


@dataclass(frozen=True)
class ReportView:
    """Everything the Report page shows for one review."""

    review: ReportReview
    content: ReportContent
    sections: dict[str, SectionText]
    versions: tuple[VersionInfo, ...]
    missing: tuple[tuple[Section, str], ...]
    stage: str
    stage_text: str
    next_step: str
    sent: VersionInfo | None = None
    signed: VersionInfo | None = None
    submitted: VersionInfo | None = None
    latest_sent_on: date | None = None
    sign_off: SignOffInfo | None = None  # the sign-off in force
    withdrawn_sign_offs: tuple[SignOffInfo, ...] = ()
    panel_response: PanelResponseInfo | None = None

    @property
    def locked(self) -> bool:
        """After the Chair's sign-off the text is what was signed: it can no longer be changed."""
        return self.signed is not None or self.review.state == ReviewState.CLOSED


def review_info(review: Review) -> ReportReview:
    return ReportReview(
        id=review.id, case_reference=review.case_reference, state=review.state, version=review.version,
        lcspr_decision=review.lcspr_decision, lcspr_reason=review.lcspr_reason,
        ofsted_required=review.ofsted_required, ofsted_response_date=review.ofsted_response_date,
        submitted_to_panel_date=review.submitted_to_panel_date, panel_response_date=review.panel_response_date,
    )


def version_info(version: ReportVersion) -> VersionInfo:
    return VersionInfo(
        id=version.id, number=version.number, state=version.state, step_date=version.step_date,
        ofsted_sent_on=version.ofsted_sent_on, created_at=version.created_at,
        created_by_name=version.created_by_name, file_name=version.file_name, size_bytes=version.size_bytes,
        sha256=version.sha256,
    )


def sign_off_info(row: SignOff, version_number: int) -> SignOffInfo:
    return SignOffInfo(version_number=version_number, signed_on=row.signed_on, chair_name=row.chair_name,
                       given_outside=row.given_outside, how_given=row.how_given,
                       recorded_by_name=row.recorded_by_name, withdrawn_on=row.withdrawn_on,
                       withdrawn_reason=row.withdrawn_reason)


def panel_response_info(row: PanelResponse) -> PanelResponseInfo:
    return PanelResponseInfo(received_on=row.received_on, agrees_with_lcspr=row.agrees_with_lcspr,
                             further_information_asked=row.further_information_asked, notes=row.notes)


def report_stage(review: Review, sent: VersionInfo | None, sign_off: SignOffInfo | None,
           submitted: VersionInfo | None) -> tuple[str, str, str]:
    if review.state == ReviewState.CLOSED:
        response = f"the Panel responded on {long_date(review.panel_response_date)}"
        if review.ofsted_required and review.ofsted_response_date is None:
            return ("closed", f"Closed: {response}. Ofsted's response is outstanding.",
                    "The Partnership Manager records Ofsted's response when it comes.")
        return "closed", f"Closed: {response}.", "Nothing left to do: the review is closed."
    if review.state == ReviewState.SUBMITTED:
        text = f"Submitted to the National Panel on {long_date(review.submitted_to_panel_date)}"
        if submitted is not None and submitted.ofsted_sent_on:
            text += f" (and to Ofsted on {long_date(submitted.ofsted_sent_on)})"
        return "submitted", text + ".", ("The Partnership Manager records the Panel's response (it closes the "
                                         "review)" + (" and Ofsted's when it comes." if review.ofsted_required
                                                      else "."))
    if sign_off is not None:
        return ("signed", f"{sign_off.words}.",
                "The Partnership Manager submits the signed final version to the National Panel"
                + (" and Ofsted." if review.ofsted_required else "."))
    if sent is not None:
        return ("with_chair", f"With the JCR Chair since {long_date(sent.step_date)}.",
                "The JCR Chair amends the sections if needed and signs the report off.")
    return ("draft", "Draft: not yet sent to the JCR Chair.",
            "Write the sections, then send the report to the JCR Chair.")


def section_text(key: str, row: ReportSection | None, updated_by: str | None = None) -> SectionText:
    """A written section as the page shows it; `row.updated_by` is loaded by the caller unless named."""
    if row is None:
        return SectionText(SECTION_BY_KEY[key], "", 0, None, None)
    return SectionText(SECTION_BY_KEY[key], row.text, row.version, updated_by or row.updated_by.display_name,
                       row.updated_at)


@dataclass(frozen=True)
class VersionFile:
    file_name: str
    data: bytes
    mime: str = DOCX_MIME


def check_step_date(value: date | None, what: str, *, as_of: date, not_before: date | None,
                     not_before_what: str) -> date:
    """The step's date, checked; `not_before` None (a date the database requires, never missing) is not compared."""
    if value is None:
        raise InvalidInput(f"Give the date {what}.")
    if value > as_of:
        raise InvalidInput(f"The date {what} ({value:%d %b %Y}) cannot be in the future.")
    if not_before is not None and value < not_before:
        raise InvalidInput(
            f"The date {what} ({value:%d %b %Y}) cannot be before {not_before_what} ({not_before:%d %b %Y})."
        )
    return value


def file_name_for(case_reference: str, number: int, state: str) -> str:
    return f"{case_reference} Rapid Review report v{number} {FILE_STATE_WORDS[state]}.docx"


def missing_words(missing: list[tuple[Section, str]]) -> str:
    return "; ".join(f"{s.number}. {s.title} ({why})" for s, why in missing)


@dataclass(frozen=True)
class DraftMade:
    version: VersionInfo
    new: bool


@dataclass(frozen=True)
class OfstedOutstanding:
    """A closed review whose report went to Ofsted and whose response has not been recorded ("Waiting for
    Ofsted"): it is no longer on the live list, so this is where it is seen."""

    review_id: int
    case_reference: str
    state: str
    submitted_on: date
    sent_on: date
    working_days_waiting: int  # working days since the submission (services.working_days: after it, up to today)

    @property
    def sentence(self) -> str:
        """'sent to Ofsted Tue 12 Jan 2027; 14 working days since the submission (Tue 12 Jan 2027)'."""
        days = f"{self.working_days_waiting} working day{'' if self.working_days_waiting == 1 else 's'}"
        return (f"sent to Ofsted {self.sent_on:%a %d %b %Y}; {days} since the submission "
                f"({self.submitted_on:%a %d %b %Y})")


def ofsted_outstanding(session: Session, *, as_of: date) -> list[OfstedOutstanding]:
    """Every closed review whose Ofsted reply is required and not recorded, longest waiting first (no role check:
    for services.due_mail, which reads as no one)."""
    cal = load_calendar(session)
    rows = session.execute(
        select(Review.id, Review.case_reference, Review.state, Review.submitted_to_panel_date,
               func.coalesce(ReportVersion.ofsted_sent_on, ReportVersion.step_date))
        .join(ReportVersion, (ReportVersion.review_id == Review.id) & (ReportVersion.state == SUBMITTED))
        .where(Review.state == ReviewState.CLOSED, Review.ofsted_required.is_(True),
               Review.ofsted_response_date.is_(None), Review.submitted_to_panel_date.is_not(None))
        .order_by(Review.submitted_to_panel_date, Review.id)
    ).all()
    return [OfstedOutstanding(rid, ref, state, submitted, sent, cal.working_days_between(submitted, as_of))
            for rid, ref, state, submitted, sent in rows if submitted is not None]
