"""AppTest of the Live reviews and Review pages on a real database."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency, MilestoneDateCorrection, Review, ReviewMilestone
from db.models_returns import AgencyReturn
from services.returns.service import record_initial_check, record_returns_requested
from services.returns.service_receipts import record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, record_milestone_done
from tests.app.conftest import create_account, open_folded
from tests.types import MakeApp, OpenSession

AS_OF = date(2026, 12, 23)


def _seed(open_session: OpenSession) -> Account:
    officer = create_account(open_session, "officer", username="olly")
    with open_session() as session, session.begin():
        for received, initials in ((date(2026, 12, 18), "AB"), (date(2026, 12, 21), "CD")):
            open_review(session, session.merge(officer), notification_type="serious_harm",
                        incident_date=date(2026, 12, 14), csc_aware_date=date(2026, 12, 15),
                        notification_received_date=received, children=[ChildEntry(initials, 5)], as_of=AS_OF)
    return officer


def _shown(cell: object) -> str:
    """A table cell as the reader sees it: the cells are Markdown, with every special character escaped."""
    return re.sub(r"\\(.)", r"\1", str(cell))


def _table_rows(at: AppTest) -> list[dict[str, str]]:
    """The rows of the page's one table (the live list, the Review page's milestones), as shown."""
    return [{k: _shown(v) for k, v in row.items()} for row in at.table[0].value.to_dict("records")]


def _milestone_rows(at: AppTest) -> dict[str, dict[str, str]]:
    """The Review page's milestones, by title, as shown."""
    return {row["Milestone"]: row for row in _table_rows(at)}


def _review_page(make_app: MakeApp, account: Account, review_id: int, *folded: str) -> AppTest:
    """The Review page of `review_id`, signed in as `account`, with the folded forms under `folded` opened."""
    at = make_app(account, as_of=AS_OF).run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    if folded:
        open_folded(at, *folded)
    return at


def _open_new_review_form(at: AppTest) -> None:
    open_folded(at, "new_review_open")


def _fill_new_review(at: AppTest, *, received: date, incident: date, aware: date, initials: str = "EF", age: str = "6",
                     kind: str | None = "death") -> None:
    if not [d for d in at.date_input if d.key == "nr_received"]:
        _open_new_review_form(at)
    if kind is not None:  # the type has no default: the user chooses it
        at.selectbox(key="nr_type").set_value(kind)
    at.date_input(key="nr_received").set_value(received)
    at.date_input(key="nr_incident").set_value(incident)
    at.date_input(key="nr_aware").set_value(aware)
    at.text_input(key="nr_initials_1").input(initials)
    at.text_input(key="nr_age_1").input(age)


def _counts(at: AppTest) -> str:
    """The live list's line of count badges (one Markdown element)."""
    [line] = [m.value for m in at.markdown if m.value.startswith(":red-badge[") and "SUBMITTED" in m.value]
    return line


