"""No text box has a character limit (docs/decisions.md, "No character limit on a text box"). Streamlit's box with
`max_chars` drops a longer paste whole, leaving the box empty or as it was, with no message. So every page is drawn
here with its forms showing (as an account holding every role, its folded forms open, the report at each stage with
a form of its own), and every text box is checked, those no test types into included. The length is checked on
saving instead: the per-page tests show the sentence and the text kept (AppTest's `input()` drops a longer value as
the browser does, so they fail on a box with a limit too)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from db.models import Account, Agency
from db.models_report import Meeting
from db.models_returns import AgencyReturn
from services.report.panel import submit_to_panel
from services.report.service import sign_off
from services.returns.service import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.app.test_report_page import AS_OF, RECEIVED, _seed, _with_the_chair
from tests.types import MakeApp, OpenSession

FOLDED = ("new_review_open", "correct_step_open", "delegate_open", "agreed_date_open", "correct_dates_open",
          "register_open", "chase_open", "checklist_table_open")


def _boxes(make_app: MakeApp, account: Account | None, page: str | None = None,
           review_id: int | None = None) -> set[tuple[str, int]]:
    """Every text box `page` draws for `account` (the home page when None): its page and key, and its limit."""
    at = make_app(account, as_of=AS_OF)
    for key in FOLDED:
        at.session_state[key] = True
    at.run()
    if page is not None:
        if review_id is not None:
            at.query_params["review"] = str(review_id)
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return {(f"{page or 'home'}: {box.key}", box.proto.max_chars) for box in [*at.text_input, *at.text_area]}


def test_no_text_box_on_any_page_has_a_character_limit(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, chair, review_id = _seed(app_db)  # the report's review: two returns received
    everyone = create_account(app_db, "manager", "officer", "chair", "admin", username="every-role")
    _with_the_chair(app_db, officer, review_id)
    with app_db() as session, session.begin():
        actor = session.get(Account, officer.id)
        agencies = list(session.scalars(select(Agency.id)))
        # The Rapid Review meeting _with_the_chair recorded (the report goes to the Chair after it: issue 26).
        meeting_id = session.scalars(select(Meeting.id).where(Meeting.review_id == review_id)).one()
        awaited = open_review(session, actor, notification_type="death", incident_date=date(2026, 12, 14),
                              csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                              children=[ChildEntry("CD", 3)], as_of=RECEIVED).id  # its two returns awaited
        returns = record_returns_requested(session, actor, review_id=awaited, agency_ids=agencies,
                                           requested_on=RECEIVED, as_of=RECEIVED)

    boxes: set[tuple[str, int]] = set()
    for page, shown in [(None, None), ("pages/review.py", review_id), ("pages/returns.py", review_id),
                        ("pages/returns.py", awaited), ("pages/daily_log.py", None), ("pages/meetings.py", review_id),
                        ("pages/report.py", review_id), ("pages/admin.py", None), ("pages/my_account.py", None)]:
        boxes |= _boxes(make_app, everyone, page, shown)
    with app_db() as session, session.begin():  # the report's later forms: withdrawing, then the Panel's response
        sign_off(session, session.get(Account, chair.id), review_id=review_id, signed_on=AS_OF, as_of=AS_OF)
    boxes |= _boxes(make_app, everyone, "pages/report.py", review_id)
    with app_db() as session, session.begin():
        submit_to_panel(session, session.get(Account, everyone.id), review_id=review_id, submitted_on=AS_OF,
                        ofsted_sent_on=None, as_of=AS_OF)
    boxes |= _boxes(make_app, everyone, "pages/report.py", review_id)
    boxes |= _boxes(make_app, None, None)  # signed out: the sign-in form

    # Every box that once had a limit was drawn, so the check below covers it.
    p, e = f"rp{review_id}_", f"mt{review_id}_e{meeting_id}_"
    expected = {
        "home: nr_initials_1", "home: nr_age_1",
        "pages/daily_log.py: la_text", "pages/daily_log.py: la_path",
        "pages/daily_log.py: lc_text", "pages/daily_log.py: lc_path",
        f"pages/report.py: {p}s_learning_text", f"pages/report.py: {p}lcspr_reason",
        f"pages/report.py: {p}outside_chair", f"pages/report.py: {p}outside_how",
        f"pages/report.py: {p}withdraw_reason", f"pages/report.py: {p}panel_notes",
        f"pages/meetings.py: mt{review_id}_chair", f"pages/meetings.py: mt{review_id}_minute_taker",
        f"pages/meetings.py: mt{review_id}_decisions", f"pages/meetings.py: {e}chair",
        f"pages/meetings.py: {e}minute_taker", f"pages/meetings.py: {e}decisions",
        f"pages/returns.py: batch_r{returns[0].id}_role", f"pages/returns.py: r{returns[0].id}_receipt_role",
        f"pages/returns.py: r{returns[0].id}_ending_reason", f"pages/returns.py: r{returns[0].id}_agreed_reason",
        "home: sign_in_username",
    }
    with app_db() as session:
        received = session.scalars(select(AgencyReturn.id).where(AgencyReturn.review_id == review_id)).all()
    expected |= {f"pages/returns.py: r{rid}_summary_text" for rid in received}
    drawn = {key for key, _ in boxes}
    assert expected <= drawn, sorted(expected - drawn)
    limited = sorted(f"{key} (max_chars={limit})" for key, limit in boxes if limit)
    assert not limited, "These text boxes would drop a longer paste whole:\n" + "\n".join(limited)

