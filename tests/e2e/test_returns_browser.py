"""A real browser records one agency return from request to acceptance, counting the officer's clicks up to
"shared with the JCR Chair", and watches the review's RAG change.

Uses the shared fixtures of tests/e2e/conftest.py: `app_url` (the app served by `python -m ui.server` on this
test's own database), `page` (Debian's Chromium) and `sign_in`. The server's "today" is the real London date,
so the review is opened today and its Day 1 steps are done, leaving the returns to drive its RAG."""
from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from db.models import Account, Agency, Review
from db.models_returns import AgencyReturn
from services.clock import today_in_london
from services.returns.service import (
    record_final_qa,
    record_initial_check,
    record_returns_requested,
    record_shared_with_chair,
)
from services.returns.service_receipts import record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, record_milestone_done
from tests.e2e.conftest import sign_in, wait_for_app
from tests.e2e.test_accessibility_browser import _audit, _report
from ui.streamlit_internals.protocol import ForwardMsg

PASSWORD = "correct horse battery"


def _seed(database_url: str) -> str:
    """An officer, a manager and a chair; one agency; a review received today with its Day 1 steps done."""
    from services.accounts import _new_account

    today = today_in_london()
    engine = create_engine(database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = _new_account(session, username="olly", display_name="Olly Officer", roles=["officer"],
                               password=PASSWORD)
        _new_account(session, username="morgan", display_name="Morgan Manager", roles=["manager"], password=PASSWORD)
        chair = _new_account(session, username="charlie", display_name="Charlie Chair", roles=["chair"],
                             password=PASSWORD)
        session.add(Agency(name="Demoshire Police", kind="police", contact_email="safeguarding@police.example.org",
                           active=True))
        review = open_review(session, officer, notification_type="serious_harm", incident_date=today,
                             csc_aware_date=today, notification_received_date=today, children=[ChildEntry("ZZ", 7)],
                             as_of=today)
        for m in review.milestones:
            # Scoping forms sent completes from the requests the test records (issue 26: no tick by hand).
            if m.window_end_day == 1 and m.key != "scoping_sent":
                record_milestone_done(session, chair if m.owner == "chair" else officer, milestone_id=m.id,
                                      done_on=today, as_of=today,
                                      exec_meeting_required=False if m.key == "exec_decision" else None)
        reference = review.case_reference
    engine.dispose()
    return reference


def _open_checklist(page: Page) -> None:
    page.get_by_role("link", name="Agency returns").click()
    wait_for_app(page)
    page.get_by_role("radio", name="Checklist for one review").click()
    wait_for_app(page)


def _review_rag(page: Page, reference: str) -> str:
    header = page.locator("h3").filter(has_text=reference).first.inner_text()
    rag = re.search(r"\b(RED|AMBER|GREEN|COMPLETE|SUBMITTED)\b", header)
    assert rag is not None, header
    return rag.group(1)


def _expect_review_rag(page: Page, reference: str, word: str) -> None:
    """Wait (up to the shared 30 s) until the review's header shows `word`: the header is drawn after the message
    at the top, and on a busy machine a little later."""
    expect(page.locator("h3").filter(has_text=reference).first).to_contain_text(re.compile(rf"\b{word}\b"))
    assert _review_rag(page, reference) == word


def _expect_text(page: Page, text: str) -> None:
    expect(page.locator("body")).to_contain_text(text)


def _answer(page: Page, question: str, answer: str) -> None:
    page.locator('[data-testid="stRadio"]').filter(has_text=question).get_by_text(answer, exact=True).click()


def _click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    wait_for_app(page)


def _expect_message(page: Page, text: str) -> None:
    """Wait (up to the shared 30 s) until a message with `text` is shown: on a busy machine the rerun that draws it
    can start after wait_for_app has already looked."""
    expect(page.locator('[data-testid="stAlert"]').filter(has_text=text).first).to_be_visible()


class CountedClicks:
    """Every click the officer makes, and every key press that submits, counted as the test makes them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def click(self, locator: Locator) -> None:
        locator.click()
        self.count += 1

    def button(self, name: str) -> None:
        # By its text, not its role: while a dropdown is open the rest of the page is hidden from the
        # accessibility tree, yet a click on the button closes the dropdown and presses the button, as a user sees.
        self.click(self.page.locator("button").filter(has_text=name).first)
        wait_for_app(self.page)

    def answer(self, question: str, answer: str) -> None:
        self.click(self.page.locator('[data-testid="stRadio"]').filter(has_text=question)
                   .get_by_text(answer, exact=True))

    def type_and_submit(self, box: Locator, text: str) -> None:
        """Click into the box (a click), type, and press Enter, which submits the form (a key press that submits)."""
        self.click(box)
        box.press_sequentially(text)
        box.press("Enter")
        self.count += 1
        wait_for_app(self.page)


def test_a_return_from_request_to_shared_with_the_chair_in_eight_clicks_then_accepted(app_url: str,
                                                                                      fresh_database_url: str,
                                                                                       page: Page) -> None:
    """Issue 15: one return took about 21 clicks over five forms. Now, on the review's returns page, the officer
    sends the form, records the return, checks it and shares it with the JCR Chair in at most 8 counted clicks;
    the review turns amber on receipt and green again once checked and shared."""
    reference = _seed(fresh_database_url)
    sign_in(page, app_url, "olly", PASSWORD)
    _open_checklist(page)
    # Amber: the scoping forms are due today (Day 1) and complete from the requests recorded below.
    assert _review_rag(page, reference) == "AMBER"
    clicks = CountedClicks(page)

    # Day 1: the scoping form is sent.
    clicks.click(page.locator('[data-testid="stMultiSelect"]'))
    clicks.click(page.get_by_role("option", name="Demoshire Police"))
    clicks.button("Record forms sent")
    _expect_message(page, "Scoping forms recorded as sent to 1 agency, each with its private link.")
    _expect_review_rag(page, reference, "GREEN")

    # The return arrives: its card offers the receipt only. Until it is checked the review is amber.
    _expect_text(page, "The agency sends its return by")
    clicks.answer("Signed by a senior manager?", "yes")
    clicks.type_and_submit(page.get_by_role("textbox", name=re.compile("Their role")), "Detective Chief Inspector")
    _expect_message(page, "recorded as received")
    _expect_review_rag(page, reference, "AMBER")

    # Checked (all four yes) and shared with the Chair the same day: green again.
    clicks.button("All four yes: record it as satisfactory")
    _expect_message(page, "Initial check of Demoshire Police's return recorded.")
    _expect_text(page, "Share it with the JCR Chair (by")
    assert "(late)" not in page.locator("body").inner_text()
    clicks.button("Record shared with the JCR Chair")
    _expect_message(page, "recorded as shared with the JCR Chair")
    assert clicks.count <= 8, clicks.count
    _expect_review_rag(page, reference, "GREEN")
    _expect_text(page, "Waiting for the Partnership Manager's final QA")
    today = today_in_london()
    engine = create_engine(fresh_database_url)
    with Session(engine) as session:
        ret = session.scalars(select(AgencyReturn)).one()
        assert (ret.requested_date, ret.received_date, ret.signed_by_senior_manager, ret.signatory_role) == (
            today, today, True, "Detective Chief Inspector")
        assert (ret.initial_check_outcome, ret.initial_check_date, ret.shared_with_chair_date) == (
            "satisfactory", today, today)
        assert ret.final_qa_outcome is None
    engine.dispose()

    # The Partnership Manager accepts it.
    page.get_by_role("button", name="Sign out").click()
    wait_for_app(page)
    sign_in(page, app_url, "morgan", PASSWORD)
    _open_checklist(page)
    _answer(page, "Decision", "Accept")
    _click(page, "Record the final QA")
    _expect_message(page, "Demoshire Police's return accepted.")
    expect(page.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text=re.compile(r"COMPLETE\s*Demoshire Police: accepted")).first).to_be_visible()
    _expect_text(page, "returns received: 1 of 1 · accepted: 1")
    _expect_review_rag(page, reference, "GREEN")

    # Every return accepted: the milestone is done, as the review page shows.
    engine = create_engine(fresh_database_url)
    with Session(engine) as session:
        review = session.scalars(select(Review).where(Review.case_reference == reference)).one()
        milestone = next(m for m in review.milestones if m.key == "returns_accepted")
        assert milestone.done_date == today_in_london()
    engine.dispose()


def test_the_next_action_after_sending_forms_works(app_url: str, fresh_database_url: str, page: Page) -> None:
    """Issue 11: right after "Record forms sent" the browser still holds the agency it sent in the box (no longer
    an option), and sends it back with the next action; recording a receipt, or changing the Agency box, used to
    raise a TypeError at the multiselect and lose the return typed."""
    _seed(fresh_database_url)
    engine = create_engine(fresh_database_url)
    with Session(engine) as session, session.begin():
        for name in ("GP practices", "Early Help"):
            session.add(Agency(name=name, kind="health", contact_email=None, active=True))
    engine.dispose()
    sign_in(page, app_url, "olly", PASSWORD)
    _open_checklist(page)
    for name in ("Demoshire Police", "GP practices"):
        page.locator('[data-testid="stMultiSelect"]').click()
        page.get_by_role("option", name=name).click()
    page.keyboard.press("Escape")
    _click(page, "Record forms sent")
    _expect_message(page, "Scoping forms recorded as sent to 2 agencies, each with its private link.")

    # Record a receipt on GP practices' card: it works, nothing is lost.
    card = page.locator('[class*="st-key-card_"]').filter(has_text="GP practices").first
    card.locator('[data-testid="stRadio"]').filter(has_text="Signed by a senior manager?").get_by_text(
        "no", exact=True).click()
    card.get_by_role("button", name="Record the return received").click()
    wait_for_app(page)
    body = page.locator("body").inner_text()
    assert "Something went wrong" not in body and "TypeError" not in body, body[:2000]
    _expect_message(page, "Return from GP practices recorded as received.")


class ScriptRuns:
    """How each run of the script the server reports (its `script_finished` message) ended: the whole page, or a
    fragment alone. Read off the app's own websocket, as the browser receives it."""

    def __init__(self, page: Page) -> None:
        self.endings: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._read))

    def _read(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg()
        message.ParseFromString(payload)
        if message.WhichOneof("type") == "script_finished":
            self.endings.append(ForwardMsg.ScriptFinishedStatus.Name(message.script_finished))

    def since(self, mark: int) -> list[str]:
        return self.endings[mark:]


def _seed_one_accepted_one_awaited(database_url: str) -> str:
    """_seed's review with the forms sent to two agencies: Demoshire Police's return received, checked, shared and
    accepted (its card asks for the file location and the summary); GP practices' awaited."""
    reference = _seed(database_url)
    today = today_in_london()
    engine = create_engine(database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = session.scalars(select(Account).where(Account.username == "olly")).one()
        manager = session.scalars(select(Account).where(Account.username == "morgan")).one()
        session.add(Agency(name="GP practices", kind="health", contact_email="gp@example.org", active=True))
        session.flush()
        review = session.scalars(select(Review).where(Review.case_reference == reference)).one()
        police, _gp = record_returns_requested(
            session, officer, review_id=review.id, as_of=today, requested_on=today,
            agency_ids=[session.scalars(select(Agency.id).where(Agency.name == n)).one()  # names are unique
                        for n in ("Demoshire Police", "GP practices")])
        record_return_received(session, officer, return_id=police.id, expected_version=None, received_on=today,
                               signed_by_senior_manager=True, signatory_role="Detective Inspector", as_of=today)
        record_initial_check(session, officer, return_id=police.id, expected_version=None, checked_on=today,
                             sufficient_information=True, dates_present=True, analysis=True, signed=True,
                             outcome="satisfactory", as_of=today)
        record_shared_with_chair(session, officer, return_id=police.id, expected_version=None, shared_on=today,
                                 as_of=today)
        record_final_qa(session, manager, return_id=police.id, expected_version=None, decided_on=today,
                        outcome="accepted", as_of=today)
    engine.dispose()
    return reference


def test_a_save_in_one_card_reruns_that_card_alone_and_one_that_moves_the_counts_reruns_the_page(
        app_url: str, fresh_database_url: str, page: Page) -> None:
    """Issue 15: a save refreshes only what changed in meaning. Saving an accepted return's summary changes nothing
    else the page shows (its stage, RAG and step stay): only its card reruns, and the rest of the page is not run at
    all. Recording the other return received moves the header's count and the batch forms: the whole page reruns,
    and the header says 2 of 2."""
    reference = _seed_one_accepted_one_awaited(fresh_database_url)
    runs = ScriptRuns(page)
    sign_in(page, app_url, "olly", PASSWORD)
    _open_checklist(page)
    _expect_text(page, "returns received: 1 of 2 · accepted: 1")

    police = page.locator('[class*="st-key-card_"]').filter(has_text="Demoshire Police").first
    mark = len(runs.endings)
    police.get_by_role("textbox", name="Summary").fill("Police shared the strategy minutes; learning: ZZ seen.")
    police.get_by_role("button", name="Save the summary").click()
    _expect_message(page, "Summary for Demoshire Police saved.")
    wait_for_app(page)
    assert "FINISHED_FRAGMENT_RUN_SUCCESSFULLY" in runs.since(mark), runs.since(mark)
    assert "FINISHED_SUCCESSFULLY" not in runs.since(mark), runs.since(mark)  # the page itself was not run
    # The message is in the card saved, where the user is (the page's top was not redrawn).
    expect(police.locator('[data-testid="stAlert"]').filter(has_text="Summary for Demoshire Police saved.")
           ).to_be_visible()

    gp = page.locator('[class*="st-key-card_"]').filter(has_text="GP practices").first
    mark = len(runs.endings)
    gp.locator('[data-testid="stRadio"]').filter(has_text="Signed by a senior manager?").get_by_text(
        "no", exact=True).click()
    gp.get_by_role("button", name="Record the return received").click()
    _expect_message(page, "Return from GP practices recorded as received.")
    wait_for_app(page)
    _expect_text(page, "returns received: 2 of 2 · accepted: 1")
    _expect_review_rag(page, reference, "AMBER")  # received, not yet checked
    assert "FINISHED_SUCCESSFULLY" in runs.since(mark), runs.since(mark)

    engine = create_engine(fresh_database_url)
    with Session(engine) as session:
        summaries = dict(session.execute(select(Agency.name, AgencyReturn.summary).join(AgencyReturn.agency)).all())
    engine.dispose()
    assert summaries == {"Demoshire Police": "Police shared the strategy minutes; learning: ZZ seen.",
                         "GP practices": None}

    # The cards, their messages and the checklist table, opened, pass the WCAG audit of every page.
    violations = _audit(page)
    assert not violations, _report("Agency returns, the cards", violations)
    page.get_by_text("The checklist as a table, and its export").click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Export the checklist (Excel or CSV)")).to_be_visible()
    violations = _audit(page)
    assert not violations, _report("Agency returns, the table open", violations)


def test_a_save_in_a_card_after_the_session_ended_saves_nothing_and_asks_to_sign_in(app_url: str,
                                                                                    fresh_database_url: str,
                                                                                     page: Page) -> None:
    """A card that reruns alone skips app.py, where the sign-in session is checked: the card checks it too. Idle
    past the limit, a summary saved in a card is not saved; the page asks to sign in and says why."""
    _seed_one_accepted_one_awaited(fresh_database_url)
    sign_in(page, app_url, "olly", PASSWORD)
    _open_checklist(page)
    police = page.locator('[class*="st-key-card_"]').filter(has_text="Demoshire Police").first
    police.get_by_role("textbox", name="Summary").fill("Written after a long lunch.")
    engine = create_engine(fresh_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE sign_in_sessions SET last_seen_at = now() - interval '31 minutes'"))
    police.get_by_role("button", name="Save the summary").click()
    wait_for_app(page)
    expect(page.get_by_text("You were signed out after 30 idle minutes")).to_be_visible()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    with Session(engine) as session:
        assert session.scalars(select(AgencyReturn.summary)).all() == [None, None]
    engine.dispose()
