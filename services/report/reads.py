"""What the report services hand back to pages, and the reads that make it: the report of a review as its data
stands (assembled), every stored version and its bytes, and the reviews waiting for Ofsted's response.

The frozen read objects (SectionText, ReportReview, VersionInfo, ReportView, VersionFile, DraftMade,
OfstedOutstanding) are copied from rows inside the session, so a page reads them after its transaction has closed.
The report's rules that need no database are services.report.rules; its writes are services.report.service (the
steps up to the sign-off) and services.report.panel (the submission and the responses).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from db.enums import MeetingKind, MilestoneKey, ReviewState
from db.models import Account, Agency, Review
from db.models_report import Meeting, PanelResponse, ReportSection, ReportVersion, SignOff
from db.models_returns import AgencyReturn
from services.clock import LONDON
from services.errors import InvalidInput
from services.formatting import long_date
from services.integrity import made_per_review, versions_where
from services.permissions import CASE_READERS, requires
from services.plan import not_applying_words, review_due_date, window_label
from services.report.content import (
    SECTION_BY_KEY,
    WRITABLE_KEYS,
    AgencyPart,
    MilestoneLine,
    ReportContent,
    Section,
    missing_parts,
)
from services.report.rules import SENT_TO_CHAIR, SIGNED_FINAL, SUBMITTED, final_qa_words
from services.returns.rules import agency_due_date, ending_sentence, return_due_date
from services.reviews.rules import NOT_KNOWN_YET, NOTIFICATION_TYPE_LABELS, sin_timeliness
from services.settings_reads import load_calendar, load_settings
from services.word_document import DOCX_MIME


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


# A closed review whose Ofsted reply is required and not recorded: decided by the review's own row alone (its report's
# submitted version is the review's too), so the list is kept review by review (services.unit_of_work.read_by_review).
_WAITING_FOR_OFSTED = ((Review.state == ReviewState.CLOSED) & Review.ofsted_required.is_(True)
                       & Review.ofsted_response_date.is_(None) & Review.submitted_to_panel_date.is_not(None))


def ofsted_outstanding(session: Session, *, as_of: date, review_ids: Sequence[int] | None = None
                       ) -> list[OfstedOutstanding]:
    """Every closed review whose Ofsted reply is required and not recorded (of `review_ids`, when given), longest
    waiting first (no role check: for services.due_mail, which reads as no one)."""
    cal = load_calendar(session)
    where: list[ColumnElement[bool]] = [_WAITING_FOR_OFSTED]
    if review_ids is not None:
        where.append(Review.id.in_(list(review_ids)))
    rows = session.execute(
        select(Review.id, Review.case_reference, Review.state, Review.submitted_to_panel_date,
               func.coalesce(ReportVersion.ofsted_sent_on, ReportVersion.step_date))
        .join(ReportVersion, (ReportVersion.review_id == Review.id) & (ReportVersion.state == SUBMITTED))
        .where(*where)
        .order_by(Review.submitted_to_panel_date, Review.id)
    ).all()
    return [OfstedOutstanding(rid, ref, state, submitted, sent, cal.working_days_between(submitted, as_of))
            for rid, ref, state, submitted, sent in rows if submitted is not None]


def _returns_of(session: Session, review_id: int) -> list[AgencyReturn]:
    return list(session.scalars(
        select(AgencyReturn).join(AgencyReturn.agency).options(contains_eager(AgencyReturn.agency),
                                                               selectinload(AgencyReturn.chases),
                                                               selectinload(AgencyReturn.send_backs))
        .where(AgencyReturn.review_id == review_id).order_by(Agency.name)
    ))


def assemble(session: Session, review: Review, *, as_of: date,
             signed_by: str | None = None, signed_on: date | None = None, signed_how: str | None = None,
             signed_recorded_by: str | None = None) -> ReportContent:
    """The report as the data stands: sections 1 and 3 and the appendix from the review, its returns, meetings
    and milestones; the written sections from report_sections; sign-off from the signed final version."""
    cal = load_calendar(session)
    received = review.notification_received_date
    meetings = {m.kind: m for m in session.scalars(
        select(Meeting).where(Meeting.review_id == review.id,
                              Meeting.kind.in_((MeetingKind.RR_MEETING, MeetingKind.EXEC_MEETING))))}
    by_key = {m.key: m for m in review.milestones}
    rr_held = meetings[MeetingKind.RR_MEETING].held_on if MeetingKind.RR_MEETING in meetings else (
        by_key[MilestoneKey.RR_MEETING].done_date if MilestoneKey.RR_MEETING in by_key else None)
    details = [
        ("Case reference", review.case_reference),
        ("Children (initials, age at the incident)",
         "; ".join(f"{c.initials}, aged {c.age_years}" for c in review.children)),
        ("Notification type", NOTIFICATION_TYPE_LABELS[review.notification_type]),
        ("Incident", long_date(review.incident_date, blank=NOT_KNOWN_YET)),
        ("Children's Social Care became aware", long_date(review.csc_aware_date, blank=NOT_KNOWN_YET)),
        ("Serious Incident Notification made by CSC",
         (long_date(review.sin_submitted_date) + " — " if review.sin_submitted_date else "")
         + sin_timeliness(cal, review.csc_aware_date, review.sin_submitted_date, as_of)),
        ("Notification received by the Partnership", long_date(received)),
        ("Day 1 of the review", long_date(cal.day_one(received))),
        ("Due to the National Panel (end of Day 15)", long_date(review_due_date(cal, received))),
        ("Rapid Review meeting", long_date(rr_held) if rr_held else "not held yet"),
    ]
    if review.exec_meeting_required is None:
        details.append(("Executive findings meeting with the AD/DCS", "not decided yet (Day 1 decision)"))
    else:
        exec_text = "not needed (Day 1 decision)"
        if review.exec_meeting_required:
            exec_text = (f"held {long_date(meetings[MeetingKind.EXEC_MEETING].held_on)}"
                         if MeetingKind.EXEC_MEETING in meetings
                         else "needed (Day 1 decision); not held yet")
        details.append(("Executive findings meeting with the AD/DCS", exec_text))
    details.append(("Ofsted", "the report goes to Ofsted too" if review.ofsted_required else "not required"))
    if review.submitted_to_panel_date:
        details.append(("Submitted to the National Panel", long_date(review.submitted_to_panel_date)))
    if review.panel_response_date:
        response = session.get(PanelResponse, review.id)
        details.append(("Panel's response", long_date(review.panel_response_date) if response is None
                        else panel_response_info(response).words))
    if review.ofsted_response_date:
        details.append(("Ofsted's response", long_date(review.ofsted_response_date)))

    agencies = tuple(
        AgencyPart(
            agency=r.agency.name, requested=r.requested_date, due=return_due_date(cal, r.requested_date),
            received=r.received_date, resubmitted=r.resubmission_received_date, final_qa=final_qa_words(r),
            summary=r.summary,
            ending=ending_sentence(r.ended_as, r.ended_on, r.ended_reason or "", agency_due_date(cal, r), len(r.chases),
                                   r.no_chase_reason)
            if r.ended_as is not None and r.ended_on is not None else None,
        )
        for r in _returns_of(session, review.id)
    )
    milestones = tuple(
        MilestoneLine(
            title=m.title + (" (optional)" if m.optional else ""), window=window_label(m),
            due=m.effective_due_date, agreed=m.agreed_due_date is not None, done=m.done_date,
            status="done" if m.done_date else (not_applying_words(review, m) or "open"),
            done_outside_reason=m.done_outside_reason,
        )
        for m in sorted(review.milestones, key=lambda m: m.sort_order)
    )
    texts = {s.section_key: s.text for s in session.scalars(
        select(ReportSection).where(ReportSection.review_id == review.id))}
    sent = version_in_state(session, review.id, SENT_TO_CHAIR)  # the latest sending: the one a sign-off signs
    if signed_on is None:
        in_force = sign_off_in_force(session, review.id)
        if in_force is not None:
            signed_by, signed_on = in_force.chair_name, in_force.signed_on
            signed_how, signed_recorded_by = in_force.how_given, in_force.recorded_by_name
    return ReportContent(
        partnership=load_settings(session).partnership_name,
        case_reference=review.case_reference,
        case_details=tuple(details),
        agencies=agencies,
        texts={k: texts.get(k, "") for k in WRITABLE_KEYS},
        lcspr_decision=review.lcspr_decision,
        lcspr_reason=review.lcspr_reason,
        sent_to_chair_on=sent.step_date if sent else None,
        signed_by=signed_by,
        signed_on=signed_on,
        milestones=milestones,
        signed_how=signed_how,
        signed_recorded_by=signed_recorded_by,
    )


def _versions(session: Session, review_id: int) -> list[ReportVersion]:
    return list(session.scalars(
        select(ReportVersion).where(ReportVersion.review_id == review_id).order_by(ReportVersion.number)
    ))


def _sign_offs(session: Session, review_id: int) -> list[tuple[SignOff, int]]:
    """Every sign-off of the review with its version's number, oldest first."""
    return [(row, number) for row, number in session.execute(
        select(SignOff, ReportVersion.number).join(ReportVersion, ReportVersion.id == SignOff.version_id)
        .where(SignOff.review_id == review_id).order_by(ReportVersion.number))]


