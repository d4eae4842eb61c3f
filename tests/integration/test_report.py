"""The report on a real PostgreSQL: sections saved with a version check, Word drafts read back with python-docx,
versions that download byte-identical for ever, and the steps to the National Panel with every refusal."""
from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry, Review, ReviewMilestone
from db.models_report import ReportSection, ReportVersion
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.report.content import APPENDIX, EMPTY_SECTION, SECTIONS, WRITABLE_KEYS
from services.report.panel import record_responses, set_ofsted_required, submit_to_panel
from services.report.reads import SectionText, get_report, get_version_file
from services.report.service import make_draft, record_lcspr_decision, save_section, send_to_chair, sign_off
from services.returns.service import record_returns_requested, record_summary
from services.returns.service_receipts import record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, record_milestone_done
from services.reviews.status import list_live_reviews
from tests.types import MakeAccount

D = date
FRI_18_DEC = D(2026, 12, 18)   # received: Day 1; Day 15 = Tue 12 Jan 2027
MON_21_DEC = D(2026, 12, 21)
THU_7_JAN = D(2027, 1, 7)
FRI_8_JAN = D(2027, 1, 8)
MON_11_JAN = D(2027, 1, 11)
TUE_12_JAN = D(2027, 1, 12)
AS_OF = D(2027, 1, 13)


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    agencies = [Agency(name=name, kind="health", active=True) for name in ("GP practices", "Demoshire Police")]
    session.add_all(agencies)
    session.flush()
    review = open_review(session, officer, notification_type="serious_harm", incident_date=D(2026, 12, 14),
                         csc_aware_date=D(2026, 12, 15), notification_received_date=FRI_18_DEC,
                         sin_submitted_date=D(2026, 12, 16), children=[ChildEntry("AB", 4), ChildEntry("CD", 9)],
                         as_of=FRI_18_DEC)
    returns = record_returns_requested(session, officer, review_id=review.id, agency_ids=[a.id for a in agencies],
                                       requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    police = next(r for r in returns if r.agency.name == "Demoshire Police")
    record_return_received(session, officer, return_id=police.id, expected_version=None, received_on=MON_21_DEC,
                           signed_by_senior_manager=True, signatory_role="DCI", as_of=MON_21_DEC)
    record_summary(session, officer, return_id=police.id, expected_version=None,
                   summary="Known to the police through two call-outs.")
    return review


def _document(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def _hold_the_meeting(session: Session, actor: Account, review: Review) -> None:
    """Issue 26: the Panel gets the report after its Rapid Review meeting, recorded on Wed 30 Dec (Day 7)."""
    from db.models_returns import AgencyReturn as _Return
    from services.meetings.service import record_meeting
    if any(m.key == "rr_meeting" and m.done_date for m in review.milestones):
        return
    agency_ids = list(session.scalars(select(_Return.agency_id).where(_Return.review_id == review.id)))
    record_meeting(session, actor, review_id=review.id, kind="rr_meeting", held_on=D(2026, 12, 30),
                   agency_ids=agency_ids[:1], chair_name="JCR Chair", as_of=D(2026, 12, 30))


def _write_everything(session: Session, actor: Account, review: Review) -> None:
    """Every written section, the LCSPR decision and every agency's summary: the report is complete."""
    _hold_the_meeting(session, actor, review)
    for key in WRITABLE_KEYS:
        save_section(session, actor, review_id=review.id, section_key=key, text=f"Text of {key}.",
                     expected_version=_version(session, actor, review, key))
    record_lcspr_decision(session, actor, review_id=review.id, expected_version=None, decision=False,
                          reason="The learning is captured by this rapid review.")
    from db.models_returns import AgencyReturn
    for ret in session.scalars(select(AgencyReturn).where(AgencyReturn.review_id == review.id)):
        if not ret.summary:
            record_return_received(session, actor, return_id=ret.id, expected_version=None, received_on=MON_21_DEC,
                                   signed_by_senior_manager=False, as_of=MON_21_DEC)
            record_summary(session, actor, return_id=ret.id, expected_version=None, summary="Not known to the GP.")


def _version(session: Session, actor: Account, review: Review, key: str) -> int:
    return get_report(session, actor, review_id=review.id, as_of=AS_OF).sections[key].version


def _milestone(review: Review, key: str) -> ReviewMilestone:
    return next(m for m in review.milestones if m.key == key)


def _log(session: Session, review: Review, like: str) -> list[str]:
    return [e.text for e in session.scalars(select(LogEntry).where(LogEntry.review_id == review.id,
                                                                   LogEntry.text.like(like)).order_by(LogEntry.id))]


# ---------------------------------------------------------------- the Word draft


def test_a_draft_read_back_is_a4_marked_with_every_section_and_the_agency_table_equals_the_returns(
        session: Session, officer: Account, review: Review) -> None:
    made = make_draft(session, officer, review_id=review.id, as_of=AS_OF)
    assert made.new and (made.version.number, made.version.state) == (1, "draft")
    assert made.version.file_name == "181226AB Rapid Review report v1 draft.docx"
    document = _document(get_version_file(session, officer, version_id=made.version.id).data)
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    header = "\n".join(p.text for p in section.header.paragraphs)
    assert "OFFICIAL-SENSITIVE" in header and "181226AB" in header
    assert [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"] == \
        [s.heading for s in SECTIONS] + [APPENDIX.heading]
    details, agencies, milestones = document.tables
    assert dict((r.cells[0].text, r.cells[1].text) for r in details.rows)["Children (initials, age at the incident)"] \
        == "AB, aged 4; CD, aged 9"
    # The agency table: one row per return, in the returns' order (by agency), with their dates.
    assert [[c.text for c in r.cells] for r in agencies.rows][1:] == [
        ["Demoshire Police", "18 Dec 2026", "29 Dec 2026", "21 Dec 2026", "—", "awaiting QA"],
        ["GP practices", "18 Dec 2026", "29 Dec 2026", "—", "—", "—"],
    ]
    assert [r.cells[0].text for r in milestones.rows][1:] == [m.title + (" (optional)" if m.optional else "")
                                                              for m in review.milestones]
    body = [p.text for p in document.paragraphs]
    assert "Known to the police through two call-outs." in body
    assert body.count(EMPTY_SECTION) == 7
    assert _log(session, review, "Report draft version 1 made%")[0].endswith(
        "Not yet written: 2. Summary of the incident and circumstances (not written yet); 3. Agency involvement (no "
        "summary yet for GP practices); 4. Key practice episodes and analysis (not written yet); 5. The child's lived "
        "experience; the influence of race, culture, disability and other inequalities (not written yet); 6. "
        "Immediate actions taken and the safety of other children (not written yet); 7. Learning identified, good "
        "practice included (not written yet); 8. Decision on a Local Child Safeguarding Practice Review (LCSPR) (the "
        "LCSPR decision and its reasons are not recorded); 8. Decision on a Local Child Safeguarding Practice Review "
        "(LCSPR) (issues of national importance not written (write 'None identified' if so)); 9. Quality assurance "
        "and sign-off (not written yet).")


def test_a_second_draft_with_nothing_changed_is_the_same_version(session: Session, officer: Account,
                                                                 review: Review) -> None:
    first = make_draft(session, officer, review_id=review.id, as_of=AS_OF).version
    again = make_draft(session, officer, review_id=review.id, as_of=AS_OF)
    assert (again.new, again.version.id) == (False, first.id)
    save_section(session, officer, review_id=review.id, section_key="learning", text="Learning.", expected_version=0)
    second = make_draft(session, officer, review_id=review.id, as_of=AS_OF)
    assert second.new and second.version.number == 2
    assert session.scalar(select(ReportVersion.number).where(ReportVersion.review_id == review.id)
                          .order_by(ReportVersion.number.desc())) == 2


def test_every_version_downloads_byte_identical_after_the_report_changes(session: Session, officer: Account,
                                                                         review: Review) -> None:
    first = make_draft(session, officer, review_id=review.id, as_of=AS_OF).version
    stored = get_version_file(session, officer, version_id=first.id).data
    assert hashlib.sha256(stored).hexdigest() == first.sha256 and len(stored) == first.size_bytes
    save_section(session, officer, review_id=review.id, section_key="incident_summary", text="What happened.",
                 expected_version=0)
    second = make_draft(session, officer, review_id=review.id, as_of=AS_OF).version
    session.expire_all()
    assert get_version_file(session, officer, version_id=first.id).data == stored
    assert get_version_file(session, officer, version_id=second.id).data != stored
    assert "What happened." in [p.text for p in _document(get_version_file(
        session, officer, version_id=second.id).data).paragraphs]
    assert "What happened." not in [p.text for p in _document(stored).paragraphs]


def test_the_database_keeps_versions_as_made(session: Session, officer: Account, review: Review) -> None:
    version = make_draft(session, officer, review_id=review.id, as_of=AS_OF).version
    for statement in ("UPDATE report_versions SET content = 'x' WHERE id = :id",
                      "DELETE FROM report_versions WHERE id = :id"):
        # As the app's role PostgreSQL refuses before the trigger (issue 12); the owner meets the trigger.
        with pytest.raises(DBAPIError, match=r"report versions are kept as made|permission denied"), \
                session.begin_nested():
            session.execute(text(statement), {"id": version.id})


# ---------------------------------------------------------------- sections


def test_a_section_save_is_checked_against_the_version_it_was_written_on(session: Session, officer: Account,
                                                                         chair: Account, review: Review) -> None:
    row = save_section(session, officer, review_id=review.id, section_key="learning", text="  First text.  ",
                       expected_version=0)
    assert (row.text, row.version, row.updated_by) == ("First text.", 1, "Test officer")
    with pytest.raises(StaleRecord, match=r"Section 7 \(Learning identified, good practice included\) was changed by "
                                          r"Test officer at \d\d:\d\d on .* since you opened it: their text is shown"):
        save_section(session, chair, review_id=review.id, section_key="learning", text="Chair's text.",
                     expected_version=0)
    row = save_section(session, chair, review_id=review.id, section_key="learning", text="Chair's text.",
                       expected_version=1)
    view = get_report(session, officer, review_id=review.id, as_of=AS_OF)
    assert (view.sections["learning"].text, view.sections["learning"].version) == ("Chair's text.", 2)
    assert view.sections["learning"].last_changed.startswith("Last changed by Test chair on ")
    # The log says what was saved, not the text itself.
    assert _log(session, review, "Report section 7%") == [
        "Report section 7 (Learning identified, good practice included) saved: 2 words.",
        "Report section 7 (Learning identified, good practice included) saved: 2 words.",
    ]


@pytest.mark.parametrize(
    ("key", "words", "version", "message"),
    [
        ("case_details", "x", 0, "filled from the data and cannot be written here"),
        ("agency_involvement", "x", 0, "filled from the data and cannot be written here"),
        ("nonsense", "x", 0, "filled from the data and cannot be written here"),
        ("learning", "x" * 20_001, 0,
         r"The text of section 7 \(Learning identified, good practice included\) is 20,001 characters long; it "
         r"can be at most 20,000"),
        ("learning", "   ", 0, "Nothing to save: section 7 is the same as before"),
    ],
)
def test_a_section_that_breaks_a_rule_is_refused(session: Session, officer: Account, review: Review, key: str,
                                                 words: str,
                                                 version: int, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        save_section(session, officer, review_id=review.id, section_key=key, text=words, expected_version=version)
    assert session.scalars(select(ReportSection).where(ReportSection.review_id == review.id)).all() == []


def test_the_lcspr_decision_needs_reasons_and_goes_into_section_8(session: Session, officer: Account, chair: Account,
                                                                  review: Review) -> None:
    with pytest.raises(InvalidInput, match="yes or no"):
        record_lcspr_decision(session, chair, review_id=review.id, expected_version=None, decision=None, reason="x")
    with pytest.raises(InvalidInput, match="Give the reasons for the LCSPR decision"):
        record_lcspr_decision(session, chair, review_id=review.id, expected_version=None, decision=True, reason=" ")
    with pytest.raises(StaleRecord, match="changed by someone else"):
        record_lcspr_decision(session, chair, review_id=review.id, expected_version=review.version - 1,
                              decision=True, reason="Criteria met.")
    record_lcspr_decision(session, chair, review_id=review.id, expected_version=review.version, decision=True,
                          reason="Criteria met.")
    assert (review.lcspr_decision, review.lcspr_reason) == (True, "Criteria met.")
    assert _log(session, review, "LCSPR decision%") == [
        "LCSPR decision recorded: an LCSPR is to be carried out. Reasons: Criteria met."]
    body = [p.text for p in _document(get_version_file(
        session, chair, version_id=make_draft(session, chair, review_id=review.id, as_of=AS_OF).version.id).data
    ).paragraphs]
    assert "Decision: A Local Child Safeguarding Practice Review is to be carried out." in body
    assert "Reasons: Criteria met." in body


# ---------------------------------------------------------------- to the Chair, signed, submitted, answered


def test_the_whole_way_from_draft_to_closed(session: Session, officer: Account, chair: Account, manager: Account,
                                            review: Review) -> None:
    _write_everything(session, officer, review)
    set_ofsted_required(session, manager, review_id=review.id, required=True)
    sent = send_to_chair(session, officer, review_id=review.id, sent_on=THU_7_JAN, as_of=AS_OF)
    assert (sent.state, sent.step_date) == ("sent_to_chair", THU_7_JAN)
    assert (_milestone(review, "report_to_chair").done_date, _milestone(review, "report_to_chair").done_by_id) == \
        (THU_7_JAN, officer.id)
    view = get_report(session, chair, review_id=review.id, as_of=AS_OF)
    assert (view.stage, view.stage_text) == ("with_chair", "With the JCR Chair since Thu 07 Jan 2027.")

    signed = sign_off(session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=AS_OF)
    assert (signed.state, signed.step_date, signed.created_by_name) == ("signed_final", MON_11_JAN, "Test chair")
    assert _milestone(review, "signed_report").done_date == MON_11_JAN
    body = "\n".join(p.text for p in _document(get_version_file(session, chair, version_id=signed.id).data).paragraphs)
    assert "Signed off: Test chair, JCR Chair, on Mon 11 Jan 2027" in body
    assert "Sent to the JCR Chair: Thu 07 Jan 2027" in body
    assert EMPTY_SECTION not in body

    submitted = submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN,
                                ofsted_sent_on=TUE_12_JAN, as_of=AS_OF)
    assert (review.state, review.submitted_to_panel_date) == ("submitted", TUE_12_JAN)
    assert _milestone(review, "panel_submission").done_date == TUE_12_JAN
    # What the Chair signed is what the Panel gets, with the submission recorded in it (test_report_versions.py).
    submitted_body = [p.text for p in _document(get_version_file(session, manager, version_id=submitted.id).data
                                                ).paragraphs]
    assert [p for p in body.splitlines() if not p.startswith("Version: ")] == \
        [p for p in submitted_body if not p.startswith(("Version: ", "Submission: "))]
    assert (submitted.state, submitted.ofsted_sent_on) == ("submitted", TUE_12_JAN)
    progress = [s.progress for s in list_live_reviews(session, manager, as_of=AS_OF) if s.review.id == review.id]
    assert progress == ["submitted on time (Day 15)"]

    record_responses(session, manager, review_id=review.id, ofsted_response_on=AS_OF, as_of=AS_OF)
    assert (review.state, review.ofsted_response_date) == ("submitted", AS_OF)
    record_responses(session, manager, review_id=review.id, panel_response_on=AS_OF, agrees_with_lcspr=True,
                     further_information_asked=False, as_of=AS_OF)
    assert (review.state, review.panel_response_date) == ("closed", AS_OF)
    assert _milestone(review, "panel_response").done_date == AS_OF
    assert review.id not in [s.review.id for s in list_live_reviews(session, manager, as_of=AS_OF)]
    assert [v.state for v in get_report(session, manager, review_id=review.id, as_of=AS_OF).versions] == \
        ["sent_to_chair", "signed_final", "submitted"]
    logged = [e.text for e in session.scalars(select(LogEntry).where(LogEntry.review_id == review.id)
                                              .order_by(LogEntry.id))]
    for start in ("Report version 1 sent to the JCR Chair on 07 Jan 2027",
                  "Report signed off by Test chair (JCR Chair) on 11 Jan 2027: signed final version 2",
                  "Report submitted to the National Panel on 12 Jan 2027 and to Ofsted on 12 Jan 2027: version 3",
                  "Ofsted's response to the report received on 13 Jan 2027.",
                  "The National Panel's response received on 13 Jan 2027: review 181226AB closed. The Panel agrees "
                  "with the LCSPR decision; no further information asked.",
                  "Milestone done: Report updated with the meeting and sent to the JCR Chair, on 07 Jan 2027.",
                  "Milestone done: Signed final report returned by the JCR Chair, on 11 Jan 2027.",
                  "Milestone done: Report submitted to the National Panel (and Ofsted if required), on 12 Jan 2027.",
                  "Milestone done: Panel (and Ofsted) response received and filed, on 13 Jan 2027."):
        assert any(t.startswith(start) for t in logged), start
    with pytest.raises(InvalidInput, match="is closed: its report can no longer be changed"):
        make_draft(session, manager, review_id=review.id, as_of=AS_OF)


def test_sign_off_refusals(session: Session, officer: Account, chair: Account, manager: Account,
                           review: Review) -> None:
    with pytest.raises(NotAllowed, match="Only a JCR Chair may sign off the report"):
        sign_off(session, manager, review_id=review.id, signed_on=AS_OF, as_of=AS_OF)
    with pytest.raises(NotAllowed, match="Only a JCR Chair may sign off the report"):
        sign_off(session, officer, review_id=review.id, signed_on=AS_OF, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="has not been sent to the JCR Chair yet: the officer sends it"):
        sign_off(session, chair, review_id=review.id, signed_on=AS_OF, as_of=AS_OF)
    send_to_chair(session, officer, review_id=review.id, sent_on=THU_7_JAN, as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"cannot be signed off while parts of it are missing: 2\. Summary of the "
                                           r"incident and circumstances \(not written yet\); 3\. Agency involvement "
                                           r"\(no summary yet for GP practices\)"):
        sign_off(session, chair, review_id=review.id, signed_on=AS_OF, as_of=AS_OF)
    _write_everything(session, officer, review)
    with pytest.raises(InvalidInput, match=r"The date of the sign-off \(06 Jan 2027\) cannot be before the report "
                                           r"was sent to the Chair \(version 1\) \(07 Jan 2027\)"):
        sign_off(session, chair, review_id=review.id, signed_on=D(2027, 1, 6), as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"The date of the sign-off \(14 Jan 2027\) cannot be in the future"):
        sign_off(session, chair, review_id=review.id, signed_on=D(2027, 1, 14), as_of=AS_OF)
    with pytest.raises(InvalidInput, match="Give the date of the sign-off"):
        sign_off(session, chair, review_id=review.id, signed_on=None, as_of=AS_OF)
    assert _milestone(review, "signed_report").done_date is None
    sign_off(session, chair, review_id=review.id, signed_on=FRI_8_JAN, as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"signed off by Test chair on 08 Jan 2027 \(version 2\): signing it off "
                                           "again is no longer possible"):
        sign_off(session, chair, review_id=review.id, signed_on=AS_OF, as_of=AS_OF)
    # After the sign-off the text is what was signed.
    for call in (
        lambda: save_section(session, officer, review_id=review.id, section_key="learning", text="Changed.",
                             expected_version=1),
        lambda: make_draft(session, officer, review_id=review.id, as_of=AS_OF),
        lambda: send_to_chair(session, officer, review_id=review.id, sent_on=AS_OF, as_of=AS_OF),
        lambda: record_lcspr_decision(session, chair, review_id=review.id, expected_version=None, decision=True,
                                      reason="Changed our mind."),
    ):
        with pytest.raises(InvalidInput, match="was signed off by Test chair on 08 Jan 2027"):
            call()


def test_send_to_chair_refusals_and_sending_again(session: Session, officer: Account, chair: Account,
                                                  review: Review) -> None:
    with pytest.raises(NotAllowed, match="may send the report to the JCR Chair"):
        send_to_chair(session, chair, review_id=review.id, sent_on=AS_OF, as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"cannot be in the future"):
        send_to_chair(session, officer, review_id=review.id, sent_on=D(2027, 1, 14), as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"cannot be before the date the notification was received \(18 Dec 2026\)"):
        send_to_chair(session, officer, review_id=review.id, sent_on=D(2026, 12, 17), as_of=AS_OF)
    send_to_chair(session, officer, review_id=review.id, sent_on=THU_7_JAN, as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"cannot be before the previous sending \(version 1\) \(07 Jan 2027\)"):
        send_to_chair(session, officer, review_id=review.id, sent_on=D(2027, 1, 6), as_of=AS_OF)
    again = send_to_chair(session, officer, review_id=review.id, sent_on=FRI_8_JAN, as_of=AS_OF)
    assert again.number == 2
    assert _milestone(review, "report_to_chair").done_date == THU_7_JAN  # the first sending completed it
    assert "(sent again after amendments)" in _log(session, review, "Report version 2 sent%")[0]


def test_submission_refusals(session: Session, officer: Account, chair: Account, manager: Account,
                             review: Review) -> None:
    with pytest.raises(NotAllowed, match="Only a Partnership Manager may submit the report"):
        submit_to_panel(session, officer, review_id=review.id, submitted_on=AS_OF, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="cannot be submitted before the JCR Chair has signed it off: only the "
                                           "signed final version goes to the National Panel"):
        submit_to_panel(session, manager, review_id=review.id, submitted_on=AS_OF, as_of=AS_OF)
    _write_everything(session, officer, review)
    send_to_chair(session, officer, review_id=review.id, sent_on=THU_7_JAN, as_of=AS_OF)
    sign_off(session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"The date of the submission \(08 Jan 2027\) cannot be before the Chair's "
                                           r"sign-off \(version 2\) \(11 Jan 2027\)"):
        submit_to_panel(session, manager, review_id=review.id, submitted_on=FRI_8_JAN, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="Ofsted is not marked as required for this review"):
        submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, ofsted_sent_on=TUE_12_JAN,
                        as_of=AS_OF)
    set_ofsted_required(session, manager, review_id=review.id, required=True)
    with pytest.raises(InvalidInput, match="goes to Ofsted too: give the date it was sent to Ofsted"):
        submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, as_of=AS_OF)
    assert review.state == "open" and review.submitted_to_panel_date is None
    submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, ofsted_sent_on=AS_OF, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="was already submitted to the National Panel on 12 Jan 2027"):
        submit_to_panel(session, manager, review_id=review.id, submitted_on=AS_OF, ofsted_sent_on=AS_OF, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="already submitted"):
        set_ofsted_required(session, manager, review_id=review.id, required=False)


