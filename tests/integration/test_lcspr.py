"""The LCSPR on a real PostgreSQL (services/lcspr): starting it, each step recorded in order, the family's reason, the
decision not to publish, corrections, the refusals (wrong role, bad dates, blank text, a stale form, a NUL byte,
10,000 characters), the RAG and the live list, and the timescales as settings.

Hand-worked dates (default timescales: commission 20, terms 15, involvement 40, draft 20 before, 6 months,
copies 7 before, publication 30 working days):
- decided Wed 2 Dec 2026; reviewer due 20 working days later: Dec 3, 4, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 21, 22,
  23, 24 (16), (Fri 25, Mon 28 holidays) 29, 30, 31 (19), (Fri 1 Jan holiday) Mon 4 Jan 2027 (20) -> Mon 4 Jan 2027.
- final report due Wed 2 Jun 2027 (six months, a working day).
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review
from db.models_report import PanelResponse
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.lcspr import (
    LcsprStep,
    correct_lcspr_step,
    get_lcspr,
    list_live_lcsprs,
    record_family_not_involved,
    record_lcspr_step,
    record_not_published,
    start_lcspr,
)
from services.lcspr.reads import due_by, lcspr_due_steps
from services.rag import Rag
from services.report import record_lcspr_decision
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, withdraw_review
from services.settings import get_lcspr_timescales, update_lcspr_timescales
from tests.types import MakeAccount

RECEIVED = date(2026, 11, 30)  # Mon
DECIDED = date(2026, 12, 2)  # Wed
LATER = date(2027, 8, 2)  # every date below is before this "today"
S = LcsprStep


def _review(session: Session, officer: Account, *, decision: bool | None = True) -> Review:
    review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 27),
                         csc_aware_date=date(2026, 11, 27), notification_received_date=RECEIVED,
                         children=[ChildEntry("QZ", 6)], as_of=RECEIVED)
    if decision is not None:
        record_lcspr_decision(session, officer, review_id=review.id, expected_version=None, decision=decision,
                              reason="The criteria are met." if decision else "Not met.")
    return review


def _log(session: Session, review_id: int) -> list[str]:
    return list(session.scalars(select(LogEntry.text).where(LogEntry.review_id == review_id,
                                                            LogEntry.text.like("LCSPR:%")).order_by(LogEntry.id)))


def _step(session: Session, actor: Account, review_id: int, step: LcsprStep, on: date, **extra: str) -> int:
    version = get_lcspr(session, actor, review_id=review_id, as_of=LATER).version
    view = record_lcspr_step(session, actor, review_id=review_id, step=step, done_on=on, expected_version=version,
                             as_of=LATER, **extra)
    assert view.version is not None
    return view.version


@pytest.fixture
def started(session: Session, make_account: MakeAccount) -> tuple[Review, Account, Account]:
    officer, manager = make_account("officer"), make_account("manager")
    review = _review(session, officer)
    start_lcspr(session, manager, review_id=review.id, decided_on=DECIDED, as_of=DECIDED)
    return review, officer, manager


# ---------------------------------------------------------------- starting


def test_the_manager_converts_a_review_whose_decision_is_an_lcspr(session: Session, make_account: MakeAccount) -> None:
    officer, manager = make_account("officer"), make_account("manager")
    review = _review(session, officer)
    before = get_lcspr(session, officer, review_id=review.id, as_of=DECIDED)
    assert not before.started and before.start_refusal is None
    view = start_lcspr(session, manager, review_id=review.id, decided_on=DECIDED, as_of=DECIDED)
    assert view.started and view.decided_on == DECIDED and view.version == 1
    assert view.steps[0].due == date(2027, 1, 4)  # worked in the module's docstring
    assert view.steps[5].due == date(2027, 6, 2)
    assert all(s.rag is Rag.GREEN for s in view.steps)
    assert _log(session, review.id) == [f"LCSPR: review {review.case_reference} converted into a Local Child "
                                        "Safeguarding Practice Review, decided Wed 02 Dec 2026."]
    with pytest.raises(InvalidInput, match="already an LCSPR"):
        start_lcspr(session, manager, review_id=review.id, decided_on=DECIDED, as_of=DECIDED)


def test_only_the_manager_starts_it(session: Session, make_account: MakeAccount) -> None:
    officer = make_account("officer")
    review = _review(session, officer)
    for role in ("officer", "chair", "board", "admin"):
        with pytest.raises(NotAllowed):
            start_lcspr(session, make_account(role), review_id=review.id, decided_on=DECIDED, as_of=DECIDED)


def test_no_lcspr_without_the_decision_unless_the_panel_disagreed(session: Session,
                                                                  make_account: MakeAccount) -> None:
    officer, manager = make_account("officer"), make_account("manager")
    undecided, no = _review(session, officer, decision=None), _review(session, officer, decision=False)
    for review in (undecided, no):
        with pytest.raises(InvalidInput, match="has no decision to carry out an LCSPR"):
            start_lcspr(session, manager, review_id=review.id, decided_on=DECIDED, as_of=DECIDED)
    # The Panel's response disagrees with the "no": the LCSPR may start.
    session.add(PanelResponse(review_id=no.id, received_on=DECIDED, agrees_with_lcspr=False,
                              further_information_asked=False, recorded_by_id=manager.id))
    session.flush()
    assert start_lcspr(session, manager, review_id=no.id, decided_on=DECIDED, as_of=DECIDED).started


@pytest.mark.parametrize("decided_on, message", [
    (None, "Give the date of the decision"),
    (date(2026, 12, 3), "cannot be in the future"),
    (date(2026, 11, 27), "cannot be before the notification was received"),
])
def test_the_decision_date_is_checked(session: Session, make_account: MakeAccount, decided_on: date | None,
                                      message: str) -> None:
    review = _review(session, make_account("officer"))
    with pytest.raises(InvalidInput, match=message):
        start_lcspr(session, make_account("manager"), review_id=review.id, decided_on=decided_on, as_of=DECIDED)


def test_a_withdrawn_review_does_not_become_an_lcspr(session: Session, make_account: MakeAccount) -> None:
    officer, manager = make_account("officer"), make_account("manager")
    review = _review(session, officer)
    withdraw_review(session, manager, review_id=review.id, expected_version=None, reason="duplicate",
                    as_of=DECIDED)
    with pytest.raises(InvalidInput, match="withdrawn"):
        start_lcspr(session, manager, review_id=review.id, decided_on=DECIDED, as_of=DECIDED)


# ---------------------------------------------------------------- steps


def test_every_step_in_order_to_publication(session: Session, started: tuple[Review, Account, Account]) -> None:
    review, officer, manager = started
    _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 14), reviewer_name="Dr A Reviewer")
    _step(session, officer, review.id, S.TERMS_AGREED, date(2027, 1, 8))
    _step(session, officer, review.id, S.PRACTITIONERS_INVOLVED, date(2027, 2, 10))
    _step(session, manager, review.id, S.FAMILY_INVOLVED, date(2027, 2, 12))
    _step(session, officer, review.id, S.DRAFT_TO_PARTNERS, date(2027, 4, 30))
    _step(session, officer, review.id, S.FINAL_REPORT, date(2027, 5, 28))
    _step(session, officer, review.id, S.COPIES_SENT, date(2027, 6, 1))
    assert [x.review_id for x in list_live_lcsprs(session, officer, as_of=date(2027, 6, 2))] == [review.id]
    # Copies Tue 1 Jun + 7 working days: Wed 2, Thu 3, Fri 4, Mon 7, Tue 8, Wed 9, Thu 10 -> Thu 10 Jun.
    with pytest.raises(InvalidInput, match="Thu 10 Jun 2027 at the earliest"):
        _step(session, officer, review.id, S.PUBLISHED, date(2027, 6, 9),
              publication_address="https://demoshire.example/lcspr")
    with pytest.raises(InvalidInput, match="secure address starting with https://"):
        _step(session, officer, review.id, S.PUBLISHED, date(2027, 6, 10),
              publication_address="http://demoshire.example/lcspr")
    _step(session, officer, review.id, S.PUBLISHED, date(2027, 6, 10),
          publication_address="https://demoshire.example/lcspr")
    view = get_lcspr(session, officer, review_id=review.id, as_of=LATER)
    assert view.reviewer_name == "Dr A Reviewer" and view.publication_address == "https://demoshire.example/lcspr"
    assert all(s.rag is Rag.COMPLETE for s in view.steps) and view.rag is Rag.COMPLETE and view.finished
    assert list_live_lcsprs(session, officer, as_of=LATER) == []
    log = _log(session, review.id)
    assert len(log) == 9
    assert log[1] == "LCSPR: Reviewer commissioned recorded, done Mon 14 Dec 2026 (reviewer: Dr A Reviewer)."
    assert log[-1] == "LCSPR: Published recorded, done Thu 10 Jun 2027 at https://demoshire.example/lcspr."


def test_steps_out_of_order_in_the_future_or_before_the_decision_are_refused(
        session: Session, started: tuple[Review, Account, Account]) -> None:
    review, officer, _ = started
    with pytest.raises(InvalidInput, match="Record 'Reviewer commissioned' first"):
        _step(session, officer, review.id, S.TERMS_AGREED, date(2027, 1, 8))
    with pytest.raises(InvalidInput, match="cannot be before the decision"):
        _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 1), reviewer_name="A R")
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        record_lcspr_step(session, officer, review_id=review.id, step=S.REVIEWER_COMMISSIONED,
                          done_on=date(2026, 12, 10), expected_version=None, as_of=date(2026, 12, 9),
                          reviewer_name="A R")
    _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 14), reviewer_name="A R")
    with pytest.raises(InvalidInput, match="cannot be before 'Reviewer commissioned'"):
        _step(session, officer, review.id, S.TERMS_AGREED, date(2026, 12, 11))
    with pytest.raises(InvalidInput, match="already recorded on Mon 14 Dec 2026: correct it instead"):
        _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 15), reviewer_name="A R")
    with pytest.raises(InvalidInput, match="not a step of an LCSPR"):
        _step(session, officer, review.id, "reviewer_fired", date(2026, 12, 15))  # type: ignore[arg-type]


@pytest.mark.parametrize("name, message", [
    ("", "Give the reviewer's name"),
    ("   ", "Give the reviewer's name"),
    ("Dr A\x00Reviewer", "reviewer's name"),
    ("A" * 10_000, "at most 200"),
])
def test_the_reviewers_name_is_checked(session: Session, started: tuple[Review, Account, Account], name: str,
                                       message: str) -> None:
    review, officer, _ = started
    with pytest.raises(InvalidInput, match=message):
        _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 14), reviewer_name=name)


def test_markup_is_kept_as_text(session: Session, started: tuple[Review, Account, Account]) -> None:
    review, officer, _ = started
    _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 14),
          reviewer_name="<script>alert(1)</script>")
    assert get_lcspr(session, officer, review_id=review.id, as_of=LATER).reviewer_name == "<script>alert(1)</script>"


def test_only_case_writers_record_steps(session: Session, started: tuple[Review, Account, Account],
                                        make_account: MakeAccount) -> None:
    review, _, _ = started
    for role in ("chair", "board", "admin"):
        with pytest.raises(NotAllowed):
            record_lcspr_step(session, make_account(role), review_id=review.id, step=S.REVIEWER_COMMISSIONED,
                              done_on=date(2026, 12, 14), expected_version=None, as_of=LATER, reviewer_name="A R")
    for role in ("board", "admin"):
        with pytest.raises(NotAllowed):
            get_lcspr(session, make_account(role), review_id=review.id, as_of=LATER)


def test_two_people_saving_at_once_the_second_is_told(session: Session,
                                                      started: tuple[Review, Account, Account]) -> None:
    review, officer, manager = started
    version = get_lcspr(session, officer, review_id=review.id, as_of=LATER).version
    record_lcspr_step(session, officer, review_id=review.id, step=S.REVIEWER_COMMISSIONED, done_on=date(2026, 12, 14),
                      expected_version=version, as_of=LATER, reviewer_name="A R")
    with pytest.raises(StaleRecord, match="changed by someone else"):
        record_lcspr_step(session, manager, review_id=review.id, step=S.REVIEWER_COMMISSIONED,
                          done_on=date(2026, 12, 15), expected_version=version, as_of=LATER, reviewer_name="B R")


def test_the_family_involved_by_a_date_or_a_reason(session: Session,
                                                   started: tuple[Review, Account, Account]) -> None:
    review, officer, _ = started
    _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 14), reviewer_name="A R")
    _step(session, officer, review.id, S.TERMS_AGREED, date(2027, 1, 8))
    for reason, message in (("  ", "Give the reason"), ("\x00", "reason"), ("x" * 10_000, "at most 1,000")):
        with pytest.raises(InvalidInput, match=message):
            record_family_not_involved(session, officer, review_id=review.id, reason=reason, expected_version=None,
                                       as_of=LATER)
    view = record_family_not_involved(session, officer, review_id=review.id, reason="The family declined to take part.",
                                      expected_version=None, as_of=LATER)
    family = next(s for s in view.steps if s.step is S.FAMILY_INVOLVED)
    assert (family.rag, family.reason, family.done_on) == (Rag.COMPLETE, "The family declined to take part.", None)
    with pytest.raises(InvalidInput, match="already recorded"):
        _step(session, officer, review.id, S.FAMILY_INVOLVED, date(2027, 1, 9))
    assert _log(session, review.id)[-1] == "LCSPR: family not involved. Reason: The family declined to take part."


def test_a_report_not_published(session: Session, started: tuple[Review, Account, Account]) -> None:
    review, officer, manager = started
    with pytest.raises(InvalidInput, match="Record the final report first"):
        record_not_published(session, manager, review_id=review.id, reason="It would identify the child.",
                             expected_version=None, as_of=LATER)
    for step in (S.REVIEWER_COMMISSIONED, S.TERMS_AGREED, S.DRAFT_TO_PARTNERS, S.FINAL_REPORT):
        _step(session, officer, review.id, step, date(2027, 5, 28), reviewer_name="A R")
    with pytest.raises(NotAllowed):
        record_not_published(session, officer, review_id=review.id, reason="No.", expected_version=None, as_of=LATER)
    with pytest.raises(InvalidInput, match="Give the reason"):
        record_not_published(session, manager, review_id=review.id, reason=" ", expected_version=None, as_of=LATER)
    record_not_published(session, manager, review_id=review.id, reason="It would identify the child.",
                         expected_version=None, as_of=LATER)
    assert list_live_lcsprs(session, manager, as_of=LATER) == []


def test_a_corrected_date_with_its_reason(session: Session, started: tuple[Review, Account, Account]) -> None:
    review, officer, manager = started
    _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 14), reviewer_name="A R")
    _step(session, officer, review.id, S.TERMS_AGREED, date(2027, 1, 8))
    kwargs = dict(review_id=review.id, step=S.REVIEWER_COMMISSIONED, expected_version=None, as_of=LATER)
    with pytest.raises(NotAllowed):
        correct_lcspr_step(session, officer, corrected_on=date(2026, 12, 11), reason="Typo.", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="Give the reason for the correction"):
        correct_lcspr_step(session, manager, corrected_on=date(2026, 12, 11), reason="", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="nothing to correct"):
        correct_lcspr_step(session, manager, corrected_on=date(2026, 12, 14), reason="Typo.", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="cannot be after 'Terms of reference agreed'"):
        correct_lcspr_step(session, manager, corrected_on=date(2027, 1, 11), reason="Typo.", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="has no date recorded yet"):
        correct_lcspr_step(session, manager, review_id=review.id, step=S.FINAL_REPORT, corrected_on=date(2027, 1, 11),
                           reason="Typo.", expected_version=None, as_of=LATER)
    view = correct_lcspr_step(session, manager, corrected_on=date(2026, 12, 11), reason="Typed the wrong day.",
                              **kwargs)  # type: ignore[arg-type]
    assert view.steps[0].done_on == date(2026, 12, 11)
    assert _log(session, review.id)[-1] == ("LCSPR: Reviewer commissioned corrected from Mon 14 Dec 2026 to "
                                            "Fri 11 Dec 2026. Reason: Typed the wrong day.")


# ---------------------------------------------------------------- RAG, the live list, digests and feeds


def test_the_live_list_shows_the_lcspr_red_once_a_step_is_late(session: Session,
                                                                started: tuple[Review, Account, Account],
                                                                make_account: MakeAccount) -> None:
    review, _, _ = started
    chair = make_account("chair")
    # Reviewer due Mon 4 Jan 2027: amber on Thu 31 Dec (1 working day left: Fri 1 Jan is a holiday), red on Tue 5 Jan.
    [amber] = [x for x in list_live_lcsprs(session, chair, as_of=date(2026, 12, 31)) if x.review_id == review.id]
    assert (amber.stage, amber.rag, amber.next_title) == ("LCSPR", Rag.AMBER, "Reviewer commissioned")
    assert amber.why == "1 step due soon: Reviewer commissioned (Mon 04 Jan)"
    [red] = [x for x in list_live_lcsprs(session, chair, as_of=date(2027, 1, 5)) if x.review_id == review.id]
    assert red.rag is Rag.RED and red.why == "1 step overdue: Reviewer commissioned (Mon 04 Jan)"
    assert red.progress == "0 of 8 steps done"
    view = get_lcspr(session, chair, review_id=review.id, as_of=date(2027, 1, 5))
    assert view.steps[0].why == "Reviewer commissioned was due Mon 04 Jan 2027: 1 working day overdue."


def test_the_due_steps_for_digests_and_feeds(session: Session, started: tuple[Review, Account, Account]) -> None:
    review, officer, _ = started
    steps = [s for s in lcspr_due_steps(session, as_of=date(2027, 1, 4)) if s.review_id == review.id]
    assert len(steps) == 8 and not any(s.done for s in steps)
    assert [s.step for s in due_by(steps, date(2027, 1, 4))] == [S.REVIEWER_COMMISSIONED]
    _step(session, officer, review.id, S.REVIEWER_COMMISSIONED, date(2026, 12, 14), reviewer_name="A R")
    steps = [s for s in lcspr_due_steps(session, as_of=date(2027, 1, 4)) if s.review_id == review.id]
    assert steps[0].done and due_by(steps, date(2027, 1, 4)) == []


# ---------------------------------------------------------------- the timescales


def test_the_admin_changes_the_timescales_and_the_due_dates_follow(session: Session,
                                                                   started: tuple[Review, Account, Account],
                                                                   make_account: MakeAccount) -> None:
    review, officer, _ = started
    admin = make_account("admin")
    current = get_lcspr_timescales(session, admin)
    assert current.values["lcspr_completion_months"] == 6 and current.values["lcspr_copies_before_days"] == 7
    values = dict(current.values, lcspr_commission_days=5)
    update_lcspr_timescales(session, admin, values=values, expected_version=current.version)
    # Wed 2 Dec + 5 working days: Thu 3, Fri 4, Mon 7, Tue 8, Wed 9 -> Wed 9 Dec.
    assert get_lcspr(session, officer, review_id=review.id, as_of=DECIDED).steps[0].due == date(2026, 12, 9)
    entry = session.scalars(select(LogEntry.text).where(LogEntry.text.like("LCSPR timescales changed%"))).one()
    assert entry == "LCSPR timescales changed: Reviewer commissioned within 5."
    with pytest.raises(StaleRecord):
        update_lcspr_timescales(session, admin, values=dict(values, lcspr_terms_days=9),
                                expected_version=current.version)
    with pytest.raises(NotAllowed):
        update_lcspr_timescales(session, officer, values=values, expected_version=None)


@pytest.mark.parametrize("name, value, message", [
    ("lcspr_copies_before_days", 6, "between 7 and 60 working days"),
    ("lcspr_completion_months", 0, "between 1 and 24 months"),
    ("lcspr_commission_days", 121, "between 1 and 120 working days"),
    ("lcspr_publication_days", 5, "between 7 and 250"),
])
def test_timescales_out_of_range_are_refused(session: Session, make_account: MakeAccount, name: str, value: int,
                                             message: str) -> None:
    admin = make_account("admin")
    values = dict(get_lcspr_timescales(session, admin).values, **{name: value})
    with pytest.raises(InvalidInput, match=message):
        update_lcspr_timescales(session, admin, values=values, expected_version=None)


def test_publication_no_sooner_than_the_copies_notice(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    values = dict(get_lcspr_timescales(session, admin).values, lcspr_copies_before_days=20, lcspr_publication_days=10)
    with pytest.raises(InvalidInput, match="at least the copies' working days"):
        update_lcspr_timescales(session, admin, values=values, expected_version=None)
    with pytest.raises(InvalidInput, match="Nothing to save"):
        update_lcspr_timescales(session, admin, values=get_lcspr_timescales(session, admin).values,
                                expected_version=None)