@requires(*CASE_READERS, action="see a review's report")
def get_report(session: Session, actor: Account, *, review_id: int, as_of: date) -> ReportView:
    """The report of one review: its assembled content, written sections, versions and where it stands."""
    review = session.scalars(select(Review).where(Review.id == review_id).options(
        selectinload(Review.children), selectinload(Review.milestones))).first()
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    content = assemble(session, review, as_of=as_of)
    rows = {s.section_key: s for s in session.scalars(
        select(ReportSection).where(ReportSection.review_id == review.id)
        .options(selectinload(ReportSection.updated_by)))}
    sections = {key: section_text(key, rows.get(key)) for key in WRITABLE_KEYS}
    versions = tuple(version_info(v) for v in _versions(session, review.id))
    sent = [v for v in versions if v.state == SENT_TO_CHAIR]
    sign_offs = [sign_off_info(row, number) for row, number in _sign_offs(session, review.id)]
    in_force = next((o for o in sign_offs if o.withdrawn_on is None), None)
    signed = next((v for v in versions if v.state == SIGNED_FINAL and in_force is not None
                   and v.number == in_force.version_number), None)
    submitted = next((v for v in versions if v.state == SUBMITTED), None)
    stage, stage_text, next_step = report_stage(review, sent[0] if sent else None, in_force, submitted)
    response = session.get(PanelResponse, review.id)
    return ReportView(
        sign_off=in_force, withdrawn_sign_offs=tuple(o for o in sign_offs if o.withdrawn_on is not None),
        panel_response=panel_response_info(response) if response is not None else None,
        review=review_info(review), content=content, sections=sections, versions=versions,
        missing=tuple(missing_parts(content)),
        stage=stage, stage_text=stage_text, next_step=next_step, sent=sent[0] if sent else None, signed=signed,
        submitted=submitted, latest_sent_on=sent[-1].step_date if sent else None,
    )


