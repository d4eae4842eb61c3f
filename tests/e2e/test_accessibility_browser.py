"""WCAG 2.2 AA, audited by axe-core 4 in real Chromium: every page each demo role may open (and the sign-in page),
on a desktop (1440x900) and a phone (390x844), with the fictional demo partnership loaded. Any violation of a
WCAG 2.0/2.1/2.2 A or AA rule fails, with each rule's id, impact and the elements it found.

One app server and one database serve the whole module; each role signs in once (its browser context keeps the
session cookie) and then opens its pages by address."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TypedDict

import pytest
from axe_playwright_python.base import AXE_SCRIPT  # type: ignore[import-untyped]  # the package has no py.typed
from playwright.sync_api import Browser, Page, ViewportSize, expect

from demo.cast import DEMO_ACCOUNTS
from tests.e2e.conftest import DEMO_TEST_PASSWORD, sign_in, wait_for_app
from tests.types import PageForRole
from ui.navigation import PAGES, page_keys_for

# The module's tests share a set-up of their own (module-scoped fixtures): one worker runs them all under
# `--dist loadgroup` (split between two workers, each would make it).
pytestmark = pytest.mark.xdist_group("test_accessibility_browser")

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS: dict[str, ViewportSize] = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}

# Elements that are Streamlit's own, which no page of ours can change; each is listed in docs/accessibility.md's
# accessibility statement. A whole rule is never switched off: only these exact elements are left out.
STREAMLIT_INTERNAL: list[str] = []

# The demo's accounts get a random password per load; the browser tests load it with this one (tests only).
ROLE_ACCOUNTS = {str(roles[0]): username for username, _name, roles in DEMO_ACCOUNTS}
AUDITS = [(role, key, size) for role in ROLE_ACCOUNTS for key in page_keys_for([role]) for size in VIEWPORTS]


class AxeNode(TypedDict):
    """An element a rule found (axe-core's result node, the fields read here)."""

    target: list[str | list[str]]  # its selector (a list of them inside a frame or a shadow root)
    html: str
    failureSummary: str


class AxeViolation(TypedDict):
    """A rule violated (axe-core's result, the fields read here)."""

    id: str
    impact: str | None
    help: str
    nodes: list[AxeNode]


@pytest.fixture(scope="module")
def signed_in_pages(browser: Browser, demo_app: str) -> Iterator[PageForRole]:
    """One browser page per role, signed in on first use; closed at the end of the module."""
    pages: dict[str, Page] = {}

    def page_for(role: str) -> Page:
        if role not in pages:
            context = browser.new_context(viewport=VIEWPORTS["desktop"])
            page = context.new_page()
            page.set_default_timeout(30_000)
            if role != "signed out":
                sign_in(page, demo_app, ROLE_ACCOUNTS[role], DEMO_TEST_PASSWORD)
            pages[role] = page
        return pages[role]

    yield page_for
    for page in pages.values():
        page.context.close()


def _audit(page: Page) -> list[AxeViolation]:
    """axe-core's WCAG A/AA violations on the page as it stands."""
    page.evaluate(AXE_SCRIPT)
    context = {"exclude": [[selector] for selector in STREAMLIT_INTERNAL]}
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate(f"axe.run({json.dumps(context)}, {json.dumps(options)})")
    violations: list[AxeViolation] = result["violations"]
    return violations


def _report(where: str, violations: list[AxeViolation]) -> str:
    """Each violated rule (id, impact) and, under it, every element it found: its selector, the start of its HTML
    and why it fails."""
    elements = sum(len(violation["nodes"]) for violation in violations)
    lines = [f"{where}: {len(violations)} rules violated on {elements} elements"]
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}\n      {node['html'][:160]}\n"
                         f"      {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def _open(page: Page, app: str, path: str) -> None:
    page.goto(app + path)
    wait_for_app(page)
    page.wait_for_load_state("networkidle")
    wait_for_app(page)


def test_the_audit_finds_what_it_is_meant_to_find(browser: Browser) -> None:
    """The audit itself, on a page made to fail: grey text at 2.3:1 (1.4.3) and two 16 px buttons side by side
    (2.5.8). A misspelt tag or an axe that never ran would pass every page; this would not."""
    page = browser.new_page()
    try:
        page.set_content('<html lang="en"><head><title>t</title></head><body><main><p style="color:#acabaa">'
                         'faint</p><button style="width:16px;height:16px;padding:0;margin:0">a</button>'
                         '<button style="width:16px;height:16px;padding:0;margin:0">b</button></main></body></html>')
        found = {violation["id"]: len(violation["nodes"]) for violation in _audit(page)}
    finally:
        page.close()
    assert found == {"color-contrast": 1, "target-size": 2}


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_sign_in_page_has_no_wcag_violation(signed_in_pages: PageForRole, demo_app: str, size: str) -> None:
    page = signed_in_pages("signed out")
    page.set_viewport_size(VIEWPORTS[size])
    _open(page, demo_app, "/")
    page.get_by_role("button", name="Sign in").wait_for()
    violations = _audit(page)
    assert not violations, _report(f"Sign-in at {size}", violations)


