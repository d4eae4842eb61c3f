"""Issue 29 in a real browser: after the Rapid Review, from the Panel's response to the seven-minute briefing.

A review is seeded through the services (its report signed by the JCR Chair and submitted to the National Panel, the
decision being an LCSPR); then, in Debian's Chromium, on one app (`app_url`, "today" pinned to Mon 19 Jul 2027):
1. the Partnership Manager records the Panel's response on the Report page (it agrees): the review closes;
2. the Manager starts the LCSPR on the Review page (decided Wed 2 Dec 2026): each step's due date is the one worked by
   hand below; the LCSPR is listed on Live reviews; an officer records every step (a publication address that is not
   https is refused, the typing kept), the due dates moving with the steps done; published, it leaves Live reviews;
3. the officer adds a recommendation (LCSPR final report) and an action owned by an agency, codes the review with a
   practice theme and its learning, and gives evidence on the Actions page (evidence without text is refused first);
   the Manager accepts it and records the impact check (the check date is today);
4. the Actions page's table by agency counts the action evidenced and impact checked; "Overdue only" shows none;
5. the seven-minute briefing downloaded from the Review page holds the theme's learning, the action's agency and the
   published address, and no initials.

The LCSPR's due dates, worked by hand from docs/lcspr.md (default timescales; England's bank holidays; no closure day):
- decided Wed 2 Dec 2026. Reviewer commissioned, decision + 20 working days: Dec 3, 4, 7, 8, 9, 10, 11, 14, 15, 16,
  17, 18, 21, 22, 23, 24 (16), (Fri 25 Christmas, Mon 28 Boxing Day substitute) 29, 30, 31 (19), (Fri 1 Jan New
  Year) Mon 4 Jan 2027 (20) -> Mon 4 Jan.
- Terms agreed, commissioning's due + 15: Jan 5, 6, 7, 8 (4), 11-15 (9), 18-22 (14), Mon 25 (15) -> Mon 25 Jan.
- Practitioners and family, terms' due + 40: Jan 26-29 (4), Feb 1-5 (9), 8-12 (14), 15-19 (19), 22-26 (24),
  Mar 1-5 (29), 8-12 (34), 15-19 (39), Mon 22 (40) -> Mon 22 Mar (Good Friday is 26 Mar, after it).
- Final report, decision + 6 months: Wed 2 Jun 2027, a working day -> Wed 2 Jun.
- Draft to the partners, 20 working days before Wed 2 Jun: Jun 1 (1), (Mon 31 May spring bank holiday) May 28, 27,
  26, 25, 24 (6), 21-17 (11), 14-10 (16), 7, 6, 5, Tue 4 (20) (Mon 3 May early May bank holiday not reached)
  -> Tue 4 May.
- Published, final report's due + 30: Jun 3, 4 (2), 7-11 (7), 14-18 (12), 21-25 (17), Jun 28-Jul 2 (22), Jul 5-9
  (27), 12, 13, Wed 14 (30) -> Wed 14 Jul.
- Copies, 7 working days before Wed 14 Jul: 13, 12, 9, 8, 7, 6, Mon 5 (7) -> Mon 5 Jul.
Once steps are done, later steps count from their done dates:
- commissioned Mon 21 Dec 2026 -> terms due + 15: Dec 22, 23, 24 (3), (25, 28 holidays) 29, 30, 31 (6), (1 Jan
  holiday) Jan 4-8 (11), 11, 12, 13, Thu 14 (15) -> Thu 14 Jan; so practitioners and family, the terms' new due
  + 40: Jan 15 (1), 18-22 (6), 25-29 (11), Feb 1-5 (16), 8-12 (21), 15-19 (26), 22-26 (31), Mar 1-5 (36), 8, 9, 10,
  Thu 11 (40) -> Thu 11 Mar.
- terms agreed Fri 15 Jan 2027 -> practitioners and family due + 40: Jan 18-22 (5), 25-29 (10), Feb 1-5 (15), 8-12
  (20), 15-19 (25), 22-26 (30), Mar 1-5 (35), 8-12 (40) -> Fri 12 Mar.
- final report Tue 1 Jun 2027 -> published due + 30: Jun 2, 3, 4 (3), 7-11 (8), 14-18 (13), 21-25 (18), Jun 28-Jul 2
  (23), Jul 5-9 (28), 12, Tue 13 (30) -> Tue 13 Jul; copies 7 before it: Jul 12, 9, 8, 7, 6, 5, Fri 2 (7)
  -> Fri 2 Jul.
- copies Mon 5 Jul, published Thu 15 Jul: Jul 6, 7, 8, 9, 12, 13, 14, 15 = 8 working days after, at least 7.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from db.models import Agency
from services.meetings.service import record_meeting
from services.report.content import WRITABLE_KEYS
from services.report.panel import submit_to_panel
from services.report.reads import get_report
from services.report.service import record_lcspr_decision, save_section, send_to_chair, sign_off
from services.returns.service import record_returns_requested, record_summary
from services.returns.service_receipts import record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.e2e.conftest import sign_in, wait_for_app

PASSWORD = "correct horse battery"
TODAY = date(2027, 7, 19)  # Mon
RECEIVED = date(2026, 11, 2)  # Mon
SUBMITTED = date(2026, 11, 18)  # Wed
DECIDED = date(2026, 12, 2)  # Wed
INITIALS = "QZ"
AGENCY = "Demoshire Police"
CONTACT = "Head of Public Protection"
ADDRESS = "https://demoshire-partnership.example.org.uk/lcspr/2027-1"
RECOMMENDATION = "Partners share what they know of a parent's violence with every agency seeing the family."
ACTION = "Add a domestic abuse check to the police referral form for children under five."
EVIDENCE = "The new referral form has been in use since 12 July; briefing sent to every response team."
FINDING = "An audit of 20 referrals in July found the check done in 19."
THEME = "Multi-agency information sharing"
LEARNING = "Police call-outs to the home were not shared with health visitors before the injury."

JOINED_COLON = ":\u2060"  # how an address's colon is shown in Markdown (ui.widgets.md_text: never made a link)
STEPS_TABLE = "cards_on_phone_lcspr_steps"
LIVE_LCSPRS = "cards_on_phone_live_lcsprs"
BY_AGENCY = "cards_on_phone_ac_by_agency"


@pytest.fixture
def pinned_today() -> date:
    return TODAY


def _seed(database_url: str) -> tuple[int, str]:
    """A manager, an officer and a JCR Chair; one agency; a review received Mon 2 Nov 2026 whose report (decision:
    an LCSPR) was signed off on Tue 17 Nov and submitted to the National Panel on Wed 18 Nov."""
    from services.accounts import _new_account

    engine = create_engine(database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = _new_account(session, username="olly", display_name="Olly Officer", roles=["officer"],
                               password=PASSWORD)
        manager = _new_account(session, username="morgan", display_name="Morgan Manager", roles=["manager"],
                               password=PASSWORD)
        chair = _new_account(session, username="charlie", display_name="Charlie Chair", roles=["chair"],
                             password=PASSWORD)
        police = Agency(name=AGENCY, kind="police", active=True)
        session.add(police)
        session.flush()
        review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 10, 30),
                             csc_aware_date=date(2026, 10, 30), notification_received_date=RECEIVED,
                             children=[ChildEntry(INITIALS, 3)], as_of=RECEIVED)
        (ret,) = record_returns_requested(session, officer, review_id=review.id, agency_ids=[police.id],
                                          requested_on=RECEIVED, as_of=RECEIVED)
        record_return_received(session, officer, return_id=ret.id, expected_version=None,
                               received_on=date(2026, 11, 5), signed_by_senior_manager=True, signatory_role="DCI",
                               as_of=date(2026, 11, 5))
        record_summary(session, officer, return_id=ret.id, expected_version=None,
                       summary="Known to the police through two call-outs.")
        record_meeting(session, officer, review_id=review.id, kind="rr_meeting", held_on=date(2026, 11, 11),
                       agency_ids=[police.id], chair_name="JCR Chair", as_of=date(2026, 11, 11))
        for key in WRITABLE_KEYS:
            version = get_report(session, officer, review_id=review.id, as_of=SUBMITTED).sections[key].version
            save_section(session, officer, review_id=review.id, section_key=key, text=f"Text of {key}.",
                         expected_version=version)
        record_lcspr_decision(session, officer, review_id=review.id, expected_version=None, decision=True,
                              reason="The criteria for a local child safeguarding practice review are met.")
        send_to_chair(session, officer, review_id=review.id, sent_on=date(2026, 11, 16), as_of=SUBMITTED)
        sign_off(session, chair, review_id=review.id, signed_on=date(2026, 11, 17), as_of=SUBMITTED)
        submit_to_panel(session, manager, review_id=review.id, submitted_on=SUBMITTED, as_of=SUBMITTED)
        found = (review.id, review.case_reference)
    engine.dispose()
    return found


# ---------------------------------------------------------------- helpers


def _form(page: Page, button: str) -> Locator:
    """The form whose submit button says `button`."""
    return page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name=button, exact=True))


def _type_date(page: Page, scope: Locator, label: str, value: date) -> None:
    """Type into Streamlit's segmented date field (dd / mm / yyyy) as a person would."""
    scope.get_by_label(label, exact=True).get_by_role("spinbutton").first.click()
    page.keyboard.type(value.strftime("%d%m%Y"))
    page.keyboard.press("Escape")  # the calendar that opened with the field


