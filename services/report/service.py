"""The Rapid Review report of a review: its written sections, the assembled draft, every generated Word
version (kept byte for byte), and the steps up to the sign-off: sent to the JCR Chair, signed off by the Chair
(or recorded on the Chair's behalf), the sign-off withdrawn. The submission to the National Panel (and Ofsted) and
their responses are services.report.panel.

Each step completes its milestone through services.milestones.complete_milestone after its own checks; the
Review page's record_milestone_done refuses the report's milestones (so a submission always has the Chair's
signed final version).
Every write checks the role, validates with a sentence, writes and appends its daily log entry in the same
transaction. The read objects and the rules that need no database are services.report.reads; what this module
shares with services.report.panel (the locked review, storing a version) is services.report.versions.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, selectinload
from sqlalchemy.orm.exc import StaleDataError

from db.enums import LogCategory, MeetingKind, MilestoneKey, Role
from db.models import Account, Agency, Review
from db.models_report import Meeting, PanelResponse, ReportSection, ReportVersion, SignOff
from db.models_returns import AgencyReturn
from services.clock import LONDON
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.due_mail import notify_chairs_of_report
from services.errors import InvalidInput, StaleRecord
from services.formatting import long_date
from services.permissions import CASE_READERS, CASE_WRITERS, requires
from services.plan import not_applying_words, review_due_date, window_label
from services.report.content import (
    MAX_SECTION_CHARS,
    SECTION_BY_KEY,
    WRITABLE_KEYS,
    AgencyPart,
    MilestoneLine,
    ReportContent,
    fingerprint,
    missing_parts,
)
from services.report.reads import (
    DRAFT,
    MAX_CHAIR_NAME_CHARS,
    MAX_HOW_GIVEN_CHARS,
    MAX_REASON_CHARS,
    SENT_TO_CHAIR,
    SIGNED_FINAL,
    SUBMITTED,
    DraftMade,
    ReportReview,
    ReportView,
    SectionText,
    SignOffInfo,
    VersionFile,
    VersionInfo,
    check_step_date,
    final_qa_words,
    missing_words,
    panel_response_info,
    report_stage,
    review_info,
    section_text,
    sign_off_info,
    version_info,
)
from services.report.versions import (
    TRY_AGAIN,
    complete_report_milestone,
    refuse_when_submitted,
    review_for_write,
    sign_off_in_force,
    store_version,
    version_in_state,
)
from services.returns.rules import agency_due_date, ending_sentence, return_due_date
from services.reviews.rules import NOT_KNOWN_YET, NOTIFICATION_TYPE_LABELS, missing_sign_off_dates, sin_timeliness
from services.settings_reads import load_calendar, load_settings
from services.text import clean_text

# ---------------------------------------------------------------- assembling the content


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


# ---------------------------------------------------------------- versions: reading


def _versions(session: Session, review_id: int) -> list[ReportVersion]:
    return list(session.scalars(
        select(ReportVersion).where(ReportVersion.review_id == review_id).order_by(ReportVersion.number)
    ))


def _sign_offs(session: Session, review_id: int) -> list[tuple[SignOff, int]]:
    """Every sign-off of the review with its version's number, oldest first."""
    return [(row, number) for row, number in session.execute(
        select(SignOff, ReportVersion.number).join(ReportVersion, ReportVersion.id == SignOff.version_id)
        .where(SignOff.review_id == review_id).order_by(ReportVersion.number))]


def _first_sent(session: Session, review_id: int) -> ReportVersion | None:
    return session.scalars(
        select(ReportVersion).where(ReportVersion.review_id == review_id, ReportVersion.state == SENT_TO_CHAIR)
        .order_by(ReportVersion.number)
    ).first()


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


# ---------------------------------------------------------------- versions: writing


def _refuse_when_signed(session: Session, review: Review, action: str) -> None:
    in_force = sign_off_in_force(session, review.id)
    if in_force is not None:
        signed = session.get(ReportVersion, in_force.version_id)
        number = signed.number if signed is not None else "?"
        raise InvalidInput(
            f"The report of {review.case_reference} was signed off by {in_force.chair_name} on "
            f"{in_force.signed_on:%d %b %Y} (version {number}): {action} is no longer possible. The signed final "
            "version is the report (the Partnership Manager or the Chair may withdraw the sign-off, with a reason, "
            "before submission)."
        )