@pytest.mark.parametrize(("role", "key", "size"), AUDITS, ids=[f"{r}-{k}-{s}" for r, k, s in AUDITS])
def test_every_page_of_every_role_has_no_wcag_violation(signed_in_pages: PageForRole, demo_app: str, role: str,
                                                        key: str, size: str) -> None:
    page = signed_in_pages(role)
    page.set_viewport_size(VIEWPORTS[size])
    first = page_keys_for([role])[0]  # a role's first page is its home, at "/"
    _open(page, demo_app, "/" if key == first else "/" + PAGES[key].path.removeprefix("pages/").removesuffix(".py"))
    page.get_by_role("heading", level=1).first.wait_for()
    violations = _audit(page)
    assert not violations, _report(f"{PAGES[key].title} as {role} at {size}", violations)


def test_a_review_opens_from_the_live_list_by_keyboard_alone(signed_in_pages: PageForRole, demo_app: str) -> None:
    """From the status filter, Tab goes through the table to the links under it; Enter on one opens that review."""
    page = signed_in_pages("officer")
    page.set_viewport_size(VIEWPORTS["desktop"])
    _open(page, demo_app, "/")
    page.get_by_role("button", name="submitted", exact=True).focus()
    focused = ""
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.innerText || ''")
        if focused.endswith("(red)"):
            break
    reference = focused.split()[-2] if focused.endswith("(red)") else ""  # after the icon's name
    assert reference, f"no review link was reached by Tab (last focus: {focused!r})"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Review {reference}")).to_be_visible()


DESKTOP_AUDITS = [(role, key) for role, key, size in AUDITS if size == "desktop"]


def _open_every_expander(page: Page) -> int:
    """Open every closed expander (Streamlit draws them as <details>; a folded form, ui.widgets.folded, is drawn by
    the run its opening starts, which is waited for). Returns how many were opened."""
    closed = page.locator("details:not([open]) > summary")
    opened = 0
    for _ in range(closed.count()):
        closed.first.click()
        wait_for_app(page)
        opened += 1
    return opened


@pytest.mark.parametrize(("role", "key"), DESKTOP_AUDITS, ids=[f"{r}-{k}" for r, k in DESKTOP_AUDITS])
def test_every_page_with_its_tabs_and_expanders_opened_has_no_wcag_violation(signed_in_pages: PageForRole,
                                                                             demo_app: str, role: str,
                                                                             key: str) -> None:
    """A page as it is used, not only as it first opens: each tab chosen in turn, with every expander in it open (the
    text and forms they hide are audited too)."""
    page = signed_in_pages(role)
    page.set_viewport_size(VIEWPORTS["desktop"])
    first = page_keys_for([role])[0]
    _open(page, demo_app, "/" if key == first else "/" + PAGES[key].path.removeprefix("pages/").removesuffix(".py"))
    page.get_by_role("heading", level=1).first.wait_for()
    tabs = page.get_by_role("tab")
    names = [tabs.nth(index).inner_text() for index in range(tabs.count())] or [""]
    found: list[str] = []
    for index, name in enumerate(names):
        if name:
            tabs.nth(index).click()
            wait_for_app(page)  # the tabs rerun the page on a change; a tab may draw its content only while chosen
        _open_every_expander(page)
        violations = _audit(page)
        if violations:
            found.append(_report(f"{PAGES[key].title} as {role}" + (f", tab {name!r}" if name else ""), violations))
    assert not found, "\n".join(found)


def test_a_form_refused_with_its_message_has_no_wcag_violation(signed_in_pages: PageForRole, demo_app: str) -> None:
    """A refused form's message (the daily log's Add with nothing written) is read as well as the page around it."""
    page = signed_in_pages("officer")
    page.set_viewport_size(VIEWPORTS["desktop"])
    _open(page, demo_app, "/daily_log")
    page.get_by_role("button", name="Add to the log").click()
    wait_for_app(page)
    expect(page.get_by_role("alert").first).to_be_visible()
    violations = _audit(page)
    assert not violations, _report("Daily log with a refused entry", violations)