def _choose(page: Page, scope: Locator, label: str, option: str | re.Pattern[str]) -> None:
    # A rerun closes an open list: wait for the app to be idle, and open the list again if a rerun closed it.
    wait_for_app(page)
    for attempt in range(3):
        scope.get_by_role("combobox", name=label).click()
        try:
            page.get_by_role("option", name=option, exact=isinstance(option, str)).click(timeout=10_000)
            return
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_for_app(page)


def _click(page: Page, scope: Locator | Page, name: str) -> None:
    scope.get_by_role("button", name=name, exact=True).click()
    wait_for_app(page)


def _expect_message(page: Page, text: str) -> None:
    """Wait until a message (a flash or an error) with `text` is shown."""
    expect(page.locator('[data-testid="stAlert"], [data-testid="stToast"]').filter(has_text=text).first
           ).to_be_visible()


def _go(page: Page, name: str, heading: str | re.Pattern[str]) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    wait_for_app(page)  # the review picker may write the address and run the page once more


def _rows(page: Page, key: str) -> list[list[str]]:
    """The cells of the table drawn under `key`, read in one go (a rerun may redraw it between two reads)."""
    rows: list[list[str]] = page.evaluate(
        """key => Array.from(document.querySelectorAll(`.st-key-${key} table tbody tr`))
                .map(row => Array.from(row.querySelectorAll("td")).map(cell => cell.innerText.trim()))""", key)
    return rows