@requires(*CASE_READERS, action="download a version of the report")
def get_version_file(session: Session, actor: Account, *, version_id: int) -> VersionFile:
    """The exact bytes of one stored version."""
    version = session.get(ReportVersion, version_id)
    if version is None:
        raise InvalidInput("That version of the report does not exist. Reload the page.")
    return VersionFile(version.file_name, bytes(version.content))


@requires(*CASE_READERS, action="see the Ofsted responses outstanding")
def ofsted_waiting_versions(session: Session, actor: Account, *, since: str | None = None) -> list[tuple[int, int]]:
    """(id, data version) of every closed review waiting for Ofsted's reply, in one statement; with `since`, of those
    moved since (services.integrity.versions_where)."""
    return versions_where(session, _WAITING_FOR_OFSTED, since)


@requires(*CASE_READERS, action="see the Ofsted responses outstanding")
def ofsted_outstanding_by_review(session: Session, actor: Account, *, review_ids: Sequence[int], as_of: date
                                 ) -> dict[int, list[OfstedOutstanding]]:
    """What "Waiting for Ofsted" shows of each of these reviews, by review id ([] for one no longer waiting)."""
    found: dict[int, list[OfstedOutstanding]] = {review_id: [] for review_id in review_ids}
    for item in ofsted_outstanding(session, as_of=as_of, review_ids=review_ids):
        found[item.review_id].append(item)
    return found


def longest_waiting_first(parts: list[list[OfstedOutstanding]]) -> list[OfstedOutstanding]:
    """"Waiting for Ofsted" from each review's: submitted to the Panel earliest first (then by review id)."""
    return sorted((item for part in parts for item in part), key=lambda item: (item.submitted_on, item.review_id))


@made_per_review(versions=ofsted_waiting_versions, part=ofsted_outstanding_by_review, combine=longest_waiting_first)
@requires(*CASE_READERS, action="see the Ofsted responses outstanding")
def list_ofsted_outstanding(session: Session, actor: Account, *, as_of: date) -> list[OfstedOutstanding]:
    """Waiting for Ofsted (Live reviews, the Review page): ofsted_outstanding for a case reader. A submitted review
    still open is on the live list itself and is not repeated here."""
    return ofsted_outstanding(session, as_of=as_of)


def version_in_state(session: Session, review_id: int, state: str) -> ReportVersion | None:
    """The latest version of the review's report in this state."""
    return session.scalars(
        select(ReportVersion).where(ReportVersion.review_id == review_id, ReportVersion.state == state)
        .order_by(ReportVersion.number.desc())
    ).first()


def sign_off_in_force(session: Session, review_id: int) -> SignOff | None:
    """The sign-off not withdrawn (the database keeps at most one per review)."""
    return session.scalars(select(SignOff).where(SignOff.review_id == review_id, SignOff.withdrawn_on.is_(None))
                           ).first()


def signed_version(session: Session, review_id: int) -> ReportVersion | None:
    """The signed final version of the sign-off in force."""
    in_force = sign_off_in_force(session, review_id)
    return session.get(ReportVersion, in_force.version_id) if in_force is not None else None
