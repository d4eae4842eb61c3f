"""What every step on an agency return does before and after its own rule: load the return (and its review) locked
for writing, refuse a stale save or a step out of order with a sentence, flush the change, and append the step's
daily log entry. The steps themselves are services.returns.service and services.returns.chasing."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.enums import LogCategory, ReviewState
from db.models import Account, Review
from db.models_returns import AgencyReturn
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.milestones import refuse_if_withdrawn
from services.returns.rules import Stage, return_stage

# A stale save on a return may no longer be needed: the other person may have recorded the same step.
RECHECK_RETURN = "The page now shows the saved values: check them and make your change again if it is still needed."
RELOAD_RETURN = "Reload the page and make your change again if it is still needed."


def load_review_for_write(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if review.state == ReviewState.CLOSED:
        raise InvalidInput(f"Review {review.case_reference} is closed: its returns can no longer be changed.")
    return review


def load_return_for_write(session: Session, return_id: int) -> AgencyReturn:
    """The return, locked for this transaction and read fresh (a concurrent save waits, then sees the change)."""
    ret = session.scalars(
        select(AgencyReturn).where(AgencyReturn.id == return_id).options(joinedload(AgencyReturn.agency))
        .with_for_update(of=AgencyReturn).execution_options(populate_existing=True)
    ).first()
    if ret is None:
        raise InvalidInput("That return does not exist. Reload the page.")
    load_review_for_write(session, ret.review_id)
    return ret


def record_name(ret: AgencyReturn) -> str:
    return f"The return from {ret.agency.name}"


def refuse_if_stale(ret: AgencyReturn, expected_version: int | None) -> None:
    """Refuse a save made against an older version of the return."""
    check_version(ret, expected_version, record_name(ret), advice=RECHECK_RETURN)


def review_of(session: Session, ret: AgencyReturn) -> Review:
    review = session.get(Review, ret.review_id)
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    return review


def flush_return(session: Session, ret: AgencyReturn) -> None:
    """Flush the return's change; a save racing with ours is refused."""
    flush_or_stale(session, record_name(ret), advice=RELOAD_RETURN)


def log_return_entry(
    session: Session, actor: Account, ret: AgencyReturn, category: LogCategory, text: str, **extra: Any
) -> None:
    """Append the daily log entry of a step on one return."""
    append_system_entry(session, actor, review_id=ret.review_id, category=category, text=text,
                        agency_return_id=ret.id, **extra)


def refuse_if_ended(ret: AgencyReturn) -> None:
    """A return closed as "no return" or "withdrawn" takes no more steps (its summary and filing excepted)."""
    if ret.ended_as is not None:
        raise InvalidInput(
            f"The return from {ret.agency.name} was closed as '{ret.ended_as}' on {ret.ended_on:%d %b %Y}; "
            "nothing more can be recorded on it."
        )


def refuse_unless_stage(ret: AgencyReturn, wanted: Sequence[Stage], action: str) -> None:
    """A step out of order gets a sentence saying what must come first."""
    stage = return_stage(ret)
    if stage in wanted:
        return
    name = ret.agency.name
    refuse_if_ended(ret)
    if stage is Stage.AWAITING:
        raise InvalidInput(f"The return from {name} has not been received yet: record its receipt before {action}.")
    if stage is Stage.SENT_BACK:
        raise InvalidInput(
            f"The return from {name} was sent back on {ret.sent_back_date:%d %b %Y}: record the resubmission "
            f"before {action}."
        )
    if stage is Stage.RECEIVED:
        raise InvalidInput(f"The initial quality check of the return from {name} must be recorded before {action}.")
    if stage is Stage.CHECKED:
        raise InvalidInput(
            f"The return from {name} was already checked on {ret.initial_check_date:%d %b %Y}; it is waiting for "
            "the Partnership Manager's final QA."
        )
    raise InvalidInput(f"The return from {name} was already accepted on {ret.final_qa_date:%d %b %Y}.")