def _wait_rows(page: Page, key: str, want: object, *, by_first: bool = False, column: int = 1) -> list[list[str]]:
    """Wait (up to 30 s) until the table `key` reads `want`: its rows, or with `by_first` {first cell: cell
    `column`}; then its rows."""
    deadline = time.monotonic() + 30
    while True:
        rows = _rows(page, key)
        seen: object = {r[0]: r[column] for r in rows} if by_first else rows
        if seen == want:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"table {key}: {seen!r} != {want!r}")
        page.wait_for_timeout(250)


def _dues(page: Page, want: dict[str, str]) -> None:
    _wait_rows(page, STEPS_TABLE, want, by_first=True, column=1)


STEP_TITLES = ("Reviewer commissioned", "Terms of reference agreed", "Practitioners involved", "Family involved",
               "Draft report to the partners", "Final report", "Copies to the Panel and the Secretary of State",
               "Published")


# The "Done" column once every step is recorded (the officer's dates below).
DONE = dict(zip(STEP_TITLES, ("Mon 21 Dec", "Fri 15 Jan", "Fri 12 Mar", "Mon 15 Mar", "Fri 30 Apr", "Tue 1 Jun",
                              "Mon 5 Jul", "Thu 15 Jul"), strict=True))


def _record_step(page: Page, title: str, done_on: date, *, reviewer: str = "", address: str = "") -> None:
    form = _form(page, "Record the step")
    _choose(page, form, "Step", title)
    _type_date(page, form, "Date done", done_on)
    if reviewer:
        form.get_by_role("textbox", name=re.compile("Reviewer's name")).fill(reviewer)
    if address:
        form.get_by_role("textbox", name=re.compile("Web address of the published report")).fill(address)
    _click(page, form, "Record the step")