def test_live_list_shows_each_review_with_day_due_date_and_status(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    assert not at.exception
    rows = {r["Review"]: r for r in _table_rows(at)}
    assert set(rows) == {"181226AB", "211226CD"}
    assert rows["181226AB"]["Progress"] == "Day 4 of 15"
    assert rows["181226AB"]["Days left"] == "11"
    assert rows["181226AB"]["Due"] == "Tue 12 Jan"
    assert rows["211226CD"]["Due"] == "Wed 13 Jan"
    # Day 1 steps of both reviews are past due: red, and counted as such.
    assert rows["181226AB"]["Status"] == ":red-badge[RED]"
    assert _counts(at) == ":red-badge[2 RED] :orange-badge[0 AMBER] :green-badge[0 GREEN] :gray-badge[0 SUBMITTED]"


def test_each_live_review_has_a_link_that_opens_it(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    with app_db() as session:
        ids = dict(session.execute(select(Review.case_reference, Review.id)).all())
    links = {link.proto.label: link.proto for link in at.page_link}
    # Both Day 1 steps are past due (hand-worked above): each review's link names its reference and status.
    for reference in ("181226AB", "211226CD"):
        link = links[f"{reference} (red)"]
        assert link.page == "review" and link.query_string == f"review={ids[reference]}"


def test_rag_filter_hides_other_statuses(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    at.pills(key="rag_filter").set_value(["green"]).run()
    assert not at.table
    assert "No live review matches the filter." in [i.value for i in at.info]


def test_open_a_new_review_from_the_form(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 20), aware=date(2026, 12, 21))
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert not at.exception and not at.error
    # The user is taken to the new review, with the message there.
    assert at.title[0].value == "Review 221226EF"
    assert [s.value for s in at.success] == ["Review 221226EF opened."]
    at.switch_page("pages/live_reviews.py").run()
    assert "221226EF" in [row["Review"] for row in _table_rows(at)]
    assert not at.success


def test_the_new_review_form_is_drawn_only_once_its_expander_is_opened(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    assert [e.label for e in at.expander] == ["Open a new review"]
    assert not [node for node in at.main if str(getattr(node, "key", "") or "").startswith("nr_")]
    _open_new_review_form(at)
    assert not at.exception
    assert at.date_input(key="nr_received").value is None
    assert at.button(key="FormSubmitter:new_review-Open review")


def test_the_new_review_form_asks_for_the_received_date_first(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    _open_new_review_form(at)
    # The widgets in page order, which is the keyboard's tab order.
    in_order = [node.key for node in at.main if str(getattr(node, "key", "") or "").startswith("nr_")]
    assert in_order[:7] == ["nr_received", "nr_type", "nr_incident", "nr_aware", "nr_sin", "nr_initials_1",
                            "nr_age_1"]


def test_the_chair_is_not_shown_forms_the_chair_cannot_submit(app_db: OpenSession, make_app: MakeApp) -> None:
    _seed(app_db)
    chair = create_account(app_db, "chair", username="charlie")
    at = make_app(chair, as_of=AS_OF).run()
    assert not at.exception
    assert {row["Review"] for row in _table_rows(at)} == {"181226AB", "211226CD"}
    assert "Open a new review" not in [e.label for e in at.expander]
    assert not [d for d in at.date_input if (d.key or "").startswith("nr_")]
    with app_db() as session:
        review_id = session.scalars(select(Review.id).where(Review.case_reference == "181226AB")).one()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    assert at.title[0].value == "Review 181226AB"
    assert "Correct the review's dates" not in [e.label for e in at.expander]
    assert "Record a milestone done" in [h.value for h in at.subheader]  # which the Chair may do


def test_bad_dates_get_a_clear_message_and_keep_the_typed_values(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 22), aware=date(2026, 12, 21))
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert [e.value for e in at.error] == [
        "The incident date (22 Dec 2026) must be on or before the date CSC became aware (21 Dec 2026)."
    ]
    assert at.text_input(key="nr_initials_1").value == "EF"
    assert at.date_input(key="nr_incident").value == date(2026, 12, 22)
    with app_db() as session:
        assert session.scalars(select(Review.case_reference)).all() == ["181226AB", "211226CD"]


def test_text_where_an_age_goes_is_refused(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 20), aware=date(2026, 12, 21), age="six")
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert [e.value for e in at.error] == ["Child 1's age must be a whole number of years (for example 7)."]
    assert at.text_input(key="nr_age_1").value == "six"


def test_submitting_the_same_form_twice_opens_one_review(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 20), aware=date(2026, 12, 21))
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    # Back on the list, the same notification sent again (a second click that arrives late) is not opened twice.
    at.switch_page("pages/live_reviews.py").run()
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 20), aware=date(2026, 12, 21))
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert "it was not opened twice" in at.warning[0].value
    with app_db() as session:
        assert len(session.scalars(select(Review).where(Review.case_reference.like("221226EF%"))).all()) == 1


