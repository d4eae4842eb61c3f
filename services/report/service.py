"""The Rapid Review report of a review: its written sections, the assembled draft, every generated Word
version (kept byte for byte), and the steps up to the sign-off: sent to the JCR Chair, signed off by the Chair
(or recorded on the Chair's behalf), the sign-off withdrawn. The submission to the National Panel (and Ofsted) and
their responses are services.report.panel.

Each step completes its milestone through services.milestones.complete_milestone after its own checks; the
Review page's record_milestone_done refuses the report's milestones (so a submission always has the Chair's
signed final version).
Every write checks the role, validates with a sentence, writes and appends its daily log entry in the same
transaction. The reads (the report, its versions) are services.report.reads, the rules that need no database
services.report.rules; what this module shares with services.report.panel (the locked review, storing a version)
is services.report.versions.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db.enums import LogCategory, MilestoneKey, Role
from db.models import Account, Review
from db.models_report import ReportSection, ReportVersion, SignOff
from services.clock import LONDON
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.due_mail import notify_chairs_of_report
from services.errors import InvalidInput, StaleRecord
from services.permissions import CASE_WRITERS, REPORT_WRITERS, requires
from services.report.content import (
    MAX_SECTION_CHARS,
    SECTION_BY_KEY,
    fingerprint,
    missing_parts,
)
from services.report.reads import (
    DraftMade,
    ReportReview,
    SectionText,
    SignOffInfo,
    VersionInfo,
    assemble,
    review_info,
    section_text,
    sign_off_in_force,
    sign_off_info,
    version_in_state,
    version_info,
)
from services.report.rules import (
    DRAFT,
    MAX_CHAIR_NAME_CHARS,
    MAX_HOW_GIVEN_CHARS,
    MAX_REASON_CHARS,
    SENT_TO_CHAIR,
    SIGNED_FINAL,
    check_step_date,
    missing_words,
)
from services.report.versions import (
    TRY_AGAIN,
    complete_report_milestone,
    refuse_when_submitted,
    review_for_write,
    store_version,
)
from services.reviews.rules import missing_sign_off_dates
from services.text import clean_text


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


@requires(*REPORT_WRITERS, action="make a Word draft of the report")
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


@requires(*REPORT_WRITERS, action="record the LCSPR decision")
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


@requires(*REPORT_WRITERS, action="write the report")
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
