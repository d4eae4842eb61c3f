"""The agency's actions page over HTTP (/agency/actions/<token>), served as tests/e2e/test_agency_site_http.py serves
the return's page: it opens with no cookie and shows only the agency's own actions; a post without the CSRF token is
refused; evidence given through it is stored as a round through the link and what was typed comes back escaped; a
revoked or unknown token gets the same 404 page."""
from __future__ import annotations

import re
from datetime import date

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.models import Account, Agency
from db.models_after import ActionEvidence
from services.actions import add_action, add_recommendation, issue_agency_action_link, revoke_agency_action_link
from tests.e2e.agency_server import TODAY, Seeded

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _links(engine: Engine, seeded: Seeded) -> tuple[str, int]:
    """Agency 1 has an action (and Agency 2 another) on the seeded review; Agency 1's action link and action id."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = session.scalars(select(Account).where(Account.username == "links-officer")).one()
        one, two = session.scalars(select(Agency).order_by(Agency.name)).all()[:2]
        rec = add_recommendation(session, officer, review_id=seeded.review_id, source="rapid_review",
                                 text="Share the learning.", made_on=date(2026, 11, 25), as_of=TODAY)
        mine = add_action(session, officer, recommendation_id=rec, agency_id=one.id, owner_account_id=None,
                          owner_name="Secret Owner One", owner_email=None, description="Brief the teams.",
                          due_on=date(2026, 12, 10), impact_check_on=None)
        add_action(session, officer, recommendation_id=rec, agency_id=two.id, owner_account_id=None,
                   owner_name="Secret Owner Two", owner_email=None, description="Other agency's work.",
                   due_on=date(2026, 12, 10), impact_check_on=None)
        token = issue_agency_action_link(session, officer, review_id=seeded.review_id, agency_id=one.id,
                                         as_of=TODAY).token
    return token, mine


def _csrf(response: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found is not None
    return found.group(1)


def test_the_actions_page_shows_only_the_agencys_own_actions(agency_site: str, agency_engine: Engine,
                                                             agency_seeded: Seeded) -> None:
    token, _ = _links(agency_engine, agency_seeded)
    with httpx.Client() as client:
        page = client.get(f"{agency_site}/agency/actions/{token}")
    assert page.status_code == 200, page.text[:500]
    body = page.text
    assert "Agency 1" in body and "Brief the teams." in body and agency_seeded.outside_reference in body
    # The link's token and the form's CSRF token are random letters that may hold "QZ" by chance: not looked in.
    words = body.replace(token, "").replace(_csrf(page), "")
    for hidden in ("Agency 2", "Other agency", "Secret Owner", "QZ", agency_seeded.case_reference, "<script"):
        assert hidden not in words
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.cookies.get("rrt_agency_form") == _csrf(page)


def test_evidence_through_the_page_is_stored_and_a_refusal_comes_back_escaped(agency_site: str, agency_engine: Engine,
                                                                              agency_seeded: Seeded) -> None:
    token, action_id = _links(agency_engine, agency_seeded)
    url = f"{agency_site}/agency/actions/{token}"
    with httpx.Client() as client:
        page = client.get(url)
        csrf = _csrf(page)
        no_csrf = client.post(url, data={"action_id": str(action_id), "evidence": "Done."},
                              files={"document": ("", b"", "application/octet-stream")})
        blank = client.post(url, data={"csrf_token": csrf, "action_id": str(action_id), "version": "1",
                                       "evidence": "<script>x</script>\x00"},
                            files={"document": ("", b"", "application/octet-stream")})
        given = client.post(url, data={"csrf_token": csrf, "action_id": str(action_id), "version": "1",
                                       "evidence": "All teams briefed <b>twice</b>."},
                            files={"document": ("briefing.pdf", PDF, "application/pdf")})
        after = client.get(url)
    assert no_csrf.status_code == 403
    assert blank.status_code == 400 and "There is a problem" in blank.text and "<script>x" not in blank.text
    assert given.status_code == 303 and given.headers["location"].endswith("?done=evidence")
    assert after.status_code == 200 and "Waiting for the Partnership" in after.text
    with Session(agency_engine) as session:
        round_ = session.scalars(select(ActionEvidence).where(ActionEvidence.action_id == action_id)).one()
        assert round_.given_through_link and round_.given_by_id is None
        assert round_.evidence == "All teams briefed <b>twice</b>."


def test_a_revoked_or_unknown_actions_token_gets_the_same_404(agency_site: str, agency_engine: Engine,
                                                              agency_seeded: Seeded) -> None:
    token, _ = _links(agency_engine, agency_seeded)
    with Session(agency_engine) as session, session.begin():
        officer = session.scalars(select(Account).where(Account.username == "links-officer")).one()
        agency = session.scalars(select(Agency).where(Agency.name == "Agency 1")).one()
        revoke_agency_action_link(session, officer, review_id=agency_seeded.review_id, agency_id=agency.id,
                                  reason="Sent to the wrong inbox.")
    with httpx.Client() as client:
        pages = [client.get(f"{agency_site}/agency/actions/{path}") for path in (token, "x" * 43,
                                                                               agency_seeded.tokens[0])]
        missing = client.get(f"{agency_site}/agency/{'x' * 43}")
    assert {p.status_code for p in pages} == {404}
    assert {p.text for p in pages} == {missing.text}
