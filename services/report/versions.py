"""What the report's steps share (services.report.service up to the sign-off, services.report.panel after it): the
review locked for a step, the refusal once submitted, storing the next version, and completing a report milestone
(the versions in a state and the sign-off in force are reads: services.report.reads)."""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from db.enums import ReviewState
from db.models import Account, Review
from db.models_report import ReportVersion
from services.errors import InvalidInput
from services.milestones import complete_milestone, refuse_if_withdrawn
from services.report.content import ReportContent, fingerprint
from services.report.rules import SENT_TO_CHAIR, STATE_LABELS, file_name_for
from services.report.word import VersionStamp, build_report_docx

TRY_AGAIN = "Reload and try again."


def locked_review(session: Session, review_id: int) -> Review:
    """The review, locked for this transaction and read fresh: report steps and version numbers of one review
    queue."""
    review = session.scalars(
        select(Review).where(Review.id == review_id).options(selectinload(Review.children),
                                                              selectinload(Review.milestones))
        .with_for_update(of=Review).execution_options(populate_existing=True)
    ).first()
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    return review


def review_for_write(session: Session, review_id: int) -> Review:
    """The review, locked (locked_review), refused when it is closed."""
    review = locked_review(session, review_id)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if review.state == ReviewState.CLOSED:
        raise InvalidInput(f"Review {review.case_reference} is closed: its report can no longer be changed.")
    return review


def refuse_when_submitted(review: Review) -> None:
    if review.state == ReviewState.SUBMITTED:
        raise InvalidInput(f"The report of {review.case_reference} was already submitted to the National Panel on "
                           f"{review.submitted_to_panel_date:%d %b %Y}.")


def store_version(
    session: Session,
    actor: Account,
    review: Review,
    *,
    state: str,
    content: ReportContent,
    step_date: date | None = None,
    ofsted_sent_on: date | None = None,
    make_data: Callable[[VersionStamp], bytes] | None = None,
    created_at: datetime | None = None,
) -> ReportVersion:
    """Make the next version of the review's report (the review row is locked by the caller) and log it. Its file
    is `content` built as Word, or what `make_data` makes with the version's stamp (the submitted version). A
    version sent to the Chair says the date it is sent (the content, assembled before it is stored, has the
    previous sending's)."""
    number = (session.scalar(select(func.max(ReportVersion.number)).where(ReportVersion.review_id == review.id))
              or 0) + 1
    made = (created_at or datetime.now(UTC)).replace(microsecond=0)
    if state == SENT_TO_CHAIR and step_date is not None:
        content = dataclasses.replace(content, sent_to_chair_on=step_date)
    stamp = VersionStamp(number, STATE_LABELS[state], made, actor.display_name)
    data = build_report_docx(content, stamp) if make_data is None else make_data(stamp)
    version = ReportVersion(
        review_id=review.id, number=number, state=state, step_date=step_date, ofsted_sent_on=ofsted_sent_on,
        created_at=made, created_by_id=actor.id, created_by_name=actor.display_name,
        file_name=file_name_for(review.case_reference, number, state), content=data, size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), content_fingerprint=fingerprint(content),
    )
    session.add(version)
    session.flush()
    return version


def complete_report_milestone(session: Session, actor: Account, review: Review, key: str, done_on: date,
                              as_of: date, note: str) -> None:
    """Complete the report milestone through the milestone core (the step's own checks are done); one already
    done keeps its date."""
    milestone = next((m for m in review.milestones if m.key == key), None)
    if milestone is None or milestone.done_date is not None:
        return
    complete_milestone(session, actor, milestone_id=milestone.id, done_on=done_on, as_of=as_of, note=note)
