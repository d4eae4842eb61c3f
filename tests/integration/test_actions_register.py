"""The recommendations and actions register on a real PostgreSQL: each write and its daily log entry, every refusal
(role, dates, blank text, NUL byte, 10,000 characters, stale version, lifecycle order), the database's own refusals
(an action due before its recommendation; evidence never deleted or changed), and the register's filters, RAG and
counts by agency."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry
from db.models_after import ActionEvidence, ActionEvidenceDocument, ReviewAction
from services.actions import (
    RegisterFilters,
    accept_evidence,
    action_choices,
    action_evidence,
    action_register,
    add_action,
    add_recommendation,
    change_action,
    check_action_impact,
    edit_recommendation,
    evidence_document_file,
    give_evidence,
    review_recommendations,
    send_back_evidence,
    start_action,
)
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.rag import Rag
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, withdraw_review
from tests.types import MakeAccount

RECEIVED = date(2026, 11, 18)  # Wed
MADE = date(2026, 11, 25)  # Wed: the recommendation
TODAY = date(2026, 11, 26)  # Thu
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass
class World:
    session: Session
    officer: Account
    manager: Account
    chair: Account
    board: Account
    review_id: int
    police: Agency
    health: Agency
    recommendation_id: int


@pytest.fixture
def w(session: Session, make_account: MakeAccount) -> World:
    officer, manager = make_account("officer"), make_account("manager")
    chair, board = make_account("chair"), make_account("board")
    review = open_review(session, officer, notification_type="death", incident_date=date(2026, 11, 16),
                         csc_aware_date=date(2026, 11, 17), notification_received_date=RECEIVED,
                         children=[ChildEntry("AB", 4)], as_of=TODAY)
    police = Agency(name="Actions Police", kind="police", active=True)
    health = Agency(name="Actions Health", kind="health", active=True)
    session.add_all([police, health])
    session.flush()
    rec = add_recommendation(session, officer, review_id=review.id, source="rapid_review",
                             text="Share the learning on bruising in non-mobile babies.", made_on=MADE, as_of=TODAY)
    return World(session, officer, manager, chair, board, review.id, police, health, rec)


def _action(w: World, *, due: date = date(2026, 12, 10), owner: Account | None = None,
            agency: Agency | None = None, impact: date | None = date(2027, 3, 1)) -> int:
    return add_action(w.session, w.officer, recommendation_id=w.recommendation_id, agency_id=(agency or w.police).id,
                      owner_account_id=owner.id if owner else None, owner_name=None if owner else "J Smith",
                      owner_email=None if owner else "j.smith@police.example", description="Brief every team.",
                      due_on=due, impact_check_on=impact)


def _version(w: World, action_id: int) -> int:
    w.session.expire_all()
    return w.session.get_one(ReviewAction, action_id).version


def _last_log(w: World) -> str:
    return w.session.scalars(select(LogEntry.text).order_by(LogEntry.id.desc())).first() or ""


# ---------------------------------------------------------------- recommendations


def test_a_recommendation_is_added_and_logged(w: World) -> None:
    recs = review_recommendations(w.session, w.chair, review_id=w.review_id, as_of=TODAY)
    assert [(r.source_label, r.text, r.made_on) for r in recs] == [
        ("Rapid Review report", "Share the learning on bruising in non-mobile babies.", MADE)]
    assert _last_log(w).startswith(f"Recommendation {w.recommendation_id} added (Rapid Review report, made 25 Nov")


@pytest.mark.parametrize("kwargs, message", [
    (dict(made_on=date(2026, 11, 27)), "in the future"),
    (dict(made_on=date(2026, 11, 17)), "before the notification was received"),
    (dict(text="  "), "Give the recommendation"),
    (dict(text="a\x00b"), "hidden control character"),
    (dict(text="x" * 10_000), "at most 2,000"),
    (dict(source="gossip"), "Choose where the recommendation comes from"),
])
def test_recommendation_refusals(w: World, kwargs: dict[str, object], message: str) -> None:
    call: dict[str, object] = dict(review_id=w.review_id, source="lcspr", text="Text.", made_on=MADE, as_of=TODAY)
    call.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        add_recommendation(w.session, w.officer, **call)  # type: ignore[arg-type]


def test_script_text_is_stored_as_typed(w: World) -> None:
    rec = add_recommendation(w.session, w.manager, review_id=w.review_id, source="panel_response",
                             text="<script>alert(1)</script>", made_on=TODAY, as_of=TODAY)
    assert [r.text for r in review_recommendations(w.session, w.officer, review_id=w.review_id, as_of=TODAY)
            if r.id == rec] == ["<script>alert(1)</script>"]


def test_editing_a_recommendation_checks_the_version(w: World) -> None:
    edit_recommendation(w.session, w.manager, recommendation_id=w.recommendation_id, expected_version=1,
                        text="Share the learning widely.")
    assert "edited: was \"Share the learning on bruising" in _last_log(w)
    with pytest.raises(StaleRecord, match="changed by someone else"):
        edit_recommendation(w.session, w.officer, recommendation_id=w.recommendation_id, expected_version=1,
                            text="Another text.")
    with pytest.raises(InvalidInput, match="unchanged"):
        edit_recommendation(w.session, w.officer, recommendation_id=w.recommendation_id, expected_version=2,
                            text="Share the learning widely.")


def test_the_board_and_the_chair_may_not_add(w: World) -> None:
    for who in (w.board, w.chair):
        with pytest.raises(NotAllowed):
            add_recommendation(w.session, who, review_id=w.review_id, source="lcspr", text="T.", made_on=MADE,
                               as_of=TODAY)
    with pytest.raises(NotAllowed):
        action_register(w.session, w.board, filters=RegisterFilters(), as_of=TODAY)


def test_a_withdrawn_review_takes_no_recommendation(w: World) -> None:
    withdraw_review(w.session, w.manager, review_id=w.review_id, expected_version=None, reason="duplicate",
                    as_of=TODAY)
    with pytest.raises(InvalidInput, match="withdrawn"):
        add_recommendation(w.session, w.officer, review_id=w.review_id, source="lcspr", text="T.", made_on=MADE,
                           as_of=TODAY)


# ---------------------------------------------------------------- actions


def test_an_action_is_added_with_a_named_contact_and_logged(w: World) -> None:
    action_id = _action(w)
    assert _last_log(w) == (f"Action {action_id} added to recommendation {w.recommendation_id}: Actions Police, owner "
                            "J Smith (j.smith@police.example), due 10 Dec 2026, impact to check from 01 Mar 2027: "
                            "\"Brief every team.\".")
    row = action_register(w.session, w.officer, filters=RegisterFilters(review_id=w.review_id), as_of=TODAY).rows[0]
    assert (row.owner, row.status_label, row.rag, row.overdue) == (
        "J Smith (j.smith@police.example)", "Not started", Rag.GREEN, False)


@pytest.mark.parametrize("kwargs, message", [
    (dict(due_on=date(2026, 11, 24)), "cannot be due before its recommendation was made"),
    (dict(impact_check_on=date(2026, 12, 9)), "on or after the due date"),
    (dict(description=" "), "Give the action"),
    (dict(description="x" * 10_000), "at most 2,000"),
    (dict(owner_name=None, owner_email=None), "Give the action's owner"),
    (dict(agency_id=None), "Choose the owning agency"),
])
def test_action_refusals(w: World, kwargs: dict[str, object], message: str) -> None:
    call: dict[str, object] = dict(recommendation_id=w.recommendation_id, agency_id=w.police.id,
                                   owner_account_id=None, owner_name="J Smith", owner_email=None,
                                   description="Brief.", due_on=date(2026, 12, 10), impact_check_on=None)
    call.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        add_action(w.session, w.officer, **call)  # type: ignore[arg-type]


def test_an_inactive_agency_or_a_board_account_cannot_own(w: World) -> None:
    w.health.active = False
    w.session.flush()
    with pytest.raises(InvalidInput, match="active agencies"):
        _action(w, agency=w.health)
    with pytest.raises(InvalidInput, match="active account of a Partnership Manager, officer or JCR Chair"):
        _action(w, owner=w.board)
    choices = action_choices(w.session, w.officer)
    assert w.health.id not in [c.id for c in choices.agencies]
    assert w.board.id not in [c.id for c in choices.owners] and w.chair.id in [c.id for c in choices.owners]


def test_the_database_refuses_an_action_due_before_its_recommendation(w: World) -> None:
    action_id = _action(w)
    with pytest.raises(DBAPIError, match="due on or after its recommendation was made"), w.session.begin_nested():
        w.session.execute(update(ReviewAction).where(ReviewAction.id == action_id)
                          .values(due_on=date(2026, 11, 1)))


def test_changing_the_due_date_and_owner_needs_a_reason_and_the_version(w: World) -> None:
    action_id = _action(w)
    kwargs: dict[str, object] = dict(action_id=action_id, due_on=date(2027, 1, 8), impact_check_on=date(2027, 3, 1),
                                     owner_account_id=w.officer.id, owner_name=None, owner_email=None)
    with pytest.raises(InvalidInput, match="Give the reason for the change"):
        change_action(w.session, w.officer, expected_version=1, reason=" ", **kwargs)  # type: ignore[arg-type]
    change_action(w.session, w.officer, expected_version=1, reason="Training moved.", **kwargs)  # type: ignore[arg-type]
    assert _last_log(w) == (f"Action {action_id} changed: due 10 Dec 2026 -> 08 Jan 2027; owner J Smith "
                            f"(j.smith@police.example) -> {w.officer.display_name}. Reason: Training moved.")
    with pytest.raises(StaleRecord):
        change_action(w.session, w.manager, expected_version=1, reason="Again.", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="Nothing changed"):
        change_action(w.session, w.manager, expected_version=2, reason="Again.", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="cannot be due before its recommendation"):
        change_action(w.session, w.manager, expected_version=2, reason="Again.",
                      **{**kwargs, "due_on": date(2026, 11, 20)})  # type: ignore[arg-type]


# ---------------------------------------------------------------- lifecycle


def test_the_whole_lifecycle_with_a_send_back(w: World) -> None:
    action_id = _action(w, owner=w.chair)
    start_action(w.session, w.chair, action_id=action_id, expected_version=1)  # the owner, a Chair
    with pytest.raises(InvalidInput, match="evidence needs text"):
        give_evidence(w.session, w.chair, action_id=action_id, expected_version=2, evidence=" ", as_of=TODAY)
    give_evidence(w.session, w.chair, action_id=action_id, expected_version=2, evidence="Briefings held.",
                  documents=[("briefing.pdf", PDF)], as_of=TODAY)
    assert _last_log(w).startswith(f"Evidence round 1 given for action {action_id} (done), with briefing.pdf")
    with pytest.raises(NotAllowed, match="Only a Partnership Manager may accept"):
        accept_evidence(w.session, w.officer, action_id=action_id, expected_version=3, as_of=TODAY)
    with pytest.raises(InvalidInput, match="once the evidence is accepted"):
        check_action_impact(w.session, w.manager, action_id=action_id, expected_version=3, finding="F.",
                            as_of=date(2027, 3, 1))
    with pytest.raises(InvalidInput, match="Give the reason for sending the evidence back"):
        send_back_evidence(w.session, w.manager, action_id=action_id, expected_version=3, reason="", as_of=TODAY)
    send_back_evidence(w.session, w.manager, action_id=action_id, expected_version=3, reason="No attendance list.",
                       as_of=TODAY)
    assert "sent back (in progress again). Reason: No attendance list." in _last_log(w)
    row = action_register(w.session, w.officer, filters=RegisterFilters(), as_of=TODAY).rows[0]
    assert row.status == "in_progress"
    give_evidence(w.session, w.officer, action_id=action_id, expected_version=4, evidence="List attached.",
                  as_of=date(2026, 12, 1))
    accept_evidence(w.session, w.manager, action_id=action_id, expected_version=5, as_of=date(2026, 12, 2))
    rounds = action_evidence(w.session, w.chair, action_id=action_id)
    assert [(r.round, r.outcome, r.outcome_reason, len(r.documents)) for r in rounds] == [
        (1, "sent back", "No attendance list.", 1), (2, "accepted", None, 0)]
    assert evidence_document_file(w.session, w.officer, document_id=rounds[0].documents[0].id).data == PDF
    with pytest.raises(InvalidInput, match="set for Mon 01 Mar 2027"):
        check_action_impact(w.session, w.manager, action_id=action_id, expected_version=6, finding="F.",
                            as_of=date(2027, 2, 26))
    with pytest.raises(InvalidInput, match="Give the impact finding"):
        check_action_impact(w.session, w.manager, action_id=action_id, expected_version=6, finding=" ",
                            as_of=date(2027, 3, 1))
    with pytest.raises(NotAllowed):
        check_action_impact(w.session, w.officer, action_id=action_id, expected_version=6, finding="F.",
                            as_of=date(2027, 3, 1))
    check_action_impact(w.session, w.manager, action_id=action_id, expected_version=6,
                        finding="Audit: every team briefed.", as_of=date(2027, 3, 1))
    assert _last_log(w) == f"Impact of action {action_id} checked: Audit: every team briefed."
    checked = action_register(w.session, w.chair, filters=RegisterFilters(impact_checked_only=True),
                              as_of=date(2027, 3, 1)).rows
    assert [(r.id, r.impact_finding) for r in checked] == [(action_id, "Audit: every team briefed.")]


def test_only_the_owner_among_chairs_may_give_evidence(w: World) -> None:
    action_id = _action(w)  # a named contact owns it
    with pytest.raises(NotAllowed, match="action's owner"):
        give_evidence(w.session, w.chair, action_id=action_id, expected_version=1, evidence="Done.", as_of=TODAY)
    with pytest.raises(NotAllowed):
        give_evidence(w.session, w.board, action_id=action_id, expected_version=1, evidence="Done.", as_of=TODAY)


def test_evidence_refusals(w: World) -> None:
    action_id = _action(w)
    with pytest.raises(InvalidInput, match="not a PDF or a Word document"):
        give_evidence(w.session, w.officer, action_id=action_id, expected_version=1, evidence="Done.",
                      documents=[("x.pdf", b"MZ not a pdf")], as_of=TODAY)
    with pytest.raises(InvalidInput, match="hidden control character"):
        give_evidence(w.session, w.officer, action_id=action_id, expected_version=1, evidence="Do\x00ne",
                      as_of=TODAY)
    with pytest.raises(InvalidInput, match="at most 10,000"):
        give_evidence(w.session, w.officer, action_id=action_id, expected_version=1, evidence="x" * 10_001,
                      as_of=TODAY)
    with pytest.raises(StaleRecord):
        give_evidence(w.session, w.officer, action_id=action_id, expected_version=7, evidence="Done.", as_of=TODAY)
    give_evidence(w.session, w.officer, action_id=action_id, expected_version=1, evidence="Done.", as_of=TODAY)
    with pytest.raises(InvalidInput, match="Evidence is given for an action not started or in progress"):
        give_evidence(w.session, w.officer, action_id=action_id, expected_version=2, evidence="More.", as_of=TODAY)
    with pytest.raises(InvalidInput, match="Only an action not yet started"):
        start_action(w.session, w.officer, action_id=action_id, expected_version=2)


def test_the_database_keeps_evidence_as_it_was_given(w: World) -> None:
    action_id = _action(w)
    give_evidence(w.session, w.officer, action_id=action_id, expected_version=1, evidence="Done.",
                  documents=[("a.pdf", PDF)], as_of=TODAY)
    with pytest.raises(DBAPIError, match=r"permission denied|never deleted"), w.session.begin_nested():
        w.session.execute(delete(ActionEvidence).where(ActionEvidence.action_id == action_id))
    with pytest.raises(DBAPIError, match="kept as it was given"), w.session.begin_nested():
        w.session.execute(update(ActionEvidence).where(ActionEvidence.action_id == action_id)
                          .values(evidence="Rewritten."))
    with pytest.raises(DBAPIError, match=r"permission denied|kept as they were given"), w.session.begin_nested():
        w.session.execute(delete(ActionEvidenceDocument))
    with pytest.raises(DBAPIError, match="kept as they were given"), w.session.begin_nested():
        w.session.execute(update(ActionEvidenceDocument).values(file_name="renamed.pdf"))
    accept_evidence(w.session, w.manager, action_id=action_id, expected_version=2, as_of=TODAY)
    with pytest.raises(DBAPIError, match="has its outcome"), w.session.begin_nested():
        w.session.execute(update(ActionEvidence).where(ActionEvidence.action_id == action_id)
                          .values(outcome="sent back", outcome_reason="Changed my mind."))
    assert w.session.scalar(select(func.count()).select_from(ActionEvidence)
                            .where(ActionEvidence.action_id == action_id)) == 1
    assert w.session.execute(text("SELECT 1")).scalar() == 1


# ---------------------------------------------------------------- the register


def test_the_register_answers_overdue_by_agency(w: World) -> None:
    late = _action(w, due=date(2026, 11, 25), impact=None)  # due Wed 25 Nov: overdue on Thu 26
    today = _action(w, due=TODAY, agency=w.health, impact=None)  # due today: amber, not overdue
    # Due Fri 27 Nov: working days after Thu 26 up to Fri 27: 1 -> amber.
    tomorrow = _action(w, due=date(2026, 11, 27), agency=w.health, impact=None)
    # Due Tue 1 Dec: Fri 27, Mon 30, Tue 1 -> 3 -> green.
    later = _action(w, due=date(2026, 12, 1), impact=None)
    give_evidence(w.session, w.officer, action_id=later, expected_version=1, evidence="Done early.", as_of=TODAY)
    accept_evidence(w.session, w.manager, action_id=later, expected_version=2, as_of=TODAY)
    register = action_register(w.session, w.officer, filters=RegisterFilters(), as_of=TODAY)
    assert [(r.id, r.rag) for r in register.rows] == [
        (late, Rag.RED), (today, Rag.AMBER), (tomorrow, Rag.AMBER), (later, Rag.COMPLETE)]
    assert register.rows[0].why == "Overdue: it was due Wed 25 Nov 2026, before today."
    assert [(c.agency, c.actions, c.overdue, c.done_on_time, c.evidenced, c.impact_checked)
            for c in register.by_agency] == [("Actions Health", 2, 0, 0, 0, 0), ("Actions Police", 2, 1, 1, 1, 0)]
    overdue = action_register(w.session, w.chair, filters=RegisterFilters(overdue_only=True), as_of=TODAY)
    assert [r.id for r in overdue.rows] == [late]
    health = action_register(w.session, w.chair, filters=RegisterFilters(agency_id=w.health.id), as_of=TODAY)
    assert [r.id for r in health.rows] == [today, tomorrow]
    accepted = action_register(w.session, w.chair, filters=RegisterFilters(status="evidence_accepted"), as_of=TODAY)
    assert [r.id for r in accepted.rows] == [later]
    recs = review_recommendations(w.session, w.chair, review_id=w.review_id, as_of=TODAY)
    assert [a.id for a in recs[0].actions] == [late, today, tomorrow, later]