@requires(*CASE_READERS, action="make a Word draft of the report")
def make_draft(session: Session, actor: Account, *, review_id: int, as_of: date) -> DraftMade:
    """Generate the report as a Word draft and keep it as a new version; when nothing has changed since the
    latest draft, that draft is given back instead (a double click makes one version)."""
    review = review_for_write(session, review_id)
    _refuse_when_signed(session, review, "a new draft")
    content = assemble(session, review, as_of=as_of)
    latest = session.scalars(select(ReportVersion).where(ReportVersion.review_id == review.id)
                             .order_by(ReportVersion.number.desc())).first()
    if latest is not None and latest.state == DRAFT and latest.content_fingerprint == fingerprint(content):
        return DraftMade(version_info(latest), new=False)
    version = store_version(session, actor, review, state=DRAFT, content=content)
    missing = missing_parts(content)
    text = f"Report draft version {version.number} made ({version.file_name}, {version.size_bytes:,} bytes)."
    if missing:
        text += f" Not yet written: {missing_words(missing)}."
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.SYSTEM, text=text)
    return DraftMade(version_info(version), new=True)


@requires(*CASE_WRITERS, action="send the report to the JCR Chair")
def send_to_chair(session: Session, actor: Account, *, review_id: int, sent_on: date | None, as_of: date
                  ) -> VersionInfo:
    """Send the report to the JCR Chair: a 'sent to Chair' version; the first sending completes
    'Report updated with the meeting and sent to the JCR Chair'. It may be sent again after amendments."""
    review = review_for_write(session, review_id)
    refuse_when_submitted(review)
    _refuse_when_signed(session, review, "sending it to the Chair again")
    previous = version_in_state(session, review.id, SENT_TO_CHAIR)
    if previous is not None:
        sent_on = check_step_date(sent_on, "it was sent to the Chair", as_of=as_of, not_before=previous.step_date,
                                  not_before_what=f"the previous sending (version {previous.number})")
    else:
        sent_on = check_step_date(sent_on, "it was sent to the Chair", as_of=as_of,
                                  not_before=review.notification_received_date,
                                  not_before_what="the date the notification was received")
    complete_report_milestone(session, actor, review, MilestoneKey.REPORT_TO_CHAIR, sent_on, as_of,
                              note="Completed by sending the report to the JCR Chair (Report page).")
    content = assemble(session, review, as_of=as_of)
    version = store_version(session, actor, review, state=SENT_TO_CHAIR, content=content, step_date=sent_on)
    missing = missing_parts(content)
    text = (f"Report version {version.number} sent to the JCR Chair on {sent_on:%d %b %Y}"
            f"{' (sent again after amendments)' if previous else ''}: {version.file_name}.")
    if missing:
        text += f" Not yet written: {missing_words(missing)}."
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.COMMUNICATION, text=text)
    notify_chairs_of_report(session, actor, review=review, version_id=version.id, version_number=version.number)
    return version_info(version)


def _sign(session: Session, actor: Account, review: Review, *, signed_on: date | None, as_of: date,
          chair_name: str, how_given: str | None) -> VersionInfo:
    """The sign-off's checks and records, whoever records it: the signed final version, its sign-off row, the
    milestone 'Signed final report returned by the JCR Chair' and the log."""
    refuse_when_submitted(review)
    _refuse_when_signed(session, review, "signing it off again")
    latest_sent = version_in_state(session, review.id, SENT_TO_CHAIR)
    if latest_sent is None:
        raise InvalidInput(
            f"The report of {review.case_reference} has not been sent to the JCR Chair yet: the officer sends it "
            "(Send to the JCR Chair) before the Chair signs it off."
        )
    signed_on = check_step_date(signed_on, "of the sign-off", as_of=as_of, not_before=latest_sent.step_date,
                                not_before_what=f"the report was sent to the Chair (version {latest_sent.number})")
    missing = missing_parts(assemble(session, review, as_of=as_of))
    dates_missing = missing_sign_off_dates(review.incident_date, review.csc_aware_date)
    if dates_missing:
        raise InvalidInput(dates_missing)
    if missing:
        raise InvalidInput(
            "The report cannot be signed off while parts of it are missing: " + missing_words(missing)
            + ". Write them (or write 'None identified') and sign off again."
        )
    outside = how_given is not None
    complete_report_milestone(session, actor, review, MilestoneKey.SIGNED_REPORT, signed_on, as_of,
                              note="Completed by the sign-off recorded on the Chair's behalf (Report page)." if outside
                              else "Completed by the JCR Chair's sign-off (Report page).")
    content = assemble(session, review, as_of=as_of, signed_by=chair_name, signed_on=signed_on,
                       signed_how=how_given, signed_recorded_by=actor.display_name if outside else None)
    version = store_version(session, actor, review, state=SIGNED_FINAL, content=content, step_date=signed_on)
    session.add(SignOff(review_id=review.id, version_id=version.id, signed_on=signed_on, chair_name=chair_name,
                        given_outside=outside, how_given=how_given, recorded_by_id=actor.id,
                        recorded_by_name=actor.display_name))
    session.flush()
    if outside:
        text = (f"Report sign-off given by {chair_name} (JCR Chair) outside the product ({how_given}) on "
                f"{signed_on:%d %b %Y}, recorded by {actor.display_name} on the Chair's behalf: signed final version "
                f"{version.number} ({version.file_name}, sha256 {version.sha256[:12]}).")
    else:
        text = (f"Report signed off by {chair_name} (JCR Chair) on {signed_on:%d %b %Y}: signed final version "
                f"{version.number} ({version.file_name}, sha256 {version.sha256[:12]}).")
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.DECISION, text=text)
    return version_info(version)


