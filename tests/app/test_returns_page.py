"""AppTest of the Agency returns page on a real, committed database."""
from __future__ import annotations

import io
import re
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pandas as pd
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency, LogEntry, Review
from db.models_returns import AgencyReturn
from services.agency_exchange import open_agency_return
from services.returns.exports import CHECKLIST_COLUMNS, export_checklist
from services.returns.service import (
    record_initial_check,
    record_returns_requested,
    record_shared_with_chair,
    record_summary,
)
from services.returns.service_receipts import record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account, open_folded
from tests.app.returns_folds import open_cards
from tests.types import CheckAnswers, MakeApp, OpenSession

RECEIVED = date(2026, 12, 18)       # Fri: forms sent the same day are due Tue 29 Dec
AS_OF = date(2026, 12, 22)          # Tue
YES: CheckAnswers = {"sufficient_information": True, "dates_present": True, "analysis": True, "signed": True}


def _seed(open_session: OpenSession, *,
          requested: tuple[str, ...] = ("Demoshire Police", "GP practices")) -> tuple[Account, Account, Account, int]:
    """An officer, a manager, a chair, three agencies, one review; the forms sent to `requested`."""
    officer = create_account(open_session, "officer", username="olly")
    manager = create_account(open_session, "manager", username="morgan")
    chair = create_account(open_session, "chair", username="charlie")
    with open_session() as session, session.begin():
        for name in ("Demoshire Police", "GP practices", "Early Help"):
            session.add(Agency(name=name, kind="health", contact_email=f"{name.split()[0].lower()}@example.org",
                               active=True))
        session.flush()
        actor = session.merge(officer)
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        ids = [session.scalars(select(Agency.id).where(Agency.name == n)).one() for n in requested]  # names are unique
        if ids:
            record_returns_requested(session, actor, review_id=review.id, agency_ids=ids, requested_on=RECEIVED,
                                     as_of=RECEIVED)
        review_id = review.id
    return officer, manager, chair, review_id


def _return_id(open_session: OpenSession, agency_name: str) -> int:
    with open_session() as session:
        return_id = session.scalar(select(AgencyReturn.id).join(Agency).where(Agency.name == agency_name))
    assert return_id is not None
    return return_id


def _open_checklist(make_app: MakeApp, account: Account, review_id: int, as_of: date = AS_OF, *,
                    table_open: bool = True, cards_open: bool = True) -> AppTest:
    """The review's returns page; its checklist table open (as a user opens it) unless `table_open` is False, and
    every agency's card opened (each is one line until opened) unless `cards_open` is False."""
    at = make_app(account, as_of=as_of).run()
    at.query_params["review"] = str(review_id)
    at.session_state["checklist_table_open"] = table_open
    at.switch_page("pages/returns.py").run()
    if cards_open:
        open_cards(at)
    assert not at.exception, at.exception
    return at


def _rows(at: AppTest) -> dict[str, dict[str, object]]:
    table = at.dataframe[0].value
    return {r["Agency"]: r for r in table.to_dict("records")}


def _submit(at: AppTest, return_id: int, form: str, label: str) -> AppTest:
    at.button(key=f"FormSubmitter:r{return_id}_{form}-{label}").click().run()
    return at


