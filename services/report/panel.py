"""After sign-off: the submission to the National Panel (and Ofsted), and their responses, which close the review.

Shares the locked review, the versions and the milestone step with services.report.service (the report's other
writes) through services.report.versions.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from db.enums import LogCategory, MilestoneKey, ReviewState, Role
from db.models import Account
from db.models_report import PanelResponse
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.formatting import long_date
from services.permissions import requires
from services.report.reads import (
    ReportReview,
    VersionInfo,
    assemble,
    review_info,
    signed_version,
    version_in_state,
    version_info,
)
from services.report.rules import MAX_REASON_CHARS, SUBMITTED, check_step_date
from services.report.versions import (
    TRY_AGAIN,
    complete_report_milestone,
    locked_review,
    refuse_when_submitted,
    review_for_write,
    store_version,
)
from services.report.word import submitted_docx
from services.text import clean_text


@requires(Role.MANAGER, action="submit the report to the National Panel")
def submit_to_panel(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    submitted_on: date | None,
    ofsted_sent_on: date | None = None,
    as_of: date,
) -> VersionInfo:
    """Submit the Chair's signed final version to the National Panel (and Ofsted when required): records the
    submission date, keeps the 'submitted' version (the signed final's text, with its own version line and the
    submission recorded in it) and completes
    'Report submitted to the National Panel'."""
    review = review_for_write(session, review_id)
    refuse_when_submitted(review)
    signed = signed_version(session, review.id)
    if signed is None:
        raise InvalidInput(
            f"The report of {review.case_reference} cannot be submitted before the JCR Chair has signed it off: "
            "only the signed final version goes to the National Panel."
        )
    submitted_on = check_step_date(submitted_on, "of the submission", as_of=as_of, not_before=signed.step_date,
                                   not_before_what=f"the Chair's sign-off (version {signed.number})")
    if review.ofsted_required and ofsted_sent_on is None:
        raise InvalidInput(f"The report of {review.case_reference} goes to Ofsted too: give the date it was sent "
                           "to Ofsted.")
    if not review.ofsted_required and ofsted_sent_on is not None:
        raise InvalidInput("Ofsted is not marked as required for this review: leave the Ofsted date empty, or mark "
                           "Ofsted as required first.")
    if ofsted_sent_on is not None:
        ofsted_sent_on = check_step_date(ofsted_sent_on, "it was sent to Ofsted", as_of=as_of, not_before=submitted_on,
                                         not_before_what="the submission to the Panel")
    complete_report_milestone(session, actor, review, MilestoneKey.PANEL_SUBMISSION, submitted_on, as_of,
                              note="Completed by submitting the signed final version (Report page).")
    # What the Chair signed is what the Panel gets: the signed document, word for word, with its own version line
    # and the submission recorded in it (when, to whom).
    signed_data = bytes(signed.content)
    to_whom = "the National Panel" + (" and Ofsted" if ofsted_sent_on else "")
    submission = (f"to the National Panel on {submitted_on:%a %d %b %Y}"
                  + (f" and to Ofsted on {ofsted_sent_on:%a %d %b %Y}" if ofsted_sent_on else "")
                  + f", by {actor.display_name}. This is signed final version {signed.number} as the JCR Chair "
                  f"signed it, sent to {to_whom}.")
    details = (("Submitted to the National Panel", long_date(submitted_on)),
               *((("Sent to Ofsted", long_date(ofsted_sent_on)),) if ofsted_sent_on else ()))
    content = assemble(session, review, as_of=as_of)
    version = store_version(session, actor, review, state=SUBMITTED, content=content, step_date=submitted_on,
                            ofsted_sent_on=ofsted_sent_on,
                            make_data=lambda stamp: submitted_docx(signed_data, stamp, submission=submission,
                                                                   details=details))
    text = (f"Report submitted to the National Panel on {submitted_on:%d %b %Y}"
            + (f" and to Ofsted on {ofsted_sent_on:%d %b %Y}" if ofsted_sent_on else "")
            + f": version {version.number}, the signed final version {signed.number} as signed, with the "
            f"submission recorded in it (sha256 {version.sha256[:12]}).")
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.COMMUNICATION, text=text)
    return version_info(version)


@requires(Role.MANAGER, action="record the Panel's or Ofsted's response")
def record_responses(  # noqa: C901 - one check per rule of the panel's answers, each refused with its own sentence
    session: Session,
    actor: Account,
    *,
    review_id: int,
    panel_response_on: date | None = None,
    agrees_with_lcspr: bool | None = None,
    further_information_asked: bool | None = None,
    panel_notes: str = "",
    ofsted_response_on: date | None = None,
    as_of: date,
) -> ReportReview:
    """Record the Panel's response (date, agrees with the LCSPR decision or not, further information asked or not,
    notes), which closes the review, and/or Ofsted's, recorded whenever it comes, on an open or a closed review
    (an outstanding Ofsted response never holds the review open)."""
    review = locked_review(session, review_id)  # a closed review still takes Ofsted's response
    if review.submitted_to_panel_date is None:
        raise InvalidInput(f"The report of {review.case_reference} has not been submitted to the National Panel yet: "
                           "record the submission before any response.")
    if panel_response_on is None and ofsted_response_on is None:
        raise InvalidInput("Give the date of the Panel's response, or of Ofsted's.")
    submitted = review.submitted_to_panel_date
    if ofsted_response_on is not None:
        if not review.ofsted_required:
            raise InvalidInput("Ofsted is not marked as required for this review: leave Ofsted's response empty.")
        if review.ofsted_response_date is not None and review.ofsted_response_date != ofsted_response_on:
            raise InvalidInput(f"Ofsted's response was already recorded on {review.ofsted_response_date:%d %b %Y}.")
        sent = version_in_state(session, review.id, SUBMITTED)
        not_before = (sent.ofsted_sent_on if sent and sent.ofsted_sent_on else submitted)
        ofsted_response_on = check_step_date(ofsted_response_on, "of Ofsted's response", as_of=as_of,
                                             not_before=not_before, not_before_what="the report was sent to Ofsted")
    notes: str | None = None
    if panel_response_on is not None:
        if review.state == ReviewState.CLOSED:
            raise InvalidInput(f"The Panel's response to {review.case_reference} was already recorded on "
                               f"{review.panel_response_date:%d %b %Y}: the review is closed.")
        panel_response_on = check_step_date(panel_response_on, "of the Panel's response", as_of=as_of,
                                            not_before=submitted, not_before_what="the submission to the Panel")
        if agrees_with_lcspr is None:
            raise InvalidInput("Say whether the Panel agrees with the LCSPR decision (yes or no).")
        if further_information_asked is None:
            raise InvalidInput("Say whether the Panel asked for further information (yes or no).")
        notes = clean_text(panel_notes, label="note on the Panel's response", max_length=MAX_REASON_CHARS) or None
    if ofsted_response_on is not None and review.ofsted_response_date is None:
        review.ofsted_response_date = ofsted_response_on
        flush_or_stale(session, "This review", advice=TRY_AGAIN)
        append_system_entry(session, actor, review_id=review.id, category=LogCategory.COMMUNICATION,
                            text=f"Ofsted's response to the report received on {ofsted_response_on:%d %b %Y}.")
    if panel_response_on is not None and agrees_with_lcspr is not None and further_information_asked is not None:
        session.add(PanelResponse(review_id=review.id, received_on=panel_response_on,
                                  agrees_with_lcspr=agrees_with_lcspr,
                                  further_information_asked=further_information_asked, notes=notes,
                                  recorded_by_id=actor.id))
        session.flush()
        complete_report_milestone(session, actor, review, MilestoneKey.PANEL_RESPONSE, panel_response_on, as_of,
                                  note="Completed by recording the Panel's response (Report page).")
        details = ("agrees with" if agrees_with_lcspr else "does not agree with") + " the LCSPR decision; " + (
            "further information asked" if further_information_asked else "no further information asked")
        outstanding = (" Ofsted's response is outstanding; it is recorded when it comes."
                       if review.ofsted_required and review.ofsted_response_date is None else "")
        append_system_entry(
            session, actor, review_id=review.id, category=LogCategory.COMMUNICATION,
            text=f"The National Panel's response received on {panel_response_on:%d %b %Y}: review "
            f"{review.case_reference} closed. The Panel {details}." + (f" Notes: {notes}" if notes else "")
            + outstanding,
        )
    return review_info(review)


@requires(Role.MANAGER, action="say whether the report goes to Ofsted")
def set_ofsted_required(session: Session, actor: Account, *, review_id: int, required: bool,
                        expected_version: int | None = None) -> ReportReview:
    """Whether the report goes to Ofsted as well as the Panel (decided before the submission); `expected_version`
    is the review's version the page showed (None: not read, as the demo loader)."""
    review = review_for_write(session, review_id)
    check_version(review, expected_version, "This review",
                  advice="The page now shows whether the report goes to Ofsted: check it and save again.")
    refuse_when_submitted(review)
    if review.ofsted_required == required:
        raise InvalidInput("Nothing to save: that is already recorded.")
    review.ofsted_required = required
    flush_or_stale(session, "This review", advice=TRY_AGAIN)
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.DECISION,
                        text="The report goes to Ofsted as well as the National Panel." if required
                        else "The report does not go to Ofsted (only to the National Panel).")
    return review_info(review)
