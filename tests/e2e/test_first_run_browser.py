"""Real Chromium: the first run states its rules up front, loads the demo and shows the demo's password (random, made
by this load) once, then signs the first account in (through the session cookie, so a reload stays signed in); the
copy says it is a training copy on every page, the sign-in page included, and the password shown works."""
from playwright.sync_api import Page

from tests.e2e.conftest import sign_in, wait_for_app

USERNAME_LABEL = "Username (3 to 40 characters: letters, digits, dots, dashes or underscores)"
PASSWORD_LABEL = "Password (at least 12 characters, not only spaces)"
SHOWN_ONCE = ("The fictional demo partnership is loaded. Its demo accounts, one per role, share this password, made at "
              "random for this copy. It is shown only now: note it before you continue.")
TRAINING = "Training copy: this tracker holds the fictional demo partnership, not real cases."


def test_first_run_loads_the_demo_and_shows_its_password_once(fresh_database_url: str, app_url: str,
                                                              page: Page) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("textbox", name=USERNAME_LABEL).fill("pat.manager")
    page.get_by_role("textbox", name="Your name (a staff member's name)").fill("Pat Manager")
    page.get_by_label(PASSWORD_LABEL).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    page.get_by_text("Also load the fictional demo partnership").click()
    page.get_by_role("button", name="Create account").click()
    page.get_by_text(SHOWN_ONCE).wait_for(timeout=180_000)
    wait_for_app(page)
    password = page.locator('[data-testid="stCode"]').inner_text().strip()
    assert password.startswith("demo-") and len(password) >= 20 and password != "demo-password-2026"
    accounts = page.locator('[data-testid="stTable"]').inner_text()
    for username in ("demo-manager", "demo-officer", "demo-chair", "demo-board", "demo-admin"):
        assert username in accounts, accounts

    page.get_by_role("button", name="Continue to the tracker").click()
    page.get_by_role("heading", name="Live reviews").wait_for(timeout=60_000)
    wait_for_app(page)
    assert "Signed in as Pat Manager" in page.inner_text("body")
    assert password not in page.inner_text("body")
    page.reload()
    page.get_by_role("heading", name="Live reviews").wait_for(timeout=60_000)
    wait_for_app(page)
    body = page.inner_text("body")
    assert "Signed in as Pat Manager" in body and password not in body and TRAINING in body

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    wait_for_app(page)
    assert TRAINING in page.inner_text("body")
    sign_in(page, app_url, "demo-officer", password)
    assert "Signed in as Olly Officer (demo)" in page.inner_text("body")