@requires(Role.CHAIR, action="sign off the report")
def sign_off(session: Session, actor: Account, *, review_id: int, signed_on: date | None, as_of: date
             ) -> VersionInfo:
    """The JCR Chair signs the report off: the signed final version, with the Chair's name and the date;
    completes 'Signed final report returned by the JCR Chair'. Every section must be written."""
    review = review_for_write(session, review_id)
    return _sign(session, actor, review, signed_on=signed_on, as_of=as_of, chair_name=actor.display_name,
                 how_given=None)


@requires(Role.MANAGER, action="record a sign-off given outside the product")
def record_sign_off_given_outside(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    signed_on: date | None,
    chair_name: str,
    how_given: str,
    as_of: date,
) -> VersionInfo:
    """The Partnership Manager records the Chair's sign-off given outside the product (the guide: the Chair returns
    the signed report, often by email): the date, how it was given and the Chair's name, shown as such."""
    review = review_for_write(session, review_id)
    name = clean_text(chair_name, label="Chair's name", max_length=MAX_CHAIR_NAME_CHARS, multiline=False)
    if not name:
        raise InvalidInput("Give the name of the JCR Chair who signed the report off.")
    how = clean_text(how_given, label="description of how the sign-off was given", max_length=MAX_HOW_GIVEN_CHARS,
                     multiline=False)
    if not how:
        raise InvalidInput("Say how the Chair gave the sign-off (for example 'by email to the Partnership Manager').")
    return _sign(session, actor, review, signed_on=signed_on, as_of=as_of, chair_name=name, how_given=how)


@requires(Role.MANAGER, Role.CHAIR, action="withdraw the sign-off of the report")
def withdraw_sign_off(
    session: Session, actor: Account, *, review_id: int, withdrawn_on: date | None, reason: str, as_of: date
) -> SignOffInfo:
    """Withdraw the sign-off in force before submission, with a reason: the signed final version is kept, the
    milestone 'Signed final report returned by the JCR Chair' is open again and the text can be amended."""
    review = review_for_write(session, review_id)
    refuse_when_submitted(review)
    in_force = sign_off_in_force(session, review.id)
    if in_force is None:
        raise InvalidInput(f"The report of {review.case_reference} is not signed off: there is no sign-off to "
                           "withdraw.")
    withdrawn_on = check_step_date(withdrawn_on, "the sign-off was withdrawn", as_of=as_of,
                                   not_before=in_force.signed_on, not_before_what="the sign-off")
    cleaned = clean_text(reason, label="reason", max_length=MAX_REASON_CHARS)
    if not cleaned:
        raise InvalidInput("Say why the sign-off is withdrawn (for example 'the Chair asked for section 7 to be "
                           "amended').")
    in_force.withdrawn_on, in_force.withdrawn_reason, in_force.withdrawn_by_id = withdrawn_on, cleaned, actor.id
    milestone = next((m for m in review.milestones if m.key == MilestoneKey.SIGNED_REPORT), None)
    if milestone is not None:
        milestone.done_date = milestone.done_by_id = milestone.done_at = None
    flush_or_stale(session, "This report's sign-off", advice=TRY_AGAIN)
    signed = session.get(ReportVersion, in_force.version_id)
    number = signed.number if signed is not None else 0
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.DECISION,
        text=f"Sign-off of report version {number} by {in_force.chair_name} (signed {in_force.signed_on:%d %b %Y}) "
        f"withdrawn on {withdrawn_on:%d %b %Y} by {actor.display_name}. Reason: {cleaned} The signed final version is "
        "kept; the report can be amended and signed off again.",
    )
    return sign_off_info(in_force, number)


