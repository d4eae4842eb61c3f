"""AppTest of the Report and Meetings pages on a real, committed database (issue 6)."""
from __future__ import annotations

import re
from datetime import date
from typing import Literal

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency, LogEntry, Review, ReviewMilestone
from db.models_report import Meeting, PanelResponse, ReportSection, ReportVersion, SignOff
from services.report.content import WRITABLE_KEYS
from services.report.panel import record_responses, set_ofsted_required, submit_to_panel
from services.report.service import record_lcspr_decision, save_section, send_to_chair, sign_off
from services.returns.service import record_returns_requested, record_summary
from services.returns.service_receipts import record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, update_review_dates
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession
from ui.widgets import FREE_TEXT_REMINDER

RECEIVED = date(2026, 12, 18)      # Fri: Day 1; Day 15 = Tue 12 Jan 2027
AS_OF = date(2027, 1, 8)           # Fri, Day 12


def _seed(open_session: OpenSession) -> tuple[Account, Account, Account, int]:
    """An officer, a manager and a chair; two agencies; one review whose forms were sent, one return received."""
    officer = create_account(open_session, "officer", username="olly")
    manager = create_account(open_session, "manager", username="morgan")
    chair = create_account(open_session, "chair", username="charlie")
    with open_session() as session, session.begin():
        for name in ("Demoshire Police", "GP practices"):
            session.add(Agency(name=name, kind="health", active=True))
        session.flush()
        actor = session.get(Account, officer.id)
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        returns = record_returns_requested(session, actor, review_id=review.id,
                                           agency_ids=list(session.scalars(select(Agency.id))),
                                           requested_on=RECEIVED, as_of=RECEIVED)
        for ret in returns:
            record_return_received(session, actor, return_id=ret.id, expected_version=None,
                                   received_on=date(2026, 12, 21), signed_by_senior_manager=False, as_of=AS_OF)
        record_summary(session, actor, return_id=returns[0].id, expected_version=None, summary="Known to them.")
        review_id = review.id
    return officer, manager, chair, review_id


def _open(make_app: MakeApp, account: Account, review_id: int, page: str = "pages/report.py",
          as_of: date = AS_OF) -> AppTest:
    at = make_app(account, as_of=as_of).run()
    at.query_params["review"] = str(review_id)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _complete_the_report(open_session: OpenSession, officer_id: int, review_id: int) -> None:
    with open_session() as session, session.begin():
        actor = session.get(Account, officer_id)
        for key in WRITABLE_KEYS:
            save_section(session, actor, review_id=review_id, section_key=key, text=f"Text of {key}.",
                         expected_version=0)
        record_lcspr_decision(session, actor, review_id=review_id, expected_version=None, decision=False,
                              reason="Not met.")
        from db.models_returns import AgencyReturn
        for ret in session.scalars(select(AgencyReturn).where(AgencyReturn.summary.is_(None))):
            record_summary(session, actor, return_id=ret.id, expected_version=None, summary="Not known.")


def _text(at: AppTest) -> str:
    """The page's markdown as read: the escapes that keep typed text literal (ui.widgets.md_text) removed."""
    return re.sub(r"\\(.)", r"\1", "\n".join(str(m.value) for m in at.markdown))


