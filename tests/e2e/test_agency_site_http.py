"""The agency's page over HTTP: a plain Starlette app serving the agency's routes by uvicorn on a free port, against a
real test database, spoken to by httpx with no sign-in. No cookie is needed to open a link; a post without the CSRF
token is refused; the rate limits hold; every token that opens nothing gets the same 404 page; what the agency types
comes back escaped; the page shows its own return and nothing of another agency or the review."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

import httpx
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from db.models import Account
from db.models_agency import AgencyAnswer, AgencyAttachment
from db.models_returns import AgencyReturn
from services.agency_exchange import revoke_agency_link
from tests.e2e.agency_server import TODAY, Seeded, served
from ui.agency_site import AgencyLimits

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
CONFIRMATION = {"manager_name": "A Jones", "manager_role": "Head of Safeguarding", "confirmed_on-day": "25",
                "confirmed_on-month": "11", "confirmed_on-year": "2026", "confirmed": "yes"}


def _csrf(response: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found is not None, "the page has no CSRF token"
    return found.group(1)


def _opened(client: httpx.Client, url: str) -> tuple[httpx.Response, str]:
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    return page, _csrf(page)


def _post(client: httpx.Client, url: str, csrf: str, fields: Mapping[str, str] | None = None,
          files: Mapping[str, tuple[str, bytes, str]] | None = None) -> httpx.Response:
    # Multipart as the page's form sends it (httpx sends multipart only with files: an empty file part otherwise).
    return client.post(url, data={"csrf_token": csrf, **(fields or {})},
                       files=files or {"document": ("", b"", "application/octet-stream")})


def test_a_link_opens_with_no_cookie_and_shows_only_its_own_return(agency_site: str, agency_seeded: Seeded) -> None:
    with httpx.Client() as client:
        page = client.get(f"{agency_site}/agency/{agency_seeded.tokens[0]}")
    assert page.status_code == 200
    body = page.text
    assert "Agency 1" in body and agency_seeded.outside_reference in body
    # Nothing of another agency, and nothing of the review beyond its outside reference (no initials, no case ref).
    # The link's token and the form's CSRF token are random letters that may hold "QZ" by chance: not looked in.
    words = body.replace(agency_seeded.tokens[0], "").replace(_csrf(page), "")
    assert "Agency 2" not in words and agency_seeded.case_reference not in words and "QZ" not in words
    assert "Wednesday 25 November 2026" in body  # due: requested Wed 18 Nov + 5 working days
    # Tue 25 Nov + 10 working days: Thu 26 (1) ... Wed 9 Dec 2026 (10).
    assert "Wednesday 9 December 2026" in body
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "strict-origin"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in body
    cookie = page.cookies.get("rrt_agency_form")
    assert cookie and cookie == _csrf(page)
    set_cookie = page.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "path=/agency" in set_cookie


def test_every_token_that_opens_nothing_gets_the_same_404(agency_site: str, agency_engine: Engine,
                                                          agency_seeded: Seeded) -> None:
    with Session(agency_engine) as session, session.begin():
        officer = session.scalars(select(Account).where(Account.username == "links-officer")).one()
        revoke_agency_link(session, officer, return_id=agency_seeded.return_ids[1], reason="Sent to the wrong address.")
    with httpx.Client() as client:
        pages = [client.get(f"{agency_site}/agency/{path}") for path in
                 ("x" * 43, agency_seeded.tokens[1], agency_seeded.tokens[0].upper(), "", "assets",
                  f"{agency_seeded.tokens[0]}/x",
                  "%00")]
        posted = client.post(f"{agency_site}/agency/{'y' * 43}", data={"csrf_token": "z" * 43},
                             cookies={"rrt_agency_form": "z" * 43}, files={"document": ("", b"")})
    assert {p.status_code for p in [*pages, posted]} == {404}
    assert len({p.text for p in [*pages, posted]}) == 1
    assert "This link does not work" in pages[0].text
    with served(agency_engine, today=date(2026, 12, 10)) as later, httpx.Client() as client:
        expired = client.get(f"{later}/agency/{agency_seeded.tokens[0]}")
        assert (expired.status_code, expired.text) == (404, pages[0].text)
    with served(agency_engine, today=date(2026, 12, 9)) as last_day, httpx.Client() as client:
        assert client.get(f"{last_day}/agency/{agency_seeded.tokens[0]}").status_code == 200


def test_a_post_without_the_csrf_token_is_refused(agency_site: str, agency_engine: Engine,
                                                  agency_seeded: Seeded) -> None:
    url = f"{agency_site}/agency/{agency_seeded.tokens[0]}"
    with httpx.Client() as client:
        _, csrf = _opened(client, url)
        fields = {"author_name": "J Smith", "answer-involvement": "Seen.", "action": "save"}
        no_field = client.post(url, data=fields, files={"document": ("", b"")})
        wrong_field = _post(client, url, "a" * 43, fields)
    with httpx.Client() as stranger:  # the form's value, but not the browser's cookie
        no_cookie = _post(stranger, url, csrf, fields)
    assert [r.status_code for r in (no_field, wrong_field, no_cookie)] == [403, 403, 403]
    assert "Your form was not sent" in no_cookie.text
    with Session(agency_engine) as session:
        assert session.scalar(select(AgencyAnswer.id)) is None


def test_save_come_back_attach_and_submit(agency_site: str, agency_engine: Engine, agency_seeded: Seeded) -> None:
    url = f"{agency_site}/agency/{agency_seeded.tokens[0]}"
    hostile = "<script>alert('x')</script> & \"quotes\"\nSecond line"
    with httpx.Client() as client:
        _, csrf = _opened(client, url)
        saved = _post(client, url, csrf, {"author_name": "J <b>Smith</b>", "answer-involvement": hostile,
                                          "action": "save"})
        assert (saved.status_code, saved.headers["location"]) == (303, f"/agency/{agency_seeded.tokens[0]}?done=saved")
        back = client.get(url + "?done=saved")
        assert "Your draft was saved" in back.text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;quotes&#34;" in back.text
        assert "<script>" not in back.text and "J &lt;b&gt;Smith&lt;/b&gt;" in back.text
        # A renamed program is refused, what was typed stays in the form, nothing is stored.
        refused = _post(client, url, csrf, {"author_name": "J Smith", "answer-involvement": "Kept?",
                                            "action": "attach"},
                        files={"document": ("report.pdf", EXE, "application/pdf")})
        assert refused.status_code == 400
        assert "There is a problem" in refused.text and "report.pdf is not a PDF or a Word document" in refused.text
        assert 'href="#document"' in refused.text and ">Kept?</textarea>" in refused.text
        attached = _post(client, url, csrf, {"author_name": "J Smith", "answer-involvement": "Seen twice.",
                                             "action": "attach"}, files={"document": ("Return.pdf", PDF, "x/y")})
        assert attached.status_code == 303
        assert "Return.pdf" in client.get(url).text
        # Submitting without the senior manager's confirmation is refused; with it the return is received.
        unconfirmed = _post(client, url, csrf, {"author_name": "J Smith", "answer-involvement": "Seen twice.",
                                                "action": "submit"})
        assert unconfirmed.status_code == 400 and "must confirm the return" in unconfirmed.text
        wrong_date = _post(client, url, csrf, {"author_name": "J Smith", "action": "submit",
                                               **CONFIRMATION, "confirmed_on-month": "13"})
        assert wrong_date.status_code == 400 and 'href="#confirmed_on-day"' in wrong_date.text
        sent = _post(client, url, csrf, {"author_name": "J Smith", "answer-involvement": "Seen twice.",
                                         "answer-key_dates": "20/11/2026: visit.", "action": "submit",
                                         **CONFIRMATION})
        assert (sent.status_code, sent.headers["location"]) == (303, f"/agency/{agency_seeded.tokens[0]}?done=sent")
        after = client.get(url + "?done=sent")
        assert "Return sent" in after.text and "<form" not in after.text
    with Session(agency_engine) as session:
        ret = session.get_one(AgencyReturn, agency_seeded.return_ids[0])
        assert (ret.received_date, ret.signed_by_senior_manager, ret.signatory_role) == (
            TODAY, True, "Head of Safeguarding")
        assert session.scalars(select(AgencyAttachment.file_name)).all() == ["Return.pdf"]
        history = session.execute(text(
            "SELECT account_id, via, new_row->>'content' FROM record_history"
            " WHERE table_name = 'agency_return_attachments'")).one()
        assert history[0] is None and history[1] == "agency link" and history[2].startswith("sha256:")


def test_a_body_over_the_limit_is_refused_unread(agency_site: str, agency_seeded: Seeded) -> None:
    url = f"{agency_site}/agency/{agency_seeded.tokens[0]}"
    with httpx.Client() as client:
        _, csrf = _opened(client, url)
        big = _post(client, url, csrf, {"author_name": "J", "action": "attach"},
                    files={"document": ("big.pdf", PDF + b"\0" * (13 * 1024 * 1024), "application/pdf")})
    assert big.status_code == 413 and "at most 10 MB" in big.text


def test_the_rate_limits(agency_engine: Engine, agency_seeded: Seeded) -> None:
    with served(agency_engine, limits=AgencyLimits(requests_per_minute=4)) as url, httpx.Client() as client:
        codes = [client.get(f"{url}/agency/{agency_seeded.tokens[0]}").status_code for _ in range(5)]
        assert codes == [200, 200, 200, 200, 429]
    with served(agency_engine, limits=AgencyLimits(misses_per_hour=3)) as url, httpx.Client() as client:
        misses = [client.get(f"{url}/agency/{'g' * 43}{i}").status_code for i in range(4)]
        # Three guesses, then even a good token is refused from that address for the hour.
        assert misses == [404, 404, 404, 429]
        assert client.get(f"{url}/agency/{agency_seeded.tokens[0]}").status_code == 429
    with served(agency_engine, limits=AgencyLimits(posts_per_minute_per_link=2)) as url, httpx.Client() as client:
        link = f"{url}/agency/{agency_seeded.tokens[0]}"
        _, csrf = _opened(client, link)
        posts = [_post(client, link, csrf, {"author_name": "J", "action": "save"}).status_code for _ in range(3)]
        assert posts == [303, 303, 429]


def test_the_stylesheet_is_govuk_frontend_without_the_gds_font(agency_site: str) -> None:
    with httpx.Client() as client:
        css = client.get(f"{agency_site}/agency/assets/govuk-frontend.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".govuk-button" in css.text and "GDS Transport" not in css.text and "@font-face" not in css.text


def test_behind_the_apps_edge_a_page_post_passes_and_one_without_origin_is_refused(agency_engine: Engine,
                                                                                   agency_seeded: Seeded) -> None:
    """As ui/server.py serves it: the app's EdgeGuard in front. A browser's form post carries the page's Origin (the
    page's "strict-origin" referrer policy keeps it; "no-referrer" would send `Origin: null`); a post with none, or
    from another site, is refused by the edge before the route sees it."""
    from starlette.middleware import Middleware

    from ui.server import EdgeGuard

    with served(agency_engine, middleware=[Middleware(EdgeGuard)]) as url, httpx.Client() as client:
        link = f"{url}/agency/{agency_seeded.tokens[0]}"
        _, csrf = _opened(client, link)
        fields = {"csrf_token": csrf, "author_name": "J Smith", "action": "save"}
        files = {"document": ("", b"")}
        assert client.post(link, data=fields, files=files, headers={"Origin": url}).status_code == 303
        assert client.post(link, data=fields, files=files).status_code == 403
        assert client.post(link, data=fields, files=files, headers={"Origin": "null"}).status_code == 403
        assert client.post(link, data=fields, files=files,
                           headers={"Origin": "https://elsewhere.example"}).status_code == 403