def test_response_refusals(session: Session, officer: Account, chair: Account, manager: Account,
                           review: Review) -> None:
    with pytest.raises(InvalidInput, match="has not been submitted to the National Panel yet"):
        record_responses(session, manager, review_id=review.id, panel_response_on=AS_OF, as_of=AS_OF)
    _write_everything(session, officer, review)
    set_ofsted_required(session, manager, review_id=review.id, required=True)
    send_to_chair(session, officer, review_id=review.id, sent_on=THU_7_JAN, as_of=AS_OF)
    sign_off(session, chair, review_id=review.id, signed_on=FRI_8_JAN, as_of=AS_OF)
    submit_to_panel(session, manager, review_id=review.id, submitted_on=MON_11_JAN, ofsted_sent_on=TUE_12_JAN,
                    as_of=AS_OF)
    with pytest.raises(NotAllowed, match="Only a Partnership Manager may record the Panel's or Ofsted's response"):
        record_responses(session, officer, review_id=review.id, panel_response_on=AS_OF, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="Give the date of the Panel's response, or of Ofsted's"):
        record_responses(session, manager, review_id=review.id, as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"The date of the Panel's response \(08 Jan 2027\) cannot be before the "
                                           r"submission to the Panel \(11 Jan 2027\)"):
        record_responses(session, manager, review_id=review.id, panel_response_on=FRI_8_JAN, as_of=AS_OF)
    with pytest.raises(InvalidInput, match=r"Ofsted's response \(11 Jan 2027\) cannot be before the report was sent "
                                           r"to Ofsted \(12 Jan 2027\)"):
        record_responses(session, manager, review_id=review.id, ofsted_response_on=MON_11_JAN, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="Say whether the Panel agrees with the LCSPR decision"):
        record_responses(session, manager, review_id=review.id, panel_response_on=AS_OF, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="Say whether the Panel asked for further information"):
        record_responses(session, manager, review_id=review.id, panel_response_on=AS_OF, agrees_with_lcspr=True,
                         as_of=AS_OF)
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        record_responses(session, manager, review_id=review.id, panel_response_on=D(2027, 1, 14),
                         ofsted_response_on=AS_OF, as_of=AS_OF)
    assert review.state == "submitted" and review.ofsted_response_date is None
    record_responses(session, manager, review_id=review.id, panel_response_on=AS_OF, ofsted_response_on=AS_OF,
                     agrees_with_lcspr=True, further_information_asked=False, as_of=AS_OF)
    assert review.state == "closed"