def test_checklist_shows_one_row_per_agency_with_due_date_rag_and_next_step(app_db: OpenSession,
                                                                            make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open_checklist(make_app, officer, review_id)
    rows = _rows(at)
    assert list(rows) == ["Demoshire Police", "GP practices"]
    police = rows["Demoshire Police"]
    assert police["Due"] == date(2026, 12, 29) and police["Requested"] == RECEIVED
    assert police["RAG"] == "GREEN" and police["Stage"] == "awaiting the return"
    assert police["Next step"] == "Awaiting the return, due in 3 working days (Tue 29 Dec)"
    header = at.markdown[0].value
    assert header.startswith("### 181226AB") and "returns received: **0 of 2** · accepted: **0**" in header


def test_the_page_and_the_excel_export_show_the_same_checklist(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _manager, _, review_id = _seed(app_db)
    with app_db() as session, session.begin():
        ret = session.get_one(AgencyReturn, _return_id(app_db, "Demoshire Police"))
        actor = session.get(Account, officer.id)
        record_return_received(session, actor, return_id=ret.id, expected_version=None, received_on=date(2026, 12, 21),
                               signed_by_senior_manager=True, signatory_role="DCI", as_of=AS_OF)
        record_initial_check(session, actor, return_id=ret.id, expected_version=None, checked_on=AS_OF,
                             outcome="satisfactory", as_of=AS_OF, **YES)
    at = _open_checklist(make_app, officer, review_id)
    page = at.dataframe[0].value
    assert list(page.columns) == CHECKLIST_COLUMNS
    assert not at.get("download_button")  # built only when asked for
    at.button(key="export_prepare").click().run()
    assert [b.label for b in at.download_button] == ["Download Excel", "Download CSV"]
    with app_db() as session:
        export = export_checklist(session, session.get(Account, officer.id), review_id=review_id, as_of=AS_OF,
                                  file_format="xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert isinstance(sheet, Worksheet)
    exported = pd.DataFrame([[c.value for c in r] for r in sheet.iter_rows(min_row=4)], columns=CHECKLIST_COLUMNS)

    def same(v: object) -> object:
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
            return ""
        return v.date() if isinstance(v, datetime) else v  # pandas' Timestamp is a datetime too

    assert [[same(v) for v in row] for row in page.itertuples(index=False)] == \
        [[same(v) for v in row] for row in exported.itertuples(index=False)]
    assert page.iloc[0]["Check result"] == "satisfactory (all 4 yes)"


def test_sending_scoping_forms_from_the_page(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db, requested=())
    at = _open_checklist(make_app, officer, review_id)
    assert "No scoping form has been recorded as sent for this review yet." in [i.value for i in at.info]
    with app_db() as session:
        ids = session.scalars(select(Agency.id).order_by(Agency.name)).all()
    at.multiselect(key=f"send_agencies_{review_id}_0").set_value(list(ids[:2]))
    at.date_input(key=f"send_date_{review_id}").set_value(RECEIVED)
    at.button(key="FormSubmitter:send_forms-Record forms sent").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Scoping forms recorded as sent to 2 agencies, each with its private link." in [s.value for s in at.success]
    assert list(_rows(at)) == ["Demoshire Police", "Early Help"]
    # No mail here (no SMTP_URL, no RRT_PUBLIC_URL): each link is shown this once, to be sent by hand, and it opens
    # that agency's return.
    assert any("shown only this once" in w.value for w in at.warning)
    links = [c.value for c in at.code if "/agency/" in c.value]
    assert len(links) == 2 and all(re.fullmatch(r"\S*/agency/[A-Za-z0-9_-]{40,}", link) for link in links)
    with app_db() as session:
        opened = sorted(open_agency_return(session, token=link.rsplit("/", 1)[1], as_of=AS_OF).agency_name
                        for link in links)
    assert opened == ["Demoshire Police", "Early Help"]
    at.run()
    assert not any("shown only this once" in w.value for w in at.warning)
    assert not [c.value for c in at.code if "/agency/" in c.value]


def test_a_receipt_before_the_request_is_refused_and_the_typing_kept(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    ret_id = _return_id(app_db, "Demoshire Police")
    at = _open_checklist(make_app, officer, review_id)
    at.date_input(key=f"r{ret_id}_receipt_received_on").set_value(date(2026, 12, 17))
    at.radio(key=f"r{ret_id}_receipt_signed").set_value("yes")
    at.text_input(key=f"r{ret_id}_receipt_role").input("Detective Chief Inspector")
    _submit(at, ret_id, "receipt_form", "Record the return received")
    assert [e.value for e in at.error] == [
        "The return cannot be received (17 Dec 2026) before it was requested (18 Dec 2026). Check both dates."
    ]
    assert at.date_input(key=f"r{ret_id}_receipt_received_on").value == date(2026, 12, 17)
    assert at.radio(key=f"r{ret_id}_receipt_signed").value == "yes"
    assert at.text_input(key=f"r{ret_id}_receipt_role").value == "Detective Chief Inspector"
    with app_db() as session:
        assert session.get_one(AgencyReturn, ret_id).received_date is None


def test_from_receipt_to_acceptance_on_the_page(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    at = _open_checklist(make_app, officer, review_id)
    at.date_input(key=f"r{ret_id}_receipt_received_on").set_value(AS_OF)
    at.radio(key=f"r{ret_id}_receipt_signed").set_value("yes")
    at.text_input(key=f"r{ret_id}_receipt_role").input("DCI")
    _submit(at, ret_id, "receipt_form", "Record the return received")
    assert "Return from Demoshire Police recorded as received." in [s.value for s in at.success]
    assert _rows(at)["Demoshire Police"]["RAG"] == "AMBER"   # received today, not yet checked
    for name in YES:
        at.radio(key=f"r{ret_id}_check_{name}").set_value("yes")
    at.radio(key=f"r{ret_id}_check_outcome").set_value("satisfactory")
    _submit(at, ret_id, "check_form", "Record the initial check")
    assert not at.error, [e.value for e in at.error]
    _submit(at, ret_id, "share_form", "Record shared with the JCR Chair")
    row = _rows(at)["Demoshire Police"]
    assert (row["Stage"], row["Shared on time"]) == ("checked, awaiting final QA", "same day")
    # The officer cannot do the final QA: the page says who does.
    assert any("Partnership Manager's final QA" in i.value for i in at.info)
    assert not [b for b in at.button if "qa_form" in str(b.key)]

    mgr = _open_checklist(make_app, manager, review_id)
    mgr.radio(key=f"r{ret_id}_qa_outcome").set_value("accepted")
    _submit(mgr, ret_id, "qa_form", "Record the final QA")
    assert not mgr.error, [e.value for e in mgr.error]
    assert _rows(mgr)["Demoshire Police"]["RAG"] == "COMPLETE"
    assert "returns received: **1 of 1** · accepted: **1**" in mgr.markdown[0].value
    with app_db() as session:
        texts = session.scalars(select(LogEntry.text).where(LogEntry.agency_return_id == ret_id)
                                .order_by(LogEntry.id)).all()
    assert texts[-1] == "Final QA: return from Demoshire Police accepted on 22 Dec 2026."


def test_sending_back_without_a_reason_is_refused_on_the_page(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    with app_db() as session, session.begin():
        actor = session.get(Account, officer.id)
        record_return_received(session, actor, return_id=ret_id, expected_version=None, received_on=AS_OF,
                               signed_by_senior_manager=False, as_of=AS_OF)
        record_initial_check(session, actor, return_id=ret_id, expected_version=None, checked_on=AS_OF,
                             outcome="concerns", note="Unsigned.", as_of=AS_OF, **(YES | {"signed": False}))
        record_shared_with_chair(session, actor, return_id=ret_id, expected_version=None, shared_on=AS_OF,
                                 as_of=AS_OF)
    at = _open_checklist(make_app, manager, review_id)
    at.radio(key=f"r{ret_id}_qa_outcome").set_value("sent back")
    at.date_input(key=f"r{ret_id}_qa_new_due").set_value(date(2026, 12, 30))
    _submit(at, ret_id, "qa_form", "Record the final QA")
    assert [e.value for e in at.error] == ["Say why the return is sent back: the agency is told this reason."]
    assert at.date_input(key=f"r{ret_id}_qa_new_due").value == date(2026, 12, 30)
    at.text_area(key=f"r{ret_id}_qa_reason").input("Please have it signed by a senior manager.")
    _submit(at, ret_id, "qa_form", "Record the final QA")
    row = _rows(at)["Demoshire Police"]
    assert (row["Stage"], row["New due date"]) == ("sent back, awaiting resubmission", date(2026, 12, 30))
    assert row["Sent back (reason)"] == ("once: 1) 22 Dec 2026: Please have it signed by a senior manager. (new due "
                                         "date 30 Dec 2026)")
    # The round is listed under the status line, with who sent it back.
    rounds = at.dataframe[1].value.to_dict("records")
    assert [(r["Round"], r["Reason"], r["By"]) for r in rounds] == [
        (1, "Please have it signed by a senior manager.", manager.display_name)]
    # The ready send-back email: to the agency's contact, with the reason and the new due date.
    [link] = [b for b in at.get("link_button") if b.proto.label == "Email the send-back to Demoshire Police"]
    url = urlsplit(link.proto.url)
    assert url.path == "demoshire@example.org"
    assert "What is needed: Please have it signed by a senior manager." in parse_qs(url.query)["body"][0]


def test_two_people_saving_the_same_return(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    with app_db() as session, session.begin():
        record_return_received(session, session.get(Account, officer.id), return_id=ret_id, expected_version=None,
                               received_on=AS_OF, signed_by_senior_manager=False, as_of=AS_OF)
    first = _open_checklist(make_app, officer, review_id)
    second = _open_checklist(make_app, manager, review_id)
    second.text_area(key=f"r{ret_id}_summary_text").input("The manager's summary.")
    _submit(second, ret_id, "summary_form", "Save the summary")
    assert "Summary for Demoshire Police saved." in [s.value for s in second.success]
    first.text_area(key=f"r{ret_id}_summary_text").input("The officer's summary.")
    _submit(first, ret_id, "summary_form", "Save the summary")
    assert "was changed by someone else since you opened it" in first.error[0].value
    # Nothing was overwritten; the first person keeps their typing and sees the saved text beside it.
    with app_db() as session:
        assert session.get_one(AgencyReturn, ret_id).summary == "The manager's summary."
    assert first.text_area(key=f"r{ret_id}_summary_text").value == "The officer's summary."
    assert first.code[-1].value == "The manager's summary."
    # Saving again is deliberate: it goes over the other person's text.
    _submit(first, ret_id, "summary_form", "Save the summary")
    assert "Summary for Demoshire Police saved." in [s.value for s in first.success]
    with app_db() as session:
        assert session.get_one(AgencyReturn, ret_id).summary == "The officer's summary."


def test_outstanding_returns_and_chasing_a_late_one(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    ret_id = _return_id(app_db, "Demoshire Police")
    late_day = date(2026, 12, 31)
    at = make_app(officer, as_of=late_day).run()
    at.switch_page("pages/returns.py").run()
    assert not at.exception
    assert at.segmented_control(key="ret_view").value == "Outstanding returns (all live reviews)"
    table = at.dataframe[0].value
    assert list(table["Agency"]) == ["Demoshire Police", "GP practices"]
    assert set(table["RAG"]) == {"RED"} and set(table["Case reference"]) == {"181226AB"}
    assert not at.get("link_button")  # folded away until asked for
    open_folded(at, "chase_open")
    links = at.get("link_button")
    assert [link.proto.label for link in links] == ["Email Demoshire Police", "Email GP practices"]
    url = urlsplit(links[0].proto.url)
    assert url.scheme == "mailto" and url.path == "demoshire@example.org"
    query = parse_qs(url.query)
    # The subject carries the outside reference, never the case reference (the child's initials).
    assert query["subject"] == [f"Rapid Review 181226 no. {review_id}: scoping return from Demoshire Police, "
                                "due Tue 29 Dec 2026"]
    assert "2 working days late" in query["body"][0]
    at.button(key=f"worklist_chased_{ret_id}").click().run()
    assert "Chase of Demoshire Police logged." in [s.value for s in at.success]
    with app_db() as session:
        logged = session.scalars(select(LogEntry.text).where(LogEntry.agency_return_id == ret_id,
                                                             LogEntry.text.like("Chased%"))).all()
    assert logged == ["Chased Demoshire Police (demoshire@example.org) for the scoping return due 29 Dec 2026 "
                      "(2 working days late)."]


def test_the_chair_reads_the_checklist_without_forms(app_db: OpenSession, make_app: MakeApp) -> None:
    _, _, chair, review_id = _seed(app_db)
    at = _open_checklist(make_app, chair, review_id)
    assert list(_rows(at)) == ["Demoshire Police", "GP practices"]
    assert not at.get("form") and not at.get("link_button")


def test_live_reviews_count_returns_received(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    with app_db() as session, session.begin():
        record_return_received(session, session.get(Account, officer.id),
                               return_id=_return_id(app_db, "GP practices"), expected_version=None,
                               received_on=AS_OF, signed_by_senior_manager=False, as_of=AS_OF)
    at = make_app(officer, as_of=AS_OF).run()
    rows = {r["Review"]: r for r in at.table[0].value.to_dict("records")}
    with app_db() as session:
        reference = session.get_one(Review, review_id).case_reference
    assert rows[reference]["Returns"] == "1 of 2"


def test_a_double_click_on_save_saves_once(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    with app_db() as session, session.begin():
        record_return_received(session, session.get(Account, officer.id), return_id=ret_id, expected_version=None,
                               received_on=AS_OF, signed_by_senior_manager=False, as_of=AS_OF)
    at = _open_checklist(make_app, officer, review_id)
    at.text_area(key=f"r{ret_id}_summary_text").input("Known to the police twice.")
    _submit(at, ret_id, "summary_form", "Save the summary")
    _submit(at, ret_id, "summary_form", "Save the summary")
    assert "That was already saved; it was not saved twice." in [i.value for i in at.info]
    assert not at.error
    with app_db() as session:
        entries = session.scalars(select(LogEntry).where(LogEntry.agency_return_id == ret_id,
                                                         LogEntry.text.like("Summary%"))).all()
    assert len(entries) == 1


def test_the_manager_agrees_a_later_due_date_and_the_checklist_shows_it(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    late_day = date(2026, 12, 30)  # the plan date, Tue 29 Dec, has passed
    assert _rows(_open_checklist(make_app, manager, review_id, as_of=late_day))["Demoshire Police"]["RAG"] == "RED"
    # The officer has no agreed-date form.
    off = _open_checklist(make_app, officer, review_id, as_of=late_day)
    assert not [b for b in off.button if "agreed_form" in str(b.key)]

    at = _open_checklist(make_app, manager, review_id, as_of=late_day)
    at.date_input(key=f"r{ret_id}_agreed_on").set_value(date(2027, 1, 5))
    _submit(at, ret_id, "agreed_form", "Save the agreed date")
    assert [e.value for e in at.error] == ["Say why the date was agreed (for example 'later return date agreed "
                                           "with Demoshire Police')."]
    at.text_input(key=f"r{ret_id}_agreed_reason").input("Agency lead on leave; agreed by phone.")
    _submit(at, ret_id, "agreed_form", "Save the agreed date")
    assert not at.error, [e.value for e in at.error]
    assert "Agreed due date for Demoshire Police set to Tue 05 Jan 2027." in [s.value for s in at.success]
    row = _rows(at)["Demoshire Police"]
    assert (row["RAG"], row["Due"], row["Agreed due date"], row["Agreed (reason)"]) == (
        "GREEN", date(2026, 12, 29), date(2027, 1, 5), "Agency lead on leave; agreed by phone.")
    assert any("agreed due date" in c.value and "Agency lead on leave" in c.value for c in at.caption)
    with app_db() as session:
        entry = session.scalars(select(LogEntry).where(LogEntry.agency_return_id == ret_id)
                                .order_by(LogEntry.id.desc())).first()
        assert entry is not None
        assert (entry.category, entry.author_id) == ("date agreed", manager.id)


def test_each_card_says_in_one_sentence_what_happens_next_and_offers_only_that_step(app_db: OpenSession,
                                                                                    make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    with app_db() as session, session.begin():
        actor = session.get(Account, officer.id)
        record_return_received(session, actor, return_id=ret_id, expected_version=None, received_on=AS_OF,
                               signed_by_senior_manager=True, signatory_role="DCI", as_of=AS_OF)
        record_initial_check(session, actor, return_id=ret_id, expected_version=None, checked_on=AS_OF,
                             outcome="satisfactory", as_of=AS_OF, **YES)
    at = _open_checklist(make_app, officer, review_id)
    # Issue 15: the same return read "Share with the JCR Chair (late)" and "not shared yet: share today".
    nexts = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**Next:**")]  # unescaped
    assert nexts == ["**Next:** Share it with the JCR Chair (by Tue 22 Dec, the day it arrived); then the Partnership "
                     "Manager accepts it or sends it back by Tue 29 Dec (due in 3 working days)."]
    assert "(late)" not in " ".join(m.value for m in at.markdown)
    # Only the next step's form: sharing; the receipt and the check are a line of dates.
    forms = {str(b.key).split(":")[1].split("-")[0] for b in at.button if str(b.key).startswith("FormSubmitter:")}
    assert {f for f in forms if f.startswith(f"r{ret_id}_")} == {f"r{ret_id}_share_form", f"r{ret_id}_file_form",
                                                                 f"r{ret_id}_summary_form"}  # the last two: 'More'
    done = [v for v in (c.value.replace("\\", "") for c in at.caption) if v.startswith("Done:")]
    assert done == ["Done: sent Fri 18 Dec 2026 · received Tue 22 Dec 2026 (signed: DCI) · checked Tue 22 Dec 2026 "
                    "(satisfactory (all 4 yes))."]


def test_all_four_yes_records_a_satisfactory_check_in_one_click(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    with app_db() as session, session.begin():
        record_return_received(session, session.get(Account, officer.id), return_id=ret_id, expected_version=None,
                               received_on=AS_OF, signed_by_senior_manager=True, signatory_role="DCI", as_of=AS_OF)
    at = _open_checklist(make_app, officer, review_id)
    _submit(at, ret_id, "check_form", "All four yes: record it as satisfactory")
    assert "Initial check of Demoshire Police's return recorded." in [s.value for s in at.success]
    with app_db() as session:
        ret = session.get_one(AgencyReturn, ret_id)
        assert (ret.initial_check_outcome, ret.initial_check_date) == ("satisfactory", AS_OF)
        assert (ret.check_sufficient_information, ret.check_dates_present, ret.check_analysis,
                ret.check_signed) == (True, True, True, True)


def test_several_receipts_at_once_are_all_saved_or_none(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    police, gp = _return_id(app_db, "Demoshire Police"), _return_id(app_db, "GP practices")
    at = _open_checklist(make_app, officer, review_id)
    for rid in (police, gp):
        at.checkbox(key=f"batch_r{rid}_pick").check()
    at.radio(key=f"batch_r{police}_signed").set_value("yes")       # signed, but no role: refused
    at.radio(key=f"batch_r{gp}_signed").set_value("no")
    at.button(key="FormSubmitter:batch_receipts-Record the receipts ticked").click().run()
    assert [e.value for e in at.error] == [
        "Demoshire Police: Give the role of the senior manager who signed it (for example Head of Service); a role, "
        "not a name. Nothing was saved: put it right (or untick it) and save again."]
    with app_db() as session:
        assert [session.get_one(AgencyReturn, rid).received_date for rid in (police, gp)] == [None, None]
    assert at.radio(key=f"batch_r{gp}_signed").value == "no"      # the typing is kept
    at.text_input(key=f"batch_r{police}_role").input("Detective Chief Inspector")
    at.button(key="FormSubmitter:batch_receipts-Record the receipts ticked").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Recorded as received: Demoshire Police, GP practices." in [s.value for s in at.success]
    with app_db() as session:
        saved = [session.get_one(AgencyReturn, rid) for rid in (police, gp)]
        assert [(r.received_date, r.signed_by_senior_manager, r.signatory_role) for r in saved] == [
            (AS_OF, True, "Detective Chief Inspector"), (AS_OF, False, None)]


def test_every_return_due_to_be_shared_is_shared_with_the_chair_in_one_action(app_db: OpenSession,
                                                                              make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    ids = [_return_id(app_db, name) for name in ("Demoshire Police", "GP practices")]
    with app_db() as session, session.begin():
        actor = session.get(Account, officer.id)
        for rid in ids:
            record_return_received(session, actor, return_id=rid, expected_version=None, received_on=AS_OF,
                                   signed_by_senior_manager=False, as_of=AS_OF)
            record_initial_check(session, actor, return_id=rid, expected_version=None, checked_on=AS_OF,
                                 outcome="concerns", note="Unsigned.", as_of=AS_OF, **(YES | {"signed": False}))
    at = _open_checklist(make_app, officer, review_id)
    assert "**2 returns are to be shared with the JCR Chair**" in [m.value for m in at.markdown]
    at.button(key="FormSubmitter:batch_share-Share the ticked returns with the JCR Chair").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Recorded as shared with the JCR Chair: Demoshire Police, GP practices." in [s.value for s in at.success]
    with app_db() as session:
        assert [session.get_one(AgencyReturn, rid).shared_with_chair_date for rid in ids] == [AS_OF, AS_OF]
    assert {r["Shared on time"] for r in _rows(at).values()} == {"same day"}


def test_a_batch_over_a_return_saved_by_someone_else_meanwhile_saves_nothing(app_db: OpenSession,
                                                                             make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db)
    police, gp = _return_id(app_db, "Demoshire Police"), _return_id(app_db, "GP practices")
    with app_db() as session, session.begin():
        actor = session.get(Account, officer.id)
        for rid in (police, gp):
            record_return_received(session, actor, return_id=rid, expected_version=None, received_on=AS_OF,
                                   signed_by_senior_manager=False, as_of=AS_OF)
            record_initial_check(session, actor, return_id=rid, expected_version=None, checked_on=AS_OF,
                                 outcome="concerns", note="Unsigned.", as_of=AS_OF, **(YES | {"signed": False}))
    at = _open_checklist(make_app, officer, review_id)
    with app_db() as session, session.begin():   # the manager writes a summary on the police return meanwhile
        record_summary(session, session.get(Account, manager.id), return_id=police, expected_version=None,
                       summary="Known to the police.")
    at.button(key="FormSubmitter:batch_share-Share the ticked returns with the JCR Chair").click().run()
    assert len(at.error) == 1 and at.error[0].value.startswith("Demoshire Police: ")
    assert "changed by someone else" in at.error[0].value and "Nothing was saved" in at.error[0].value
    with app_db() as session:
        assert [session.get_one(AgencyReturn, rid).shared_with_chair_date for rid in (police, gp)] == [None, None]


def test_the_worklist_counts_each_kind_of_outstanding_return(app_db: OpenSession, make_app: MakeApp) -> None:
    """Each figure told apart: late from the agency, received and not yet checked, checked and awaiting final QA."""
    officer, _, _, _ = _seed(app_db, requested=("Demoshire Police", "GP practices", "Early Help"))
    police, gp = _return_id(app_db, "Demoshire Police"), _return_id(app_db, "GP practices")
    with app_db() as session, session.begin():
        actor = session.merge(officer)
        for ret_id in (police, gp):
            record_return_received(session, actor, return_id=ret_id, expected_version=None,
                                   received_on=date(2026, 12, 21), signed_by_senior_manager=True,
                                   signatory_role="DCI", as_of=date(2026, 12, 21))
    at = make_app(officer, as_of=date(2026, 12, 31)).run()  # Early Help's form was due Tue 29 Dec
    at.switch_page("pages/returns.py").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {
        "Late from the agency": "1", "To check today or overdue": "2", "Awaiting final QA": "0",
        "Outstanding in all": "3"}
    with app_db() as session, session.begin():
        record_initial_check(session, session.merge(officer), return_id=gp, expected_version=None,
                             checked_on=date(2026, 12, 21), outcome="satisfactory", note="",
                             as_of=date(2026, 12, 21), **YES)
    at.run()
    assert {m.label: m.value for m in at.metric} == {
        "Late from the agency": "1", "To check today or overdue": "1", "Awaiting final QA": "1",
        "Outstanding in all": "3"}