def test_the_page_shows_the_report_what_is_missing_and_the_preview(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    assert "### Rapid Review report 181226AB" in _text(at)
    assert "Draft: not yet sent to the JCR Chair." in _text(at)
    warning = at.warning[0].value
    assert "**2. Summary of the incident and circumstances**: not written yet" in warning
    assert "**3. Agency involvement**: no summary yet for GP practices" in warning
    assert [t.label for t in at.tabs] == ["Write the sections", "Preview", "Word versions and sign-off"]
    preview = next(m.value for m in at.markdown if "#### 1. Case details" in m.value)
    assert "#### 9. Quality assurance and sign-off" in preview and "Known to them." in preview
    box = at.text_area(key=f"rp{review_id}_s_incident_summary_text")
    assert (box.placeholder, box.help) == (FREE_TEXT_REMINDER, FREE_TEXT_REMINDER + " Up to 20,000 characters.")


def test_saving_a_section_shows_who_changed_it_and_it_leaves_the_warning(app_db: OpenSession,
                                                                         make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    at.text_area(key=f"rp{review_id}_s_incident_summary_text").input("The child was found injured at home.")
    at.button(key=f"FormSubmitter:rp{review_id}_s_incident_summary_form-Save section 2").click().run()
    assert not at.exception and at.success[0].value == "Section 2 saved."
    assert at.text_area(key=f"rp{review_id}_s_incident_summary_text").value == "The child was found injured at home."
    assert any(c.value.startswith("Last changed by App officer on ") for c in at.caption)
    assert "2. Summary of the incident" not in at.warning[0].value
    with app_db() as session:
        assert session.scalar(select(ReportSection.text)) == "The child was found injured at home."


def test_a_save_over_someone_elses_newer_text_is_refused_and_the_typed_text_is_kept(app_db: OpenSession,
                                                                                    make_app: MakeApp) -> None:
    officer, _, chair, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    # The Chair saves section 4 after the officer opened the page.
    with app_db() as session, session.begin():
        save_section(session, session.get(Account, chair.id), review_id=review_id, section_key="practice_episodes",
                     text="The Chair's episodes.", expected_version=0)
    box = f"rp{review_id}_s_practice_episodes_text"
    at.text_area(key=box).input("The officer's episodes.")
    at.button(key=f"FormSubmitter:rp{review_id}_s_practice_episodes_form-Save section 4").click().run()
    assert not at.exception
    assert "was changed by App chair" in at.error[0].value
    assert "What you typed is still in the form" in at.error[0].value
    assert at.text_area(key=box).value == "The officer's episodes."
    assert any("The Chair's episodes." in c.value for c in at.code)
    # Having seen theirs, the officer combines the two and saves: now against the Chair's version.
    at.text_area(key=box).input("The Chair's episodes. The officer's episodes.")
    at.button(key=f"FormSubmitter:rp{review_id}_s_practice_episodes_form-Save section 4").click().run()
    assert at.success[0].value == "Section 4 saved."
    with app_db() as session:
        row = session.scalar(select(ReportSection).where(ReportSection.section_key == "practice_episodes"))
        assert row is not None
        assert (row.text, row.version) == ("The Chair's episodes. The officer's episodes.", 2)


def test_a_word_draft_is_made_kept_and_offered_for_download(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    at.button(key=f"rp{review_id}_make_draft").click().run()
    assert not at.exception
    assert at.success[0].value == "Draft version 1 made. Download it below."
    labels = [b.label for b in at.download_button]
    assert labels == ["Download version 1 (draft) as Word", "Download version 1"]
    table = at.dataframe[-1].value
    assert list(table["Version"]) == [1] and list(table["State"]) == ["draft"]
    assert table["File"][0] == "181226AB Rapid Review report v1 draft.docx"
    # A second click with nothing changed makes no second version.
    at.button(key=f"rp{review_id}_make_draft").click().run()
    assert "is unchanged" in at.success[0].value
    with app_db() as session:
        assert session.scalars(select(ReportVersion.number)).all() == [1]


def test_the_chair_is_refused_sign_off_while_sections_are_missing_and_then_signs(app_db: OpenSession,
                                                                                 make_app: MakeApp) -> None:
    officer, manager, chair, review_id = _seed(app_db)
    _hold_the_meeting(app_db, officer, review_id)
    with app_db() as session, session.begin():
        send_to_chair(session, session.get(Account, officer.id), review_id=review_id, sent_on=date(2027, 1, 7),
                      as_of=AS_OF)
    at = _open(make_app, chair, review_id)
    assert "With the JCR Chair since Thu 07 Jan 2027." in _text(at)
    p = f"rp{review_id}_"
    at.button(key=f"FormSubmitter:{p}sign_form-Sign off").click().run()
    assert at.error[0].value == "Tick the box to confirm you have read the report and sign it off."
    at.checkbox(key=p + "sign_confirm").check()
    at.button(key=f"FormSubmitter:{p}sign_form-Sign off").click().run()
    assert "cannot be signed off while parts of it are missing: 2. Summary" in at.error[0].value
    assert at.checkbox(key=p + "sign_confirm").value is True  # what the Chair ticked stays
    _complete_the_report(app_db, officer.id, review_id)
    at.checkbox(key=p + "sign_confirm").check()
    at.button(key=f"FormSubmitter:{p}sign_form-Sign off").click().run()
    assert at.success[0].value == "Signed off: version 2 is the signed final version."
    assert "Signed off by App chair on Fri 08 Jan 2027." in _text(at)
    with app_db() as session:
        done = session.scalar(select(ReviewMilestone.done_date).where(ReviewMilestone.key == "signed_report"))
        assert done == AS_OF
    # The officer sees the locked text; the manager gets the submission form and submits.
    officer_view = _open(make_app, officer, review_id)
    assert officer_view.text_area(key=f"{p}s_learning_text").disabled
    manager_view = _open(make_app, manager, review_id)
    manager_view.button(key=f"FormSubmitter:{p}submit_form-Record the submission").click().run()
    assert manager_view.success[0].value == "Submitted to the National Panel on Fri 08 Jan 2027: version 3."
    with app_db() as session:
        review = session.get_one(Review, review_id)
        assert (review.state, review.submitted_to_panel_date) == ("submitted", AS_OF)


def test_an_officer_gets_no_sign_off_form_and_a_board_member_no_page(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    with app_db() as session, session.begin():
        send_to_chair(session, session.get(Account, officer.id), review_id=review_id, sent_on=AS_OF, as_of=AS_OF)
    at = _open(make_app, officer, review_id)
    assert not [b for b in at.button if "sign_form" in (b.key or "")]
    assert any(i.value == "Waiting for the JCR Chair to sign the report off." for i in at.info)
    board = create_account(app_db, "board")
    at = make_app(board, as_of=AS_OF).run()
    for page in ("pages/report.py", "pages/meetings.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_recording_a_meeting_refused_keeps_what_was_typed_then_saves(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id, page="pages/meetings.py")
    p = f"mt{review_id}_"
    assert at.selectbox(key=p + "kind").value == "rr_meeting"
    at.date_input(key=p + "held_on").set_value(date(2026, 12, 31))
    at.date_input(key=p + "minutes_on").set_value(date(2026, 12, 30))
    at.text_input(key=p + "chair").input("Charlie Chair")
    at.text_area(key=p + "decisions").input("Agreed the three practice episodes.")
    at.button(key=f"FormSubmitter:{p}record_form-Record the meeting").click().run()
    assert not at.exception
    assert at.error[0].value == ("The minutes cannot be circulated (30 Dec 2026) before the meeting was held "
                                 "(31 Dec 2026).")
    assert at.text_area(key=p + "decisions").value == "Agreed the three practice episodes."
    assert at.text_input(key=p + "chair").value == "Charlie Chair"
    at.date_input(key=p + "minutes_on").set_value(date(2027, 1, 5))
    at.button(key=f"FormSubmitter:{p}record_form-Record the meeting").click().run()
    assert at.success[0].value == "Rapid Review meeting of Thu 31 Dec 2026 recorded."
    table = at.table[0].value  # cells are Markdown (ui.style.wrapping_table): punctuation is escaped
    assert list(table["Meeting"]) == ["Rapid Review meeting"]
    assert list(table["Minutes"]) == ["LATE (1 WORKING DAY)"]
    assert list(table["Agencies attending"]) == ["Demoshire Police\\, GP practices"]
    assert any("Minutes of the Rapid Review meeting of Thu 31 Dec 2026: late (1 working day)" in e.value
               for e in at.error)
    # The form is empty again, and the next kind offered is a pre-meet (one Rapid Review meeting per review).
    assert at.text_area(key=p + "decisions").value == ""
    assert at.selectbox(key=p + "kind").options == ["Pre-meet"]
    with app_db() as session:
        done = dict(session.execute(select(ReviewMilestone.key, ReviewMilestone.done_date)
                                    .where(ReviewMilestone.key.in_(("rr_meeting", "minutes")))).all())
        assert done == {"rr_meeting": date(2026, 12, 31), "minutes": date(2027, 1, 5)}
        assert session.scalar(select(Meeting.chair_name)) == "Charlie Chair"


def test_the_lcspr_decision_is_saved_on_the_page_and_other_changes_do_not_make_it_stale(app_db: OpenSession,
                                                                                        make_app: MakeApp) -> None:
    _, manager, _, review_id = _seed(app_db)
    at = _open(make_app, manager, review_id)
    p = f"rp{review_id}_"
    submit = f"FormSubmitter:{p}lcspr_form-Save the LCSPR decision"
    at.text_area(key=p + "lcspr_reason").input("The criteria are not met; the learning is captured here.")
    at.button(key=submit).click().run()
    assert at.error[0].value.startswith("Say whether a Local Child Safeguarding Practice Review is to be carried out")
    assert at.text_area(key=p + "lcspr_reason").value == "The criteria are not met; the learning is captured here."
    at.radio(key=p + "lcspr_decision").set_value("no")
    at.button(key=submit).click().run()
    assert at.success[0].value == "LCSPR decision saved."
    # The manager then marks Ofsted as required (the review's version moves on) and changes the reasons.
    at.checkbox(key=p + "ofsted_required").check()
    at.button(key=f"FormSubmitter:{p}ofsted_form-Save").click().run()
    assert at.success[0].value == "Saved: the report goes to Ofsted too."
    at.text_area(key=p + "lcspr_reason").input("The criteria are not met.")
    at.button(key=submit).click().run()
    assert at.success[0].value == "LCSPR decision saved."
    with app_db() as session:
        review = session.get_one(Review, review_id)
        assert (review.lcspr_decision, review.lcspr_reason, review.ofsted_required) == \
            (False, "The criteria are not met.", True)


def test_a_stale_lcspr_decision_keeps_the_typing_and_shows_the_saved_decision(app_db: OpenSession,
                                                                              make_app: MakeApp) -> None:
    officer, _, chair, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    p = f"rp{review_id}_"
    with app_db() as session, session.begin():
        review = session.get_one(Review, review_id)
        record_lcspr_decision(session, session.get(Account, chair.id), review_id=review_id,
                              expected_version=review.version, decision=True, reason="The Chair's reasons.")
    at.radio(key=p + "lcspr_decision").set_value("no")
    at.text_area(key=p + "lcspr_reason").input("The officer's reasons.")
    at.button(key=f"FormSubmitter:{p}lcspr_form-Save the LCSPR decision").click().run()
    assert not at.exception
    assert "This review was changed by someone else" in at.error[0].value
    assert "What you typed is still in the form" in at.error[0].value
    assert (at.radio(key=p + "lcspr_decision").value, at.text_area(key=p + "lcspr_reason").value) == \
        ("no", "The officer's reasons.")
    assert "Decision: yes\nReasons: The Chair's reasons." in [c.value for c in at.code]
    at.button(key=f"FormSubmitter:{p}lcspr_form-Save the LCSPR decision").click().run()
    assert at.success[0].value == "LCSPR decision saved."
    with app_db() as session:
        review = session.get_one(Review, review_id)
        assert (review.lcspr_decision, review.lcspr_reason) == (False, "The officer's reasons.")


def test_a_section_changed_elsewhere_while_untouched_shows_their_text_and_saves_without_a_false_conflict(
        app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, chair, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    box = f"rp{review_id}_s_learning_text"
    with app_db() as session, session.begin():
        save_section(session, session.get(Account, chair.id), review_id=review_id, section_key="learning",
                     text="The Chair's learning.", expected_version=0)
    at.run()  # shown afresh: the untouched box follows the saved text and its version
    assert at.text_area(key=box).value == "The Chair's learning."
    at.text_area(key=box).input("The Chair's learning. And the officer's.")
    at.button(key=f"FormSubmitter:rp{review_id}_s_learning_form-Save section 7").click().run()
    assert at.success[0].value == "Section 7 saved." and not at.error


def test_a_double_submit_of_a_section_saves_it_once(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    at.text_area(key=f"rp{review_id}_s_learning_text").input("Learning, once.")
    submit = f"FormSubmitter:rp{review_id}_s_learning_form-Save section 7"
    at.button(key=submit).click().run()
    at.button(key=submit).click().run()
    assert "That was already saved; it was not saved twice." in [i.value for i in at.info]
    assert not at.error
    with app_db() as session:
        saves = session.scalars(select(LogEntry.text).where(LogEntry.text.like("Report section 7%"))).all()
    assert len(saves) == 1


def test_a_section_with_a_hidden_control_character_is_refused_in_words_and_the_typing_stays(app_db: OpenSession,
                                                                                            make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    box = f"rp{review_id}_s_learning_text"
    at.text_area(key=box).input("Learning\x00 here.")
    at.button(key=f"FormSubmitter:rp{review_id}_s_learning_form-Save section 7").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("The text of section 7 (Learning identified, good practice included) "
                                        "contains a hidden control character (U+0000")
    assert at.text_area(key=box).value == "Learning\x00 here."


# ---------------------------------------------------------------- issue 14: ending a review as it really happens

THU_7_JAN, MON_11_JAN = date(2027, 1, 7), date(2027, 1, 11)
TUE_12_JAN, WED_13_JAN = date(2027, 1, 12), date(2027, 1, 13)


def _with_the_chair(open_session: OpenSession, officer: Account, review_id: int) -> None:
    """Every part written; sent to the JCR Chair on Thu 7 Jan (version 1)."""
    _complete_the_report(open_session, officer.id, review_id)
    _hold_the_meeting(open_session, officer, review_id)
    with open_session() as session, session.begin():
        send_to_chair(session, session.get(Account, officer.id), review_id=review_id, sent_on=THU_7_JAN, as_of=AS_OF)


def _hold_the_meeting(open_session: OpenSession, officer: Account, review_id: int) -> None:
    """Issue 26: the Panel gets the report after its Rapid Review meeting, held Wed 30 Dec (Day 7)."""
    from services.meetings.service import record_meeting
    with open_session() as session, session.begin():
        record_meeting(session, session.get(Account, officer.id), review_id=review_id, kind="rr_meeting",
                       held_on=date(2026, 12, 30), agency_ids=list(session.scalars(select(Agency.id)))[:1],
                       chair_name="JCR Chair", as_of=AS_OF)


def _signed_off(open_session: OpenSession, officer: Account, chair: Account, review_id: int) -> None:
    """Sent to the JCR Chair on Thu 7 Jan and signed off by the Chair on Fri 8 Jan (version 2)."""
    _with_the_chair(open_session, officer, review_id)
    with open_session() as session, session.begin():
        sign_off(session, session.get(Account, chair.id), review_id=review_id, signed_on=AS_OF, as_of=AS_OF)


def _signed_and_submitted(open_session: OpenSession, officer: Account, manager: Account, chair: Account,
                          review_id: int, *,
                          ofsted: bool = False) -> None:
    """Signed by the Chair on Fri 8 Jan (version 2) and submitted the same day (version 3)."""
    _with_the_chair(open_session, officer, review_id)
    with open_session() as session, session.begin():
        as_manager = session.get(Account, manager.id)
        if ofsted:
            set_ofsted_required(session, as_manager, review_id=review_id, required=True)
        sign_off(session, session.get(Account, chair.id), review_id=review_id, signed_on=AS_OF, as_of=AS_OF)
        submit_to_panel(session, as_manager, review_id=review_id, submitted_on=AS_OF,
                        ofsted_sent_on=AS_OF if ofsted else None, as_of=AS_OF)


def test_the_manager_records_a_sign_off_given_by_email_on_the_chairs_behalf(app_db: OpenSession,
                                                                            make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db)
    _with_the_chair(app_db, officer, review_id)
    at = _open(make_app, manager, review_id)
    p = f"rp{review_id}_"
    at.date_input(key=p + "outside_signed_on").set_value(THU_7_JAN)
    at.text_input(key=p + "outside_how").input("by email to the Partnership Manager")
    at.button(key=f"FormSubmitter:{p}outside_sign_form-Record the sign-off").click().run()
    # The Chair's name is missing: a sentence, and what was typed stays.
    assert [e.value for e in at.error] == ["Give the name of the JCR Chair who signed the report off."]
    assert at.text_input(key=p + "outside_how").value == "by email to the Partnership Manager"
    assert at.date_input(key=p + "outside_signed_on").value == THU_7_JAN
    at.text_input(key=p + "outside_chair").input("Dr J Smith")
    at.button(key=f"FormSubmitter:{p}outside_sign_form-Record the sign-off").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Sign-off recorded: version 2 is the signed final version."
    assert ("Signed off by Dr J Smith on Thu 07 Jan 2027 (given outside the product: by email to the Partnership "
            "Manager; recorded by App manager).") in _text(at)
    with app_db() as session:
        row = session.scalars(select(SignOff)).one()
        assert (row.signed_on, row.chair_name, row.given_outside, row.how_given, row.recorded_by_id,
                row.withdrawn_on) == (THU_7_JAN, "Dr J Smith", True, "by email to the Partnership Manager",
                                      manager.id, None)
        assert session.scalar(select(ReviewMilestone.done_date).where(ReviewMilestone.key == "signed_report")) \
            == THU_7_JAN
        assert session.scalar(select(ReportVersion.state).where(ReportVersion.number == 2)) == "signed_final"


def test_the_sign_off_recorded_by_the_manager_waits_for_the_incident_and_csc_dates(app_db: OpenSession,
                                                                                   make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db)
    _with_the_chair(app_db, officer, review_id)
    with app_db() as session, session.begin():
        review = session.get_one(Review, review_id)
        update_review_dates(session, session.get(Account, officer.id), review_id=review_id,
                            expected_version=review.version, incident_date=None, csc_aware_date=None,
                            sin_submitted_date=None, notification_received_date=RECEIVED, as_of=AS_OF)
    at = _open(make_app, manager, review_id)
    p = f"rp{review_id}_"
    at.text_input(key=p + "outside_chair").input("Dr J Smith")
    at.text_input(key=p + "outside_how").input("by email")
    at.button(key=f"FormSubmitter:{p}outside_sign_form-Record the sign-off").click().run()
    assert [e.value for e in at.error] == [
        "The report cannot be signed off while the incident date and the date CSC became aware are not known: "
        "record them on the Review page (Correct the review's dates) first."]
    assert at.text_input(key=p + "outside_chair").value == "Dr J Smith"
    with app_db() as session:
        assert session.scalars(select(SignOff)).all() == []


def test_a_sign_off_is_withdrawn_with_a_reason_and_its_version_is_kept(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, chair, review_id = _seed(app_db)
    _signed_off(app_db, officer, chair, review_id)
    at = _open(make_app, manager, review_id)
    p = f"rp{review_id}_"
    assert "Signed off by App chair on Fri 08 Jan 2027." in _text(at)
    at.button(key=f"FormSubmitter:{p}withdraw_form-Withdraw the sign-off").click().run()
    assert [e.value for e in at.error] == [
        "Say why the sign-off is withdrawn (for example 'the Chair asked for section 7 to be amended')."]
    at.text_area(key=p + "withdraw_reason").input("The Chair asked for section 7 to be amended.")
    at.button(key=f"FormSubmitter:{p}withdraw_form-Withdraw the sign-off").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Sign-off withdrawn: the report can be amended and signed off again."
    assert "With the JCR Chair since Thu 07 Jan 2027." in _text(at)
    assert ("Version 2: Signed off by App chair on Fri 08 Jan 2027; withdrawn Fri 08 Jan 2027. Reason: The Chair asked "
            "for section 7 to be amended.") in [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]
    with app_db() as session:
        row = session.scalars(select(SignOff)).one()
        assert (row.withdrawn_on, row.withdrawn_reason, row.withdrawn_by_id) == \
            (AS_OF, "The Chair asked for section 7 to be amended.", manager.id)
        assert session.scalar(select(ReviewMilestone.done_date).where(ReviewMilestone.key == "signed_report")) is None
        assert session.scalars(select(ReportVersion.state).order_by(ReportVersion.number)).all() == \
            ["sent_to_chair", "signed_final"]


def test_the_panels_response_is_recorded_with_what_it_said_and_closes_the_review(app_db: OpenSession,
                                                                                 make_app: MakeApp) -> None:
    officer, manager, chair, review_id = _seed(app_db)
    _signed_and_submitted(app_db, officer, manager, chair, review_id)
    at = _open(make_app, manager, review_id, as_of=MON_11_JAN)
    p = f"rp{review_id}_"
    assert "Submitted to the National Panel on Fri 08 Jan 2027." in _text(at)
    at.date_input(key=p + "panel_response_on").set_value(MON_11_JAN)
    at.radio(key=p + "panel_further").set_value("yes")
    at.button(key=f"FormSubmitter:{p}response_form-Record the response").click().run()
    assert [e.value for e in at.error] == ["Say whether the Panel agrees with the LCSPR decision (yes or no)."]
    assert at.date_input(key=p + "panel_response_on").value == MON_11_JAN
    assert at.radio(key=p + "panel_further").value == "yes"
    at.radio(key=p + "panel_agrees").set_value("no")
    at.text_area(key=p + "panel_notes").input("Asked for the school's chronology.")
    at.button(key=f"FormSubmitter:{p}response_form-Record the response").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Response recorded. The review is closed."
    text = _text(at)
    assert "Closed: the Panel responded on Mon 11 Jan 2027." in text
    assert ("**The Panel's response:** received Mon 11 Jan 2027; does not agree with the LCSPR decision; further "
            "information asked. Notes: Asked for the school's chronology.") in text
    assert not [b for b in at.button if "response_form" in (b.key or "")]  # nothing left to record
    with app_db() as session:
        response = session.get_one(PanelResponse, review_id)
        assert (response.received_on, response.agrees_with_lcspr, response.further_information_asked,
                response.notes, response.recorded_by_id) == \
            (MON_11_JAN, False, True, "Asked for the school's chronology.", manager.id)
        review = session.get_one(Review, review_id)
        assert (review.state, review.panel_response_date) == ("closed", MON_11_JAN)


def test_ofsteds_response_is_recorded_on_a_closed_review_when_it_comes(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, chair, review_id = _seed(app_db)
    _signed_and_submitted(app_db, officer, manager, chair, review_id, ofsted=True)
    with app_db() as session, session.begin():
        record_responses(session, session.get(Account, manager.id), review_id=review_id, panel_response_on=MON_11_JAN,
                         agrees_with_lcspr=True, further_information_asked=False, as_of=MON_11_JAN)
    at = _open(make_app, manager, review_id, as_of=WED_13_JAN)
    p = f"rp{review_id}_"
    assert "Closed: the Panel responded on Mon 11 Jan 2027. Ofsted's response is outstanding." in _text(at)
    # The review is closed: only Ofsted's date is asked for.
    assert p + "panel_response_on" not in [d.key for d in at.date_input]
    at.date_input(key=p + "ofsted_response_on").set_value(TUE_12_JAN)
    at.button(key=f"FormSubmitter:{p}response_form-Record the response").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Response recorded."
    text = _text(at)
    assert "Closed: the Panel responded on Mon 11 Jan 2027." in text
    assert "Ofsted's response is outstanding" not in text
    with app_db() as session:
        review = session.get_one(Review, review_id)
        assert (review.state, review.ofsted_response_date) == ("closed", TUE_12_JAN)
        assert session.scalar(select(LogEntry.text).where(LogEntry.text.like("Ofsted's response%"))) == \
            "Ofsted's response to the report received on 12 Jan 2027."


# ---------------------------------------------------------------- a text longer than the report keeps

SCRIPT_PASTE = "<script>alert(1)</script>" * 400  # 10,000 characters
KEPT = "Shorten it and save again: what you typed is still in the form."


def _refused_and_kept(at: AppTest, submit: str, kind: Literal["text_input", "text_area"], key: str, typed: str,
                      sentence: str) -> None:
    """Submit: refused with exactly `sentence`, and the box (`kind`: text_input or text_area) still holds `typed`.
    The boxes have no character limit: a browser box with one drops a longer paste whole, with no message."""
    at.button(key=submit).click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [sentence]
    box = at.text_input(key=key) if kind == "text_input" else at.text_area(key=key)
    assert box.value == typed


def test_a_section_longer_than_the_report_keeps_is_refused_in_words_and_stays_in_the_box(app_db: OpenSession,
                                                                                         make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    box = f"rp{review_id}_s_learning_text"
    at.text_area(key=box).input("x" * 20_001)
    _refused_and_kept(at, f"FormSubmitter:rp{review_id}_s_learning_form-Save section 7", "text_area", box, "x" * 20_001,
                      "The text of section 7 (Learning identified, good practice included) is 20,001 characters long; "
                      f"it can be at most 20,000. {KEPT}")
    with app_db() as session:
        assert session.scalars(select(ReportSection)).all() == []


@pytest.mark.parametrize(("typed", "sentence"), [
    ("r" * 4001, f"The reasons for the LCSPR decision is 4,001 characters long; it can be at most 4,000. {KEPT}"),
    (SCRIPT_PASTE, f"The reasons for the LCSPR decision is 10,000 characters long; it can be at most 4,000. {KEPT}"),
])
def test_lcspr_reasons_longer_than_the_report_keeps_are_refused_in_words_and_stay_in_the_box(
        app_db: OpenSession, make_app: MakeApp, typed: str, sentence: str) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id)
    p = f"rp{review_id}_"
    at.radio(key=p + "lcspr_decision").set_value("no")
    at.text_area(key=p + "lcspr_reason").input(typed)
    _refused_and_kept(at, f"FormSubmitter:{p}lcspr_form-Save the LCSPR decision", "text_area", p + "lcspr_reason",
                      typed, sentence)
    with app_db() as session:
        review = session.get_one(Review, review_id)
        assert (review.lcspr_decision, review.lcspr_reason) == (None, None)


@pytest.mark.parametrize(("box", "typed", "sentence"), [
    ("outside_chair", "C" * 121, f"The Chair's name is 121 characters long; it can be at most 120. {KEPT}"),
    ("outside_chair", SCRIPT_PASTE, f"The Chair's name is 10,000 characters long; it can be at most 120. {KEPT}"),
    ("outside_how", "h" * 201,
     f"The description of how the sign-off was given is 201 characters long; it can be at most 200. {KEPT}"),
])
def test_a_sign_off_recorded_with_a_name_or_how_too_long_is_refused_in_words_and_stays_in_the_box(
        app_db: OpenSession, make_app: MakeApp, box: str, typed: str, sentence: str) -> None:
    officer, manager, _, review_id = _seed(app_db)
    _with_the_chair(app_db, officer, review_id)
    at = _open(make_app, manager, review_id)
    p = f"rp{review_id}_"
    at.text_input(key=p + "outside_chair").input(typed if box == "outside_chair" else "Dr J Smith")
    at.text_input(key=p + "outside_how").input(typed if box == "outside_how" else "by email")
    _refused_and_kept(at, f"FormSubmitter:{p}outside_sign_form-Record the sign-off", "text_input", p + box, typed,
                      sentence)
    with app_db() as session:
        assert session.scalars(select(SignOff)).all() == []


def test_a_withdrawal_reason_longer_than_the_report_keeps_is_refused_in_words_and_stays_in_the_box(
        app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, chair, review_id = _seed(app_db)
    _signed_off(app_db, officer, chair, review_id)
    at = _open(make_app, manager, review_id)
    p = f"rp{review_id}_"
    at.text_area(key=p + "withdraw_reason").input("w" * 4001)
    _refused_and_kept(at, f"FormSubmitter:{p}withdraw_form-Withdraw the sign-off", "text_area", p + "withdraw_reason",
                      "w" * 4001, f"The reason is 4,001 characters long; it can be at most 4,000. {KEPT}")
    with app_db() as session:
        assert session.scalars(select(SignOff.withdrawn_on)).all() == [None]


def test_notes_on_the_panels_response_too_long_are_refused_in_words_and_stay_in_the_box(app_db: OpenSession,
                                                                                        make_app: MakeApp) -> None:
    officer, manager, chair, review_id = _seed(app_db)
    _signed_and_submitted(app_db, officer, manager, chair, review_id)
    at = _open(make_app, manager, review_id, as_of=MON_11_JAN)
    p = f"rp{review_id}_"
    at.date_input(key=p + "panel_response_on").set_value(MON_11_JAN)
    at.radio(key=p + "panel_agrees").set_value("yes")
    at.radio(key=p + "panel_further").set_value("no")
    at.text_area(key=p + "panel_notes").input("n" * 4001)
    _refused_and_kept(at, f"FormSubmitter:{p}response_form-Record the response", "text_area", p + "panel_notes",
                      "n" * 4001,
                      f"The note on the Panel's response is 4,001 characters long; it can be at most 4,000. {KEPT}")
    with app_db() as session:
        assert session.get(PanelResponse, review_id) is None
        assert session.get_one(Review, review_id).state == "submitted"