@pytest.mark.parametrize("key", ["report_to_chair", "signed_report", "panel_submission", "panel_response"])
def test_the_report_milestones_cannot_be_recorded_by_hand(session: Session, manager: Account, review: Review,
                                                          key: str) -> None:
    with pytest.raises(InvalidInput, match=r"is recorded on the Report page, which keeps the report's versions .*: "
                                           "open Report for 181226AB"):
        record_milestone_done(session, manager, milestone_id=_milestone(review, key).id, done_on=AS_OF, as_of=AS_OF)
    assert _milestone(review, key).done_date is None


@pytest.mark.parametrize("role", ["board", "admin"])
def test_board_and_admin_get_nothing_of_the_report(session: Session, make_account: MakeAccount, officer: Account,
                                                   review: Review, role: str) -> None:
    version = make_draft(session, officer, review_id=review.id, as_of=AS_OF).version
    actor = make_account(role)
    for call in (lambda: get_report(session, actor, review_id=review.id, as_of=AS_OF),
                 lambda: get_version_file(session, actor, version_id=version.id),
                 lambda: make_draft(session, actor, review_id=review.id, as_of=AS_OF),
                 lambda: save_section(session, actor, review_id=review.id, section_key="learning", text="x",
                                      expected_version=0)):
        with pytest.raises(NotAllowed):
            call()