@pytest.fixture
def officer_page(browser: Browser) -> Iterator[Page]:
    """A second browser (its own cookies): the officer's, beside the Manager's."""
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


# ---------------------------------------------------------------- the journey


def test_after_the_rapid_review_from_the_panels_response_to_the_briefing(
        app_url: str, fresh_database_url: str, page: Page, officer_page: Page, tmp_path: Path) -> None:
    _, reference = _seed(fresh_database_url)
    manager, officer = page, officer_page

    # 1. The Manager records the Panel's response (it agrees with the LCSPR decision): the review closes.
    sign_in(manager, app_url, "morgan", PASSWORD)
    _go(manager, "Report", f"Rapid Review report {reference}")
    manager.get_by_role("tab", name="Word versions and sign-off").click()
    wait_for_app(manager)
    response = _form(manager, "Record the response")
    _type_date(manager, response, "Date of the Panel's response", DECIDED)
    response.locator('[data-testid="stRadio"]').filter(has_text="Does the Panel agree").get_by_text(
        "yes", exact=True).click()
    response.locator('[data-testid="stRadio"]').filter(has_text="further information").get_by_text(
        "no", exact=True).click()
    _click(manager, response, "Record the response")
    _expect_message(manager, "Response recorded. The review is closed.")
    expect(manager.locator("body")).to_contain_text("The Panel's response:")

    # 2. The Manager starts the LCSPR from the decision's date; its due dates are the ones worked by hand above.
    _go(manager, "Review", f"Review {reference}")
    expect(manager.locator("body")).to_contain_text("CLOSED")
    start = _form(manager, "Start the LCSPR")
    _type_date(manager, start, "Date of the decision to carry out the LCSPR (its due dates count from it)", DECIDED)
    _click(manager, start, "Start the LCSPR")
    _expect_message(manager, f"{reference} is now an LCSPR.")
    expect(manager.locator("body")).to_contain_text("Decided Wed 02 Dec 2026.")
    _dues(manager, dict(zip(STEP_TITLES, ("Mon 4 Jan", "Mon 25 Jan", "Mon 22 Mar", "Mon 22 Mar", "Tue 4 May",
                                          "Wed 2 Jun", "Mon 5 Jul", "Wed 14 Jul"), strict=True)))
    # Every step's due date is before today, Mon 19 Jul 2027: each open step is red.
    assert {r[3] for r in _rows(manager, STEPS_TABLE)} == {"RED"}

    # Closed, the review has left the live list; as an LCSPR in progress it is listed under "LCSPRs in progress".
    _go(manager, "Live reviews", "Live reviews")
    expect(manager.get_by_role("heading", name="LCSPRs in progress")).to_be_visible()
    expect(manager.locator("body")).to_contain_text("There are no live reviews.")
    (live,) = _wait_rows(manager, LIVE_LCSPRS, {reference: "LCSPR"}, by_first=True, column=1)
    assert live[:4] == [reference, "LCSPR", "RED", "Reviewer commissioned, due Mon 4 Jan"]

    # An officer records each step, in order; later due dates follow the dates done.
    sign_in(officer, app_url, "olly", PASSWORD)
    _go(officer, "Review", f"Review {reference}")
    _record_step(officer, "Reviewer commissioned", date(2026, 12, 21), reviewer="Dr Avery Reviewer")
    _expect_message(officer, "Recorded: Reviewer commissioned, done Mon 21 Dec 2026.")
    expect(officer.locator("body")).to_contain_text("Reviewer: Dr Avery Reviewer")
    _wait_rows(officer, STEPS_TABLE, {"Reviewer commissioned": "Mon 21 Dec", "Terms of reference agreed": "—",
                                      "Practitioners involved": "—", "Family involved": "—",
                                      "Draft report to the partners": "—", "Final report": "—",
                                      "Copies to the Panel and the Secretary of State": "—", "Published": "—"},
               by_first=True, column=2)
    _dues(officer, dict(zip(STEP_TITLES, ("Mon 4 Jan", "Thu 14 Jan", "Thu 11 Mar", "Thu 11 Mar", "Tue 4 May",
                                          "Wed 2 Jun", "Mon 5 Jul", "Wed 14 Jul"), strict=True)))

    _record_step(officer, "Terms of reference agreed", date(2027, 1, 15))
    _expect_message(officer, "Recorded: Terms of reference agreed, done Fri 15 Jan 2027.")
    _dues(officer, dict(zip(STEP_TITLES, ("Mon 4 Jan", "Thu 14 Jan", "Fri 12 Mar", "Fri 12 Mar", "Tue 4 May",
                                          "Wed 2 Jun", "Mon 5 Jul", "Wed 14 Jul"), strict=True)))

    for title, done_on in (("Practitioners involved", date(2027, 3, 12)), ("Family involved", date(2027, 3, 15)),
                           ("Draft report to the partners", date(2027, 4, 30)), ("Final report", date(2027, 6, 1))):
        _record_step(officer, title, done_on)
        _expect_message(officer, f"Recorded: {title}, done {done_on:%a %d %b %Y}.")
    _dues(officer, dict(zip(STEP_TITLES, ("Mon 4 Jan", "Thu 14 Jan", "Fri 12 Mar", "Fri 12 Mar", "Tue 4 May",
                                          "Wed 2 Jun", "Fri 2 Jul", "Tue 13 Jul"), strict=True)))

    _record_step(officer, "Copies to the Panel and the Secretary of State", date(2027, 7, 5))
    _expect_message(officer, "Recorded: Copies to the Panel and the Secretary of State, done Mon 05 Jul 2027.")

    # A refusal: a publication address that is not https. The message says why; what was typed stays (the date too:
    # sent again with only the address changed, the step is recorded on Thu 15 Jul, not on today's default).
    insecure = "http://demoshire-partnership.example.org.uk/lcspr/2027-1"
    _record_step(officer, "Published", date(2027, 7, 15), address=insecure)
    # (Shown as Markdown, "https://" carries a WORD JOINER after its colon, so that it is not made a link.)
    _expect_message(officer, f"The web address must be a secure address starting with https{JOINED_COLON}// and "
                    "naming a site")
    form = _form(officer, "Record the step")
    expect(form.get_by_role("textbox", name=re.compile("Web address of the published report"))).to_have_value(
        insecure)
    form.get_by_role("textbox", name=re.compile("Web address of the published report")).fill(ADDRESS)
    _click(officer, form, "Record the step")
    _expect_message(officer, "Recorded: Published, done Thu 15 Jul 2027.")
    expect(officer.locator("body")).to_contain_text("Published at: " + ADDRESS.replace(":", JOINED_COLON))
    done = _wait_rows(officer, STEPS_TABLE, {**DONE, "Published": "Thu 15 Jul"}, by_first=True, column=2)
    assert {r[3] for r in done} == {"COMPLETE"}

    # Published, the LCSPR has left Live reviews (the page drawn to its end: the form to open a review comes last).
    _go(manager, "Live reviews", "Live reviews")
    expect(manager.locator('[data-testid="stExpander"] summary', has_text="Open a new review")).to_be_visible()
    expect(manager.get_by_role("heading", name="LCSPRs in progress")).to_have_count(0)
    assert reference not in manager.inner_text("body")

    # 3. The officer adds a recommendation (from the LCSPR's final report) and an action owned by the agency.
    officer.locator('[data-testid="stExpander"] summary', has_text="Add or change recommendations and actions").click()
    wait_for_app(officer)
    add = _form(officer, "Add the recommendation")
    _choose(officer, add, "Where it comes from", "LCSPR final report")
    add.get_by_role("textbox", name="The recommendation").fill(RECOMMENDATION)
    _type_date(officer, add, "Made on", date(2027, 7, 15))
    _click(officer, add, "Add the recommendation")
    _expect_message(officer, "Recommendation added.")
    expect(officer.locator("body")).to_contain_text(f"1. LCSPR final report, made Thu 15 Jul 2027: {RECOMMENDATION}")

    act = _form(officer, "Add the action")
    _choose(officer, act, "Recommendation", RECOMMENDATION[:90])
    _choose(officer, act, "Owning agency", AGENCY)
    act.get_by_role("textbox", name="Or a named contact: name").fill(CONTACT)
    act.get_by_role("textbox", name="The action").fill(ACTION)
    _type_date(officer, act, "Due on", date(2027, 7, 16))
    _type_date(officer, act, "Check its impact on (optional)", TODAY)
    _click(officer, act, "Add the action")
    _expect_message(officer, "Action added.")

    # 4. The officer codes the review with a practice theme and its learning.
    officer.locator('[data-testid="stExpander"] summary', has_text="The themes and their learning").click()
    wait_for_app(officer)
    code = _form(officer, "Add the theme")
    _choose(officer, code, "Theme", THEME)
    code.get_by_role("textbox", name="The learning, in one sentence").fill(LEARNING)
    _click(officer, code, "Add the theme")
    _expect_message(officer, f"Coded with {THEME}.")
    expect(officer.locator(".st-key-cards_on_phone_review_themes")).to_contain_text(LEARNING)

    # The officer gives the evidence on the Actions page: first without text (refused), then with it.
    _go(officer, "Actions", "Actions")
    _choose(officer, officer.locator("body"), "Open an action (give evidence, accept it or send it back, check its "
            "impact)", _action_option(reference))
    evidence = _form(officer, "Give the evidence: the action is done")
    _click(officer, evidence, "Give the evidence: the action is done")
    _expect_message(officer, "Say what was done: evidence needs text (documents may come with it, not instead of it).")
    evidence.get_by_role("textbox", name="What was done (the evidence)").fill(EVIDENCE)
    _click(officer, evidence, "Give the evidence: the action is done")
    _expect_message(officer, "Evidence round 1 given for action")

    # The Manager accepts it and checks its impact (the check date is today).
    _go(manager, "Actions", "Actions")
    _choose(manager, manager.locator("body"), "Open an action (give evidence, accept it or send it back, check its "
            "impact)", _action_option(reference))
    expect(manager.locator("body")).to_contain_text(EVIDENCE)
    _click(manager, manager, "Accept the evidence")
    _expect_message(manager, "is accepted.")
    impact = _form(manager, "Record the impact check")
    impact.get_by_role("textbox", name="What the impact check found (one sentence)").fill(FINDING)
    _click(manager, impact, "Record the impact check")
    _expect_message(manager, "is checked.")

    # 5. The table by agency: one action, none overdue, not done on time (evidence Mon 19 Jul, due Fri 16 Jul),
    # evidenced, impact checked. "Overdue only" shows none.
    _wait_rows(manager, BY_AGENCY, [[AGENCY, "1", "0", "0", "1", "1"]])
    manager.get_by_text("Overdue only", exact=True).click()
    wait_for_app(manager)
    _expect_message(manager, "No action matches these filters.")
    expect(manager.locator("body")).to_contain_text("0 of 1 actions, most urgent first.")
    _wait_rows(manager, BY_AGENCY, [[AGENCY, "1", "0", "0", "1", "1"]])  # the table counts every action

    # The seven-minute briefing, downloaded from the Review page and read with python-docx.
    _go(manager, "Review", f"Review {reference}")
    with manager.expect_download() as download_info:
        manager.get_by_role("button", name="Download the seven-minute briefing (Word)").click()
    download = download_info.value
    assert download.suggested_filename == f"{reference} seven-minute briefing 2027-07-19.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = Document(str(saved))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        texts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    body = "\n".join(texts)
    assert LEARNING in body
    assert AGENCY in body
    assert ADDRESS in body
    assert CONTACT not in body  # owners are not named
    assert INITIALS not in body.replace(reference, "")  # no initials but the case reference's own


def _action_option(reference: str) -> re.Pattern[str]:
    """The action in the "Open an action" box: '021126QZ #<its number>: <its first 80 characters>'."""
    return re.compile(rf"^{re.escape(reference)} #\d+: {re.escape(ACTION[:80])}$")