@requires(*CASE_READERS, action="record the LCSPR decision")
def record_lcspr_decision(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    expected_version: int | None,
    decision: bool | None,
    reason: str,
) -> ReportReview:
    """Record whether a Local Child Safeguarding Practice Review is to be carried out, and why (section 8)."""
    review = review_for_write(session, review_id)
    check_version(review, expected_version, "This review",
                  advice="The saved LCSPR decision is shown under the form: check it.")
    _refuse_when_signed(session, review, "changing the LCSPR decision")
    if decision is None:
        raise InvalidInput("Say whether a Local Child Safeguarding Practice Review is to be carried out (yes or no).")
    cleaned = clean_text(reason, label="reasons for the LCSPR decision", max_length=MAX_REASON_CHARS)
    if not cleaned:
        raise InvalidInput("Give the reasons for the LCSPR decision: they go into section 8 of the report.")
    if review.lcspr_decision == decision and (review.lcspr_reason or "") == cleaned:
        raise InvalidInput("Nothing to save: the decision and its reasons are the same as before.")
    changed = review.lcspr_decision is not None
    review.lcspr_decision = decision
    review.lcspr_reason = cleaned
    flush_or_stale(session, "This review", advice=TRY_AGAIN)
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.DECISION,
        text=f"LCSPR decision {'changed' if changed else 'recorded'}: "
        f"{'an LCSPR is to be carried out' if decision else 'no LCSPR'}. Reasons: {cleaned}",
    )
    return review_info(review)


@requires(*CASE_READERS, action="write the report")
def save_section(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    section_key: str,
    text: str,
    expected_version: int,
) -> SectionText:
    """Save one written section. `expected_version` is the version the text was written against (0 when the
    section had never been saved): a save over someone else's newer text is refused, never overwritten."""
    section = SECTION_BY_KEY.get(section_key)
    if section is None or not section.writable:
        raise InvalidInput("That section of the report is filled from the data and cannot be written here.")
    review = review_for_write(session, review_id)
    _refuse_when_signed(session, review, "changing its text")
    cleaned = clean_text(text, label=f"text of section {section.number} ({section.title})",
                         max_length=MAX_SECTION_CHARS)
    row = session.scalars(
        select(ReportSection).where(ReportSection.review_id == review.id, ReportSection.section_key == section_key)
        .with_for_update(of=ReportSection).execution_options(populate_existing=True)
    ).first()
    current = row.version if row else 0
    if current != expected_version:
        who = (session.scalar(select(Account.display_name).where(Account.id == row.updated_by_id)) if row
               else None) or "someone"
        when = f" at {row.updated_at.astimezone(LONDON):%H:%M on %a %d %b}" if row else ""
        raise StaleRecord(
            f"Section {section.number} ({section.title}) was changed by {who}{when} since you opened it: "
            "their text is shown under the box. Combine the two if need be."
        )
    if (row.text if row else "") == cleaned:
        raise InvalidInput(f"Nothing to save: section {section.number} is the same as before.")
    now = datetime.now(UTC)
    try:
        if row is None:
            with session.begin_nested():
                row = ReportSection(review_id=review.id, section_key=section_key, text=cleaned,
                                    updated_by_id=actor.id, updated_at=now)
                session.add(row)
                session.flush()
        else:
            row.text, row.updated_by_id, row.updated_at = cleaned, actor.id, now
            session.flush()
    except (IntegrityError, StaleDataError):
        raise StaleRecord(
            f"Section {section.number} ({section.title}) was saved by someone else at the same moment: their text "
            "is shown under the box. Combine the two if need be."
        ) from None
    words = len(cleaned.split())
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.OTHER,
        text=f"Report section {section.number} ({section.title}) saved: {words} word{'s' if words != 1 else ''}"
        f"{' (now empty)' if not cleaned else ''}.",
    )
    return section_text(section_key, row, updated_by=actor.display_name)
