"""The agency's page in real Chromium: with JavaScript off, an agency with no account opens its link, saves a draft,
comes back to it, attaches a PDF and submits with the senior manager's confirmation; and axe-core audits each state
of the page (WCAG 2.0-2.2 A and AA) on a desktop and a phone: 0 violations."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pytest
from axe_playwright_python.base import AXE_SCRIPT  # type: ignore[import-untyped]  # the package ships no types
from playwright.sync_api import Browser, FilePayload, Page, ViewportSize, expect
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.models_returns import AgencyReturn
from tests.e2e.agency_server import TODAY, Seeded

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS: dict[str, ViewportSize] = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


class AxeNode(TypedDict):
    """An element axe-core found violating a rule (the keys read here of its result)."""

    target: list[str]
    html: str


class AxeViolation(TypedDict):
    """A rule axe-core found violated, with the elements that violate it (the keys read here)."""

    id: str
    impact: str | None
    help: str
    nodes: list[AxeNode]


def test_an_agency_answers_with_javascript_off(browser: Browser, agency_site: str, agency_seeded: Seeded,
                                               agency_engine: Engine,
                                                tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    link = f"{agency_site}/agency/{agency_seeded.tokens[0]}"
    try:
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Scoping return for Rapid Review {agency_seeded.outside_reference}")
        page.get_by_label("Your name").fill("Jo Smith")
        page.get_by_label("The agency's involvement with the child and family").fill("Health visiting; 4 contacts.")
        page.get_by_label("Key dates and episodes").fill("20/11/2026: home visit.\n21/11/2026: call.")
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_text("Your draft was saved")).to_be_visible()

        # Come back later through the same link: the draft is there.
        page.goto("about:blank")
        page.goto(link)
        expect(page.get_by_label("Your name")).to_have_value("Jo Smith")
        expect(page.get_by_label("Key dates and episodes")).to_have_value("20/11/2026: home visit.\n21/11/2026: call.")

        document = tmp_path / "Chronology.pdf"
        document.write_bytes(PDF)
        page.get_by_label("Attach a document").set_input_files(str(document))
        page.get_by_role("button", name="Attach document").click()
        expect(page.get_by_text("The document was attached")).to_be_visible()
        expect(page.locator("dt", has_text="Chronology.pdf")).to_be_visible()
        expect(page.get_by_role("button", name="Remove Chronology.pdf")).to_be_visible()
        # Enter in a box saves the draft; it never presses the first "Remove" button.
        page.get_by_label("Your name").press("Enter")
        expect(page.get_by_text("Your draft was saved")).to_be_visible()
        expect(page.locator("dt", has_text="Chronology.pdf")).to_be_visible()

        # Submitting without the confirmation is refused, saying what is missing.
        page.get_by_role("button", name="Submit return").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        page.get_by_label("Senior manager's name").fill("A Jones")
        page.get_by_label("Their role").fill("Head of Safeguarding")
        page.get_by_label("Day").fill("25")
        page.get_by_label("Month").fill("11")
        page.get_by_label("Year").fill("2026")
        page.get_by_label("The senior manager named above has checked this return and confirms its quality.").check()
        page.get_by_role("button", name="Submit return").click()
        expect(page.get_by_role("heading", name="Return sent")).to_be_visible()
        expect(page.get_by_text("Health visiting; 4 contacts.")).to_be_visible()
        expect(page.locator("form")).to_have_count(0)
    finally:
        context.close()
    with Session(agency_engine) as session:
        ret = session.get_one(AgencyReturn, agency_seeded.return_ids[0])
        assert (ret.received_date, ret.signed_by_senior_manager, ret.signatory_role) == (
            TODAY, True, "Head of Safeguarding")


def _audit(page: Page) -> list[AxeViolation]:
    page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    violations: list[AxeViolation] = page.evaluate(f"axe.run(document, {json.dumps(options)})")["violations"]
    return violations


def _report(where: str, violations: list[AxeViolation]) -> str:
    lines = [f"{where}: {len(violations)} rules violated"]
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {' '.join(map(str, n['target']))}: {n['html'][:160]}" for n in violation["nodes"]]
    return "\n".join(lines)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_every_state_of_the_page_has_no_wcag_violation(browser: Browser, agency_site: str,
                                                       agency_seeded: Seeded, size: str) -> None:
    # JavaScript on for axe itself; the page has no script of its own.
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    link = f"{agency_site}/agency/{agency_seeded.tokens[0]}"
    found: dict[str, list[AxeViolation]] = {}
    try:
        page.goto(link)
        found["empty form"] = _audit(page)
        page.get_by_role("button", name="Submit return").click()
        found["form with errors"] = _audit(page)
        page.get_by_label("Your name").fill("Jo Smith")
        page.get_by_label("Key dates and episodes").fill("20/11/2026: visit.")
        page.get_by_label("Attach a document").set_input_files(
            files=[FilePayload(name="Chronology.pdf", mimeType="application/pdf", buffer=PDF)])
        page.get_by_role("button", name="Attach document").click()
        found["draft with a document"] = _audit(page)
        page.get_by_label("Senior manager's name").fill("A Jones")
        page.get_by_label("Their role").fill("Head of Safeguarding")
        page.get_by_label("Day").fill("25")
        page.get_by_label("Month").fill("11")
        page.get_by_label("Year").fill("2026")
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name="Submit return").click()
        expect(page.get_by_role("heading", name="Return sent")).to_be_visible()
        found["sent"] = _audit(page)
        page.goto(f"{agency_site}/agency/{'n' * 43}")
        found["not found"] = _audit(page)
    finally:
        context.close()
    failures = [_report(where, violations) for where, violations in found.items() if violations]
    assert not failures, "\n\n".join(failures)
