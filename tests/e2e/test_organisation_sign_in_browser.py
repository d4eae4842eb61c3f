"""Real Chromium against a real OpenID Connect provider (oidc-provider-mock, started here on a free 127.0.0.1 port):
a known email signs in with the organisation's account and lands on Live reviews with a server-side session
cookie; an unknown email is refused with the sentence that names the administrator; sign-out ends the session
(issue 13, organisation sign-in)."""
from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from db.models import SignInSession
from services.accounts import create_account_from_command_line
from tests.e2e.conftest import SESSION_COOKIE, wait_for_app, wait_for_session_cookie

PASSWORD = "correct horse battery"
ORGANISATION = "Test Council"
KNOWN_SUB = "pat-jones"
KNOWN_EMAIL = "Pat.Jones@Council.Example"  # the account stores it lower-cased: matched whatever the case
UNKNOWN_SUB = "nobody"
UNKNOWN_EMAIL = "nobody@council.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _put_user(provider: str, sub: str, claims: dict[str, object]) -> None:
    request = urllib.request.Request(f"{provider}/users/{quote(sub)}", data=json.dumps(claims).encode(),
                                     method="PUT", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 204


@pytest.fixture
def provider() -> Iterator[str]:
    """oidc-provider-mock on its own port; its login form takes a subject, whose claims we set beforehand."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/.well-known/openid-configuration", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                pytest.fail("The OpenID provider did not start:\n" + output[-3000:])
            time.sleep(0.2)
    _put_user(url, KNOWN_SUB, {"email": KNOWN_EMAIL, "email_verified": True, "name": "Pat Jones"})
    _put_user(url, UNKNOWN_SUB, {"email": UNKNOWN_EMAIL, "email_verified": True, "name": "No Body"})
    yield url
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def app_environment(provider: str) -> dict[str, str]:
    """The app under test is configured for organisation sign-in through the environment (ui/server.py)."""
    return {
        "RRT_OIDC_SERVER_METADATA_URL": f"{provider}/.well-known/openid-configuration",
        "RRT_OIDC_CLIENT_ID": "rapid-review-tracker",
        "RRT_OIDC_CLIENT_SECRET": secrets.token_urlsafe(16),
        "RRT_OIDC_REDIRECT_URI": "{app_url}/oauth2callback",
        "RRT_OIDC_COOKIE_SECRET": secrets.token_urlsafe(32),
        "RRT_OIDC_LABEL": ORGANISATION,
    }


def _seed(url: str) -> None:
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        account = create_account_from_command_line(session, username="pat", display_name="Pat Jones",
                                                   roles=["officer"], password=PASSWORD)
        session.execute(text("UPDATE accounts SET email = :email WHERE id = :id"),
                        {"email": KNOWN_EMAIL.lower(), "id": account.id})
    engine.dispose()


def _live_sessions(url: str) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(SignInSession).where(SignInSession.ended_at.is_(None)))
    engine.dispose()
    return int(count or 0)


def _sign_in_at_the_provider(page: Page, app_url: str, sub: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("button", name=f"Sign in with {ORGANISATION}").click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_a_known_email_signs_in_with_the_organisation_and_signs_out(app_url: str, fresh_database_url: str,
                                                                    browser: Browser) -> None:
    _seed(fresh_database_url)
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    _sign_in_at_the_provider(page, app_url, KNOWN_SUB)
    assert wait_for_session_cookie(page)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Live reviews")).to_be_visible()
    expect(page.get_by_text("Signed in as Pat Jones")).to_be_visible()
    expect(page.get_by_text("Roles: officer")).to_be_visible()  # the account's roles, never the identity's
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies[SESSION_COOKIE]["httpOnly"] is True
    assert "_streamlit_user" not in cookies  # the identity became our session: Streamlit's cookie is cleared
    assert _live_sessions(fresh_database_url) == 1

    page.reload()
    wait_for_app(page)
    expect(page.get_by_text("Signed in as Pat Jones")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/?signed_out=1*", wait_until="commit")
    wait_for_app(page)
    expect(page.get_by_role("button", name=f"Sign in with {ORGANISATION}")).to_be_visible()
    assert SESSION_COOKIE not in {c["name"] for c in context.cookies()}
    assert _live_sessions(fresh_database_url) == 0
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("button", name=f"Sign in with {ORGANISATION}")).to_be_visible()
    expect(page.get_by_text("Signed in as Pat Jones")).to_have_count(0)
    context.close()


def test_an_unknown_email_is_refused_naming_the_administrator(app_url: str, fresh_database_url: str,
                                                              browser: Browser) -> None:
    _seed(fresh_database_url)
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    _sign_in_at_the_provider(page, app_url, UNKNOWN_SUB)
    wait_for_app(page)
    expect(page.get_by_text(f"Ask your administrator to add {UNKNOWN_EMAIL} to an account")).to_be_visible()
    assert SESSION_COOKIE not in {c["name"] for c in context.cookies()}
    assert _live_sessions(fresh_database_url) == 0
    expect(page.get_by_role("heading", name="Live reviews")).to_have_count(0)

    # st.logout clears Streamlit's identity cookie and ends the session at the provider too (its end-session
    # form), which sends the browser back to the tracker: the sign-in button is back.
    page.get_by_role("button", name="Sign in with another organisation account").click()
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{app_url}/**")
    wait_for_app(page)
    expect(page.get_by_role("button", name=f"Sign in with {ORGANISATION}")).to_be_visible()
    assert not any(c["name"].startswith("_streamlit_user") for c in context.cookies())
    context.close()