def test_review_page_shows_dates_sin_timeliness_and_milestones(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    with app_db() as session:
        review_id = session.scalars(select(Review.id).where(Review.case_reference == "181226AB")).one()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    assert not at.exception
    assert at.title[0].value == "Review 181226AB"
    dates_table = at.markdown[1].value
    assert "Tue 12 Jan 2027" in dates_table
    assert "not yet made" in dates_table
    row = _milestone_rows(at)["Agency returns received, checked and accepted"]
    assert (row["Due"], row["Status"], row["Done"]) == ("Tue 29 Dec", ":green-badge[GREEN]", "—")


def test_recording_a_milestone_done_and_a_future_date_refused(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    with app_db() as session:
        review_id = session.scalars(select(Review.id).where(Review.case_reference == "181226AB")).one()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    with app_db() as session:
        folder_id = session.scalars(select(ReviewMilestone.id).where(
            ReviewMilestone.review_id == review_id, ReviewMilestone.key == "case_folder")).one()
    at.selectbox(key="md_milestone").set_value(folder_id)
    at.date_input(key="md_date").set_value(date(2026, 12, 18))
    at.button(key="FormSubmitter:milestone_done-Record as done").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Recorded: Case folder created" in at.success[0].value
    row = _milestone_rows(at)["Case folder created"]
    assert (row["Status"], row["Done"]) == (":blue-badge[COMPLETE]", "Fri 18 Dec by App officer")


def test_correcting_dates_with_a_wrong_order_keeps_the_typing(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    with app_db() as session:
        review = session.scalars(select(Review).where(Review.case_reference == "181226AB")).one()
    at.query_params["review"] = str(review.id)
    at.switch_page("pages/review.py").run()
    open_folded(at, "correct_dates_open")
    at.date_input(key=f"cd_{review.id}_received").set_value(date(2026, 12, 10))
    at.button(key="FormSubmitter:correct_dates-Save dates").click().run()
    assert "must be on or before the date the notification was received" in at.error[0].value
    assert at.date_input(key=f"cd_{review.id}_received").value == date(2026, 12, 10)


def test_the_dates_form_shows_the_saved_dates_again_after_it_was_folded_or_left(app_db: OpenSession,
                                                                                make_app: MakeApp) -> None:
    officer = _seed(app_db)
    with app_db() as session:
        review = session.scalars(select(Review).where(Review.case_reference == "181226AB")).one()
    at = _review_page(make_app, officer, review.id, "correct_dates_open")
    received = f"cd_{review.id}_received"
    assert at.date_input(key=received).value == date(2026, 12, 18)
    at.session_state["correct_dates_open"] = False
    at.run()
    open_folded(at, "correct_dates_open")
    assert at.date_input(key=received).value == date(2026, 12, 18)  # not the widget's default, today
    at.switch_page("pages/live_reviews.py").run()
    at.switch_page("pages/review.py").run()
    open_folded(at, "correct_dates_open")
    assert at.date_input(key=received).value == date(2026, 12, 18)


def test_a_second_user_saving_first_is_not_overwritten(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    with app_db() as session:
        review = session.scalars(select(Review).where(Review.case_reference == "181226AB")).one()
    first = _review_page(make_app, officer, review.id, "correct_dates_open")
    second = _review_page(make_app, officer, review.id, "correct_dates_open")
    second.date_input(key=f"cd_{review.id}_sin").set_value(date(2026, 12, 16))
    second.button(key="FormSubmitter:correct_dates-Save dates").click().run()
    assert "Dates saved" in second.success[0].value
    first.date_input(key=f"cd_{review.id}_sin").set_value(date(2026, 12, 17))
    first.button(key="FormSubmitter:correct_dates-Save dates").click().run()
    assert "changed by someone else" in first.error[0].value
    with app_db() as session:
        assert session.get_one(Review, review.id).sin_submitted_date == date(2026, 12, 16)
    # The typing stays, with the other person's values beside it; saving again deliberately goes over theirs.
    assert first.date_input(key=f"cd_{review.id}_sin").value == date(2026, 12, 17)
    assert "SIN submitted: Wed 16 Dec 2026" in first.code[0].value
    first.button(key="FormSubmitter:correct_dates-Save dates").click().run()
    assert "Dates saved" in first.success[0].value
    with app_db() as session:
        assert session.get_one(Review, review.id).sin_submitted_date == date(2026, 12, 17)


def test_manager_delegates_and_the_officer_sees_it_on_the_live_list(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    manager = create_account(app_db, "manager", username="pat")
    with app_db() as session:
        review = session.scalars(select(Review).where(Review.case_reference == "211226CD")).one()
        meeting_id = session.scalars(select(ReviewMilestone.id).where(
            ReviewMilestone.review_id == review.id, ReviewMilestone.key == "rr_meeting")).one()
    at = make_app(manager, as_of=AS_OF).run()
    at.query_params["review"] = str(review.id)
    at.switch_page("pages/review.py").run()
    open_folded(at, "delegate_open")
    at.selectbox(key="dg_milestone").set_value(meeting_id).run()
    at.selectbox(key=f"dg_{meeting_id}_account").set_value(officer.id)
    at.button(key="FormSubmitter:delegate-Save the delegation").click().run()
    assert "Delegation saved for Rapid Review meeting held." in [s.value for s in at.success]
    assert _milestone_rows(at)["Rapid Review meeting held"]["Owner"] == "chair, delegated to App officer"

    mine = make_app(officer, as_of=AS_OF).run()
    assert "Delegated to you" in [s.value for s in mine.subheader]
    assert any("211226CD" in m.value and "Rapid Review meeting held" in m.value for m in mine.markdown)


def test_officer_gets_no_delegation_form(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    at.switch_page("pages/review.py").run()
    assert not at.exception
    assert "Delegate a milestone (Partnership Manager)" not in [e.label for e in at.expander]
    open_folded(at, "delegate_open")  # even when asked for in the session, nothing is drawn
    assert "dg_milestone" not in [s.key for s in at.selectbox]


def test_an_age_typed_as_a_superscript_is_refused_with_a_sentence(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 20), aware=date(2026, 12, 21), age="²")
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Child 1's age must be a whole number of years (for example 7)."]


def test_initials_that_upper_casing_would_change_are_refused_and_kept(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 20), aware=date(2026, 12, 21),
                     initials="ß")
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert not at.exception
    assert "is not a set of initials: use 1 to 4 letters from A to Z only" in at.error[0].value
    assert at.text_input(key="nr_initials_1").value == "ß"
    with app_db() as session:
        assert session.scalars(select(Review.case_reference)).all() == ["181226AB", "211226CD"]


def test_a_review_opens_with_the_incident_and_csc_dates_blank_and_they_are_filled_in_later(app_db: OpenSession,
                                                                                           make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    _open_new_review_form(at)
    at.date_input(key="nr_received").set_value(date(2026, 12, 22))
    at.selectbox(key="nr_type").set_value("death")
    at.text_input(key="nr_initials_1").input("EF")
    at.text_input(key="nr_age_1").input("6")
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Review 221226EF opened." in [s.value for s in at.success]
    with app_db() as session:
        review = session.scalars(select(Review).where(Review.case_reference == "221226EF")).one()
    assert (review.incident_date, review.csc_aware_date) == (None, None)

    at.query_params["review"] = str(review.id)
    at.switch_page("pages/review.py").run()
    assert not at.exception
    dates_table = at.markdown[1].value
    assert "| Incident | not known yet |" in dates_table
    assert "| CSC became aware | not known yet |" in dates_table
    assert "| SIN due (5 working days from CSC awareness) | —: **not known yet** |" in dates_table
    assert any("required before the report is signed off" in i.value for i in at.info)

    open_folded(at, "correct_dates_open")
    at.date_input(key=f"cd_{review.id}_incident").set_value(date(2026, 12, 20))
    at.date_input(key=f"cd_{review.id}_aware").set_value(date(2026, 12, 21))
    at.button(key="FormSubmitter:correct_dates-Save dates").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Dates saved; due dates recalculated." in [s.value for s in at.success]
    with app_db() as session:
        saved = session.get_one(Review, review.id)
        assert (saved.incident_date, saved.csc_aware_date) == (date(2026, 12, 20), date(2026, 12, 21))
    # CSC aware Mon 21 Dec: the SIN is due Wed 30 Dec (22, 23, 24, 29, 30 Dec; 25 and 28 Dec are holidays).
    dates_table = at.markdown[1].value
    assert "| Incident | Sun 20 Dec 2026 |" in dates_table
    assert "| SIN due (5 working days from CSC awareness) | Wed 30 Dec 2026: **not yet made** |" in dates_table
    assert not any("required before the report is signed off" in i.value for i in at.info)


def test_the_manager_corrects_the_date_of_a_completed_step_and_the_correction_is_listed(app_db: OpenSession,
                                                                                        make_app: MakeApp) -> None:
    officer = _seed(app_db)
    manager = create_account(app_db, "manager", username="pat")
    with app_db() as session, session.begin():
        review = session.scalars(select(Review).where(Review.case_reference == "181226AB")).one()
        timeline = session.scalars(select(ReviewMilestone).where(
            ReviewMilestone.review_id == review.id, ReviewMilestone.key == "timeline_agreed")).one()
        record_milestone_done(session, session.merge(officer), milestone_id=timeline.id, done_on=date(2026, 12, 21),
                              as_of=AS_OF)
    # The officer sees no correction form.
    seen_by_officer = make_app(officer, as_of=AS_OF).run()
    seen_by_officer.query_params["review"] = str(review.id)
    seen_by_officer.switch_page("pages/review.py").run()
    assert "Correct the date of a completed step (Partnership Manager)" not in [
        e.label for e in seen_by_officer.expander]

    at = make_app(manager, as_of=AS_OF).run()
    at.query_params["review"] = str(review.id)
    at.switch_page("pages/review.py").run()
    open_folded(at, "correct_step_open")
    at.selectbox(key="cm_milestone").set_value(timeline.id).run()
    assert at.date_input(key=f"cm_{timeline.id}_on").value == date(2026, 12, 21)
    # A date before the notification is refused with a sentence and the typing stays.
    at.date_input(key=f"cm_{timeline.id}_on").set_value(date(2026, 12, 17))
    at.text_input(key=f"cm_{timeline.id}_reason").input("Agreed with the Chair on the Friday.")
    at.button(key="FormSubmitter:correct_milestone_date-Correct the date").click().run()
    assert [e.value for e in at.error] == ["The corrected date (17 Dec 2026) cannot be before the notification was "
                                           "received (18 Dec 2026)."]
    assert at.date_input(key=f"cm_{timeline.id}_on").value == date(2026, 12, 17)
    assert at.text_input(key=f"cm_{timeline.id}_reason").value == "Agreed with the Chair on the Friday."

    at.date_input(key=f"cm_{timeline.id}_on").set_value(date(2026, 12, 18))
    at.button(key="FormSubmitter:correct_milestone_date-Correct the date").click().run()
    assert not at.error, [e.value for e in at.error]
    assert ("Date corrected for Timeline agreed with JCR Chair and recorded: done Fri 18 Dec 2026."
            in [s.value for s in at.success])
    assert _milestone_rows(at)["Timeline agreed with JCR Chair and recorded"]["Done"] == "Fri 18 Dec by App officer"
    listed = [m.value for m in at.markdown if "not Mon 21 Dec 2026" in m.value]
    assert len(listed) == 1
    assert "done Fri 18 Dec 2026, not Mon 21 Dec 2026: corrected by App manager" in listed[0]
    assert "Reason: Agreed with the Chair on the Friday\\." in listed[0]
    with app_db() as session:
        row = session.scalars(select(MilestoneDateCorrection)).one()
        assert (row.milestone_id, row.old_done_date, row.new_done_date, row.reason, row.corrected_by_id) == \
            (timeline.id, date(2026, 12, 21), date(2026, 12, 18), "Agreed with the Chair on the Friday.", manager.id)
        assert session.get_one(ReviewMilestone, timeline.id).done_date == date(2026, 12, 18)


# ------------------------------------------------------------------ why red, where it is asked

MON_21_DEC = date(2026, 12, 21)


def _red_and_amber_review(open_session: OpenSession) -> tuple[Account, int]:
    """Received Fri 18 Dec (Day 1). On Mon 21 Dec, Day 2: 'Timeline agreed' and 'Case folder created' (Day 1 steps)
    are overdue; the Early Help return, received that day and not yet checked, is due soon (amber on the day it
    came, red from the next working day). The other Day 1 steps are done; the rest are not due yet or green."""
    officer = create_account(open_session, "officer", username="olly")
    with open_session() as session, session.begin():
        actor = session.merge(officer)
        early_help = Agency(name="Early Help", kind="local authority", active=True)
        session.add(early_help)
        session.flush()
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=date(2026, 12, 18),
                             children=[ChildEntry("AB", 5)], as_of=MON_21_DEC)
        by_key = {m.key: m for m in review.milestones}
        record_milestone_done(session, actor, milestone_id=by_key["agencies_informed"].id,
                              done_on=date(2026, 12, 18), as_of=MON_21_DEC)
        record_milestone_done(session, actor, milestone_id=by_key["exec_decision"].id, done_on=date(2026, 12, 18),
                              exec_meeting_required=False, as_of=MON_21_DEC)
        [ret] = record_returns_requested(session, actor, review_id=review.id, agency_ids=[early_help.id],
                                         requested_on=date(2026, 12, 18), as_of=MON_21_DEC)
        record_return_received(session, actor, return_id=ret.id, expected_version=None, received_on=MON_21_DEC,
                               signed_by_senior_manager=True, signatory_role="Head of service", as_of=MON_21_DEC)
        return officer, review.id


WHY_181226AB = ("2 items overdue: Timeline agreed with JCR Chair and recorded (Fri 18 Dec); Case folder created "
                "(Fri 18 Dec) · 1 item due soon: Early Help return unchecked")


def test_the_live_list_says_why_a_review_is_red(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _ = _red_and_amber_review(app_db)
    at = make_app(officer, as_of=MON_21_DEC).run()
    assert not at.exception
    [row] = _table_rows(at)
    assert (row["Review"], row["Status"], row["Why"]) == ("181226AB", ":red-badge[RED]", WHY_181226AB)
    # The amber item goes once the return is checked: only the two overdue steps are left.
    with app_db() as session, session.begin():
        ret = session.scalars(select(AgencyReturn)).one()
        record_initial_check(session, session.merge(officer), return_id=ret.id, expected_version=None,
                             checked_on=MON_21_DEC, sufficient_information=True, dates_present=True, analysis=True,
                             signed=True, outcome="satisfactory", as_of=MON_21_DEC)
    at = make_app(officer, as_of=MON_21_DEC).run()
    [row] = _table_rows(at)
    assert row["Why"] == ("2 items overdue: Timeline agreed with JCR Chair and recorded (Fri 18 Dec); Case folder "
                          "created (Fri 18 Dec)")


def test_the_review_page_lists_each_red_or_amber_item_with_a_link_to_where_it_is_dealt_with(app_db: OpenSession,
                                                                                            make_app: MakeApp) -> None:
    officer, review_id = _red_and_amber_review(app_db)
    at = make_app(officer, as_of=MON_21_DEC).run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    assert not at.exception
    assert "Why it is red" in [s.value for s in at.subheader]
    shown = [re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown
             if "-badge[" in m.value and "**" not in m.value]
    items = [m for m in shown if m.startswith((":red-badge[RED] ", ":orange-badge[AMBER] "))]
    assert items == [
        ":red-badge[RED] Timeline agreed with JCR Chair and recorded (Fri 18 Dec)",
        ":red-badge[RED] Case folder created (Fri 18 Dec)",
        ":orange-badge[AMBER] Early Help return unchecked",
    ]
    links = [(link.value, link.proto.page, link.proto.query_string) for link in at.page_link
             if link.value in ("on this page", "Agency returns")]
    here = f"review={review_id}"
    assert links == [("on this page", "review", here), ("on this page", "review", here),
                     ("Agency returns", "returns", here)]
    # Recording the case folder done takes it off the list.
    with app_db() as session:
        folder_id = session.scalars(select(ReviewMilestone.id).where(
            ReviewMilestone.review_id == review_id, ReviewMilestone.key == "case_folder")).one()
    at.selectbox(key="md_milestone").set_value(folder_id)
    at.date_input(key="md_date").set_value(MON_21_DEC)
    at.button(key="FormSubmitter:milestone_done-Record as done").click().run()
    assert not at.error, [e.value for e in at.error]
    shown = [re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown
             if "-badge[" in m.value and "**" not in m.value]
    assert [m for m in shown if m.startswith((":red-badge[RED] ", ":orange-badge[AMBER] "))] == [
        ":red-badge[RED] Timeline agreed with JCR Chair and recorded (Fri 18 Dec)",
        ":orange-badge[AMBER] Early Help return unchecked",
    ]
    with app_db() as session:
        assert session.get_one(ReviewMilestone, folder_id).done_date == MON_21_DEC


def test_a_long_live_list_is_drawn_a_page_at_a_time_and_every_review_is_on_one_page(
        app_db: OpenSession, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond LIST_PAGE_SIZE live reviews (15; 2 here), the list and its links show one page at a time, worst first,
    chosen in a box; the counts are of every live review."""
    import ui.widgets

    officer = create_account(app_db, "officer", username="olly")
    references = {"141226AB", "151226CD", "161226EF", "171226GH", "181226JK"}
    with app_db() as session, session.begin():
        for reference in sorted(references):
            received = date(2026, 12, int(reference[:2]))
            open_review(session, session.merge(officer), notification_type="serious_harm",
                        incident_date=date(2026, 12, 10), csc_aware_date=date(2026, 12, 11),
                        notification_received_date=received, children=[ChildEntry(reference[6:], 5)], as_of=AS_OF)
    monkeypatch.setattr(ui.widgets, "LIST_PAGE_SIZE", 2)
    at = make_app(officer, as_of=AS_OF).run()
    assert not at.exception
    assert sum(int(count) for count in re.findall(r"\[(\d+) ", _counts(at))) == 5
    box = at.selectbox(key="live_page")
    assert box.label == "Live reviews shown"
    assert box.options == ["1–2 of 5", "3–4 of 5", "5 of 5"]
    seen: list[str] = []
    for first, size in ((0, 2), (2, 2), (4, 1)):
        at.selectbox(key="live_page").set_value(first).run()
        shown = [row["Review"] for row in _table_rows(at)]
        links = [link.proto.label.split()[0] for link in at.page_link if "(" in link.proto.label]
        assert len(shown) == size and links == shown
        seen += shown
    assert sorted(seen) == sorted(references)


def test_long_pasted_initials_and_age_stay_in_the_form_with_a_sentence(app_db: OpenSession, make_app: MakeApp) -> None:
    """A box with a character limit would drop a longer paste whole; these boxes keep it and the save says why not."""
    officer = _seed(app_db)
    at = make_app(officer, as_of=AS_OF).run()
    pasted = "<script>alert(1)</script>" * 400  # 10,000 characters
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 20), aware=date(2026, 12, 21),
                     initials=pasted)
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("'<script>aler…' is not a set of initials")
    assert at.text_input(key="nr_initials_1").value == pasted
    _fill_new_review(at, received=date(2026, 12, 22), incident=date(2026, 12, 20), aware=date(2026, 12, 21),
                     age="7" * 10_000)
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Child 1's age must be a whole number of years (for example 7)."]
    assert at.text_input(key="nr_age_1").value == "7" * 10_000
    with app_db() as session:
        assert session.scalars(select(Review.case_reference)).all() == ["181226AB", "211226CD"]


def test_the_review_page_shows_a_step_another_user_recorded_on_its_next_run(app_db: OpenSession,
                                                                            make_app: MakeApp) -> None:
    """The Review page's status is a shared read (the same for every case reader until anything is written): a step
    recorded by someone else, in another session, shows on this reader's next run, not the status kept before."""
    officer = _seed(app_db)
    manager = create_account(app_db, "manager", username="pat")
    with app_db() as session:
        review = session.scalars(select(Review).where(Review.case_reference == "181226AB")).one()
        timeline = session.scalars(select(ReviewMilestone).where(
            ReviewMilestone.review_id == review.id, ReviewMilestone.key == "timeline_agreed")).one()
    at = make_app(manager, as_of=AS_OF).run()
    at.query_params["review"] = str(review.id)
    at.switch_page("pages/review.py").run()
    assert not at.exception
    assert _milestone_rows(at)[timeline.title]["Done"] == "—"
    at.run()  # a second run is served from the shared read
    assert _milestone_rows(at)[timeline.title]["Done"] == "—"
    with app_db() as session, session.begin():
        record_milestone_done(session, session.merge(officer), milestone_id=timeline.id, done_on=date(2026, 12, 21),
                              as_of=AS_OF)
    at.run()
    assert not at.exception
    assert _milestone_rows(at)[timeline.title]["Done"] == f"Mon 21 Dec by {officer.display_name}"


@pytest.mark.demo_data(as_of=date(2026, 11, 26))  # the demo partnership, copied (tests/conftest.py)
def test_the_counts_take_each_live_review_once_a_submitted_one_as_submitted(app_db: OpenSession,
                                                                            make_app: MakeApp) -> None:
    """The badge line counts every live review once, by the word its row shows: the open ones by their RAG, the ones
    submitted to the National Panel as submitted. The expected figures come from the database."""
    from db.enums import ReviewState

    demo_day = date(2026, 11, 26)
    with app_db() as session:
        states = list(session.scalars(select(Review.state).where(Review.state != ReviewState.CLOSED)))
    submitted = states.count(ReviewState.SUBMITTED)
    assert submitted >= 1 and len(states) > submitted  # the demo has both kinds
    manager = create_account(app_db, "manager", username="counting-manager")
    at = make_app(manager, as_of=demo_day).run()
    assert not at.exception
    counts = {word: int(n) for n, word in re.findall(r"\[(\d+) (\w+)\]", _counts(at))}
    assert counts["SUBMITTED"] == submitted
    assert sum(counts.values()) == len(states)