# ---------------------------------------------------------------- two people at once


@pytest.fixture
def committed(fresh_database_url: str) -> Iterator[tuple[Engine, int, int, int]]:
    from services.accounts import _new_account

    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        first = _new_account(session, username="first-officer", display_name="First", roles=["officer"],
                             password="correct horse battery")
        second = _new_account(session, username="second-chair", display_name="Second", roles=["chair"],
                              password="correct horse battery")
        review = open_review(session, first, notification_type="other", incident_date=D(2026, 12, 14),
                             csc_aware_date=D(2026, 12, 15), notification_received_date=FRI_18_DEC,
                             children=[ChildEntry("EF", 12)], as_of=FRI_18_DEC)
    yield engine, first.id, second.id, review.id
    engine.dispose()


def _save(engine: Engine, account_id: int, review_id: int, words: str) -> SectionText:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return save_section(session, session.get(Account, account_id), review_id=review_id, section_key="learning",
                            text=words, expected_version=0)


def test_two_first_saves_of_one_section_at_the_same_moment_keep_the_first(
        committed: tuple[Engine, int, int, int]) -> None:
    """Both write a section nobody had saved: the first holds the review; the second waits, then is refused."""
    engine, first, second, review_id = committed
    outcome: dict[str, str] = {}
    with Session(engine, expire_on_commit=False) as session_one:
        session_one.begin()
        save_section(session_one, session_one.get(Account, first), review_id=review_id, section_key="learning",
                     text="First.", expected_version=0)

        def second_save() -> None:
            try:
                _save(engine, second, review_id, "Second.")
                outcome["saved"] = "saved"
            except StaleRecord as error:
                outcome["refused"] = str(error)

        worker = threading.Thread(target=second_save)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the second save should wait for the first to finish"
        session_one.commit()
        worker.join(10)
    assert "saved" not in outcome and "was changed by First" in outcome["refused"]
    with Session(engine) as session:
        assert session.scalar(select(ReportSection.text).where(ReportSection.review_id == review_id)) == "First."


def test_drafts_made_at_the_same_moment_get_different_numbers(committed: tuple[Engine, int, int, int]) -> None:
    engine, first, second, review_id = committed
    numbers: list[int] = []
    errors: list[Exception] = []

    def draft(account_id: int, words: str) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                actor = session.get(Account, account_id)
                save_section(session, actor, review_id=review_id, section_key=f"{words}", text=words,
                             expected_version=0)
                numbers.append(make_draft(session, actor, review_id=review_id, as_of=AS_OF).version.number)
        except Exception as error:  # noqa: BLE001 - a thread hands its error on to the test, which asserts on it
            errors.append(error)

    workers = [threading.Thread(target=draft, args=(first, "learning")),
               threading.Thread(target=draft, args=(second, "incident_summary"))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)
    assert errors == [] and sorted(numbers) == [1, 2]
