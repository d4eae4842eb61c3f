"""An agency's private link to its own actions of a review, on a real PostgreSQL: issued, reissued and revoked by
the Partnership (the token returned once, only its hash kept); opening it shows only that agency's actions of that
review; evidence given through it is a round with no account, logged in the issuer's name; the link stops when
revoked, past its last day, or when every action of the agency has its evidence accepted; and every token that opens
nothing gets the one identical LinkNotFound."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry
from db.models_after import ActionEvidence, ActionEvidenceDocument, AgencyActionLink, ReviewAction
from services.actions import (
    accept_evidence,
    add_action,
    add_recommendation,
    agency_action_links,
    give_evidence_through_link,
    issue_agency_action_link,
    open_agency_actions,
    reissue_agency_action_link,
    revoke_agency_action_link,
    send_back_evidence,
)
from services.agency_exchange import LinkNotFound
from services.agency_exchange.rules import token_hash
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, withdraw_review
from tests.types import MakeAccount

RECEIVED = date(2026, 11, 18)  # Wed
MADE = date(2026, 11, 25)  # Wed
TODAY = date(2026, 11, 26)  # Thu
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@dataclass
class World:
    session: Session
    officer: Account
    manager: Account
    chair: Account
    review_id: int
    police: Agency
    health: Agency
    police_actions: tuple[int, int]
    health_action: int


@pytest.fixture
def w(session: Session, make_account: MakeAccount) -> World:
    officer, manager, chair = make_account("officer"), make_account("manager"), make_account("chair")
    review = open_review(session, officer, notification_type="death", incident_date=date(2026, 11, 16),
                         csc_aware_date=date(2026, 11, 17), notification_received_date=RECEIVED,
                         children=[ChildEntry("QZ", 4)], as_of=TODAY)
    police = Agency(name="Link Police", kind="police", active=True)
    health = Agency(name="Link Health", kind="health", active=True)
    session.add_all([police, health])
    session.flush()
    rec = add_recommendation(session, officer, review_id=review.id, source="rapid_review",
                             text="Share the learning on bruising.", made_on=MADE, as_of=TODAY)

    def action(agency: Agency, description: str, due: date, owner: str) -> int:
        return add_action(session, officer, recommendation_id=rec, agency_id=agency.id, owner_account_id=None,
                          owner_name=owner, owner_email=None, description=description, due_on=due,
                          impact_check_on=None)

    # Police's latest due date Thu 10 Dec 2026.
    police_actions = (action(police, "Brief every response team.", date(2026, 12, 3), "P Owner"),
                      action(police, "Audit bruising referrals.", date(2026, 12, 10), "P Auditor"))
    health_action = action(health, "Train health visitors.", date(2026, 12, 17), "H Secret Owner")
    return World(session, officer, manager, chair, review.id, police, health, police_actions, health_action)


def _issue(w: World) -> str:
    return issue_agency_action_link(w.session, w.officer, review_id=w.review_id, agency_id=w.police.id,
                                    as_of=TODAY).token


def test_issuing_returns_the_token_once_and_keeps_only_its_hash(w: World) -> None:
    issued = issue_agency_action_link(w.session, w.officer, review_id=w.review_id, agency_id=w.police.id,
                                      as_of=TODAY)
    # Latest police due date Thu 10 Dec 2026 + 10 working days: Fri 11 (1), Mon 14 (2), Tue 15 (3), Wed 16 (4),
    # Thu 17 (5), Fri 18 (6), Mon 21 (7), Tue 22 (8), Wed 23 (9), Thu 24 (10) -> Thu 24 Dec 2026.
    assert issued.expires_on == date(2026, 12, 24)
    row = w.session.get(AgencyActionLink, issued.link_id)
    assert row is not None and row.token_hash == token_hash(issued.token) and issued.token not in row.token_hash
    assert row.issued_by_id == w.officer.id and row.agency_id == w.police.id
    entry = w.session.scalars(select(LogEntry).where(LogEntry.review_id == w.review_id)
                              .order_by(LogEntry.id.desc())).first()
    assert entry is not None and f"Action link {issued.link_id} issued to Link Police" in entry.text
    assert issued.token not in entry.text
    with pytest.raises(InvalidInput, match="already has a live action link"):
        _issue(w)


def test_opening_shows_only_that_agencys_actions_of_that_review(w: World) -> None:
    page = open_agency_actions(w.session, token=_issue(w), as_of=TODAY)
    assert page.agency_name == "Link Police"
    assert [a.id for a in page.actions] == list(w.police_actions)
    assert [a.description for a in page.actions] == ["Brief every response team.", "Audit bruising referrals."]
    assert all(a.may_give_evidence and a.status_label == "Not started" for a in page.actions)
    shown = repr(page)
    for hidden in ("QZ", "Link Health", "H Secret Owner", "P Owner", "P Auditor", "Train health visitors."):
        assert hidden not in shown
    review_ref = page.outside_reference
    assert review_ref.endswith(f"no. {w.review_id}")


def test_evidence_through_the_link_is_a_round_with_no_account_logged_in_the_issuers_name(w: World) -> None:
    token = _issue(w)
    first = w.police_actions[0]
    number = give_evidence_through_link(w.session, token=token, action_id=first, expected_version=1,
                                        evidence="All teams briefed on 1 December.",
                                        documents=[("briefing.docx.pdf", PDF)], as_of=TODAY)
    assert number == 1
    round_ = w.session.scalars(select(ActionEvidence).where(ActionEvidence.action_id == first)).one()
    assert round_.given_through_link and round_.given_by_id is None and round_.given_on == TODAY
    doc = w.session.scalars(select(ActionEvidenceDocument).where(ActionEvidenceDocument.evidence_id == round_.id)).one()
    assert doc.file_name == "briefing.docx.pdf" or doc.file_name.endswith(".pdf")
    action = w.session.get(ReviewAction, first)
    assert action is not None and action.status == "done"
    entry = w.session.scalars(select(LogEntry).where(LogEntry.review_id == w.review_id)
                              .order_by(LogEntry.id.desc())).first()
    assert entry is not None and entry.author_id == w.officer.id
    assert "by Link Police through its action link" in entry.text and token not in entry.text
    page = open_agency_actions(w.session, token=token, as_of=TODAY)
    shown = {a.id: a for a in page.actions}
    assert not shown[first].may_give_evidence and shown[first].status_label == "Done (evidence given)"
    assert [(r.round, r.outcome) for r in shown[first].rounds] == [(1, "Waiting for the Partnership")]
    # The Manager sends it back: the agency sees the reason and may give evidence again.
    send_back_evidence(w.session, w.manager, action_id=first, expected_version=None,
                       reason="Give the dates of each briefing.", as_of=TODAY)
    again = {a.id: a for a in open_agency_actions(w.session, token=token, as_of=TODAY).actions}[first]
    assert again.may_give_evidence
    assert [(r.outcome, r.reason) for r in again.rounds] == [("Sent back", "Give the dates of each briefing.")]


def test_the_agency_is_refused_what_is_not_its_own_or_not_right(w: World) -> None:
    token = _issue(w)
    first = w.police_actions[0]
    with pytest.raises(InvalidInput, match="not one of those on this page"):
        give_evidence_through_link(w.session, token=token, action_id=w.health_action, expected_version=None,
                                   evidence="Not ours.", as_of=TODAY)
    with pytest.raises(InvalidInput):
        give_evidence_through_link(w.session, token=token, action_id=first, expected_version=None,
                                   evidence="   ", as_of=TODAY)
    with pytest.raises(InvalidInput):
        give_evidence_through_link(w.session, token=token, action_id=first, expected_version=None,
                                   evidence="bad\x00byte", as_of=TODAY)
    with pytest.raises(InvalidInput):
        give_evidence_through_link(w.session, token=token, action_id=first, expected_version=None,
                                   evidence="x" * 10_001, as_of=TODAY)
    with pytest.raises(InvalidInput, match="not a PDF or a Word document"):
        give_evidence_through_link(w.session, token=token, action_id=first, expected_version=None,
                                   evidence="Done.", documents=[("report.pdf", EXE)], as_of=TODAY)
    with pytest.raises(StaleRecord):
        give_evidence_through_link(w.session, token=token, action_id=first, expected_version=99,
                                   evidence="Done.", as_of=TODAY)
    # A <script> is kept as text (the page escapes it).
    give_evidence_through_link(w.session, token=token, action_id=first, expected_version=None,
                               evidence="<script>alert(1)</script> done", as_of=TODAY)
    with pytest.raises(InvalidInput, match="not started or in progress"):
        give_evidence_through_link(w.session, token=token, action_id=first, expected_version=None,
                                   evidence="Twice.", as_of=TODAY)


def test_revoked_expired_and_reissued_links_stop_and_every_bad_token_is_the_same(w: World) -> None:
    token = _issue(w)
    # Thu 24 Dec 2026 is its last day (see above); Tue 29 Dec is after it.
    open_agency_actions(w.session, token=token, as_of=date(2026, 12, 24))
    sentences = []
    for bad, on in ((token, date(2026, 12, 29)), ("x" * 43, TODAY), ("", TODAY), (token.upper(), TODAY),
                    ("y" * 500, TODAY)):
        with pytest.raises(LinkNotFound) as refused:
            open_agency_actions(w.session, token=bad, as_of=on)
        sentences.append(str(refused.value))
    reissued = reissue_agency_action_link(w.session, w.officer, review_id=w.review_id, agency_id=w.police.id,
                                          reason="Sent to the wrong inbox.", as_of=TODAY)
    with pytest.raises(LinkNotFound) as refused:
        open_agency_actions(w.session, token=token, as_of=TODAY)
    sentences.append(str(refused.value))
    open_agency_actions(w.session, token=reissued.token, as_of=TODAY)
    revoke_agency_action_link(w.session, w.manager, review_id=w.review_id, agency_id=w.police.id,
                              reason="The agency asked us to.")
    for action in (open_agency_actions, ):
        with pytest.raises(LinkNotFound) as refused:
            action(w.session, token=reissued.token, as_of=TODAY)
        sentences.append(str(refused.value))
    with pytest.raises(LinkNotFound) as refused:
        give_evidence_through_link(w.session, token=reissued.token, action_id=w.police_actions[0],
                                   expected_version=None, evidence="Done.", as_of=TODAY)
    sentences.append(str(refused.value))
    assert len(set(sentences)) == 1
    with pytest.raises(InvalidInput, match="no live action link"):
        revoke_agency_action_link(w.session, w.officer, review_id=w.review_id, agency_id=w.police.id,
                                  reason="Again.")
    with pytest.raises(InvalidInput):
        revoke_agency_action_link(w.session, w.officer, review_id=w.review_id, agency_id=w.police.id, reason=" ")


def test_the_link_closes_when_every_action_has_its_evidence_accepted(w: World) -> None:
    token = _issue(w)
    for action_id in w.police_actions:
        give_evidence_through_link(w.session, token=token, action_id=action_id, expected_version=None,
                                   evidence="Done and recorded.", as_of=TODAY)
    accept_evidence(w.session, w.manager, action_id=w.police_actions[0], expected_version=None, as_of=TODAY)
    open_agency_actions(w.session, token=token, as_of=TODAY)  # one still waits for a decision
    accept_evidence(w.session, w.manager, action_id=w.police_actions[1], expected_version=None, as_of=TODAY)
    with pytest.raises(LinkNotFound):
        open_agency_actions(w.session, token=token, as_of=TODAY)
    [police] = [r for r in agency_action_links(w.session, w.officer, review_id=w.review_id)
                if r.agency_id == w.police.id]
    assert police.all_evidenced and not police.link_works and police.open_actions == 0
    with pytest.raises(InvalidInput, match="nothing is left"):
        reissue_agency_action_link(w.session, w.officer, review_id=w.review_id, agency_id=w.police.id,
                                   reason="New.", as_of=TODAY)


def test_who_may_issue_and_what_cannot_have_a_link(w: World, make_account: MakeAccount) -> None:
    with pytest.raises(NotAllowed):
        issue_agency_action_link(w.session, w.chair, review_id=w.review_id, agency_id=w.police.id, as_of=TODAY)
    with pytest.raises(NotAllowed):
        issue_agency_action_link(w.session, make_account("board"), review_id=w.review_id, agency_id=w.police.id,
                                 as_of=TODAY)
    lonely = Agency(name="No Actions", kind="education", active=True)
    w.session.add(lonely)
    w.session.flush()
    with pytest.raises(InvalidInput, match="no action on this review"):
        issue_agency_action_link(w.session, w.officer, review_id=w.review_id, agency_id=lonely.id, as_of=TODAY)
    with pytest.raises(InvalidInput, match="reason"):
        reissue_agency_action_link(w.session, w.officer, review_id=w.review_id, agency_id=w.police.id,
                                   reason="", as_of=TODAY)
    reads = agency_action_links(w.session, w.chair, review_id=w.review_id)
    assert [(r.agency_name, r.actions, r.link_id) for r in reads] == [("Link Health", 1, None),
                                                                        ("Link Police", 2, None)]


def test_a_withdrawn_review_or_a_deactivated_issuer_stops_the_link(w: World, make_account: MakeAccount) -> None:
    token = _issue(w)
    w.officer.active = False
    w.session.flush()
    with pytest.raises(LinkNotFound):
        open_agency_actions(w.session, token=token, as_of=TODAY)
    w.officer.active = True
    w.session.flush()
    open_agency_actions(w.session, token=token, as_of=TODAY)
    withdraw_review(w.session, w.manager, review_id=w.review_id, expected_version=None, reason="duplicate",
                    note="Opened twice.", as_of=TODAY)
    with pytest.raises(LinkNotFound):
        open_agency_actions(w.session, token=token, as_of=TODAY)
