"""AppTest of the practice themes on a real, committed database: the Administration page's "Practice themes" tab
(drawn only while chosen) lists the national list, adds a theme of the partnership's own under a hostile name shown
escaped, refuses a name taken in other capitals keeping what was typed, renames, moves and retires a theme; the
Review page's part codes a review with a theme and its sentence of learning, refuses a date of birth keeping the
typing, takes a theme off, and offers the JCR Chair no form."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account
from db.models_after import PracticeTheme, ReviewTheme
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession
from ui.widgets import md_text

HOSTILE = "<script>alert(1)</script> [Young](http://x.example) carers"
ADD = "FormSubmitter:add_theme-Add the theme"
SAVE = "FormSubmitter:edit_theme-Save the theme"
CODE = "FormSubmitter:code_review_theme-Add the theme"
UNCODE = "FormSubmitter:uncode_review_theme-Take it off"
RECEIVED = date(2026, 5, 4)
LEARNING = "The health visitor saw the baby but not where the baby slept."


def _admin_tab(app_db: OpenSession, make_app: MakeApp) -> AppTest:
    admin = create_account(app_db, "admin", username="theme-admin")
    at = make_app(admin).run()
    at.session_state["admin_section"] = "Practice themes"  # the user clicks the tab
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    return at


def _table_names(at: AppTest) -> list[str]:
    [grid] = [d for d in at.dataframe if "Theme" in d.value.columns]
    return list(grid.value["Theme"])


def _shown(at: AppTest) -> list[str]:
    return [*(m.value for m in at.markdown), *(c.value for c in at.caption), *(s.value for s in at.success),
            *(e.value for e in at.error),
            *(str(cell) for t in at.table for column in t.value.columns for cell in t.value[column])]


def test_the_tab_is_drawn_only_while_chosen(app_db: OpenSession, make_app: MakeApp) -> None:
    admin = create_account(app_db, "admin", username="theme-admin")
    at = make_app(admin).run()
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == ADD]


def test_the_admin_adds_renames_moves_and_retires_themes(app_db: OpenSession, make_app: MakeApp) -> None:
    at = _admin_tab(app_db, make_app)
    names = _table_names(at)
    assert len(names) == 21 and names[0] == "Multi-agency information sharing"

    at.text_input(key="th_add_name").input(HOSTILE)
    at.button(key=ADD).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Theme {md_text(HOSTILE)} added at the end of the list."]
    assert _table_names(at)[-1] == HOSTILE  # a data grid: plain text
    assert not [s for s in _shown(at) if "<script>" in s or "](http" in s]
    assert at.text_input(key="th_add_name").value == ""

    at.text_input(key="th_add_name").input("DOMESTIC ABUSE")
    at.button(key=ADD).click().run()
    assert [e.value.replace("\\", "") for e in at.error] == [
        'There is already a theme called "Domestic abuse": theme names are unique, whatever their capitals.']
    assert at.text_input(key="th_add_name").value == "DOMESTIC ABUSE"

    with app_db() as session:
        second = session.scalars(select(PracticeTheme).where(PracticeTheme.name == names[1])).one()
    at.selectbox(key="th_pick").set_value(second.id).run()
    at.text_input(key=f"th_e_{second.id}_name").input("Risk assessment")
    at.button(key=SAVE).click().run()
    assert not at.error, [e.value for e in at.error]
    assert _table_names(at)[1] == "Risk assessment"
    at.button(key=f"th_up_{second.id}").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _table_names(at)[:2] == ["Risk assessment", names[0]]
    at.button(key=f"th_active_{second.id}").click().run()
    assert not at.error, [e.value for e in at.error]
    assert _table_names(at)[-1] == "Risk assessment"  # retired: last
    with app_db() as session:
        theme = session.get(PracticeTheme, second.id)
        assert theme is not None and (theme.name, theme.active) == ("Risk assessment", False)


def _seed_review(app_db: OpenSession) -> tuple[Account, Account, int, int]:
    officer = create_account(app_db, "officer", username="theme-officer")
    chair = create_account(app_db, "chair", username="theme-chair")
    with app_db() as session, session.begin():
        actor = session.merge(officer)
        review = open_review(session, actor, notification_type="serious_harm", incident_date=RECEIVED,
                             csc_aware_date=RECEIVED, notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 1)], as_of=RECEIVED)
        theme_id = session.scalars(select(PracticeTheme.id).where(PracticeTheme.name == "Neglect")).one()
        return officer, chair, review.id, theme_id


def _review_page(make_app: MakeApp, account: Account, review_id: int) -> AppTest:
    at = make_app(account, as_of=RECEIVED)
    at.run()
    at.query_params["review"] = str(review_id)
    at.session_state["review_themes_open"] = True  # as a click on the expander opens it
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    return at


def test_an_officer_codes_a_review_and_takes_the_theme_off(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, review_id, neglect = _seed_review(app_db)
    at = _review_page(make_app, officer, review_id)
    assert "Not coded with any theme yet." in [c.value for c in at.caption]

    at.selectbox(key="rt_theme").set_value(neglect)
    at.text_input(key="rt_learning").input("The child, born 03/04/2025, was not seen.")
    at.button(key=CODE).click().run()
    assert [e.value for e in at.error] == [
        "The learning holds what looks like a date of birth or a full date: leave dates out, they could identify "
        "the child (write, for example, 'in the weeks before the incident')."]
    assert at.text_input(key="rt_learning").value == "The child, born 03/04/2025, was not seen."

    at.text_input(key="rt_learning").input(LEARNING)
    at.button(key=CODE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Coded with {md_text('Neglect')}."]
    [table] = [t for t in at.table if "Learning" in t.value.columns]
    assert list(table.value["Theme"]) == ["Neglect"] and list(table.value["Learning"]) == [md_text(LEARNING)]
    assert at.text_input(key="rt_learning").value == ""

    at.selectbox(key="rt_uncode").set_value(neglect)
    at.button(key=UNCODE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"{md_text('Neglect')} taken off the review."]
    with app_db() as session:
        assert session.scalars(select(ReviewTheme)).all() == []


def test_the_chair_reads_the_themes_and_is_offered_no_form(app_db: OpenSession, make_app: MakeApp) -> None:
    _, chair, review_id, _ = _seed_review(app_db)
    at = _review_page(make_app, chair, review_id)
    assert "Not coded with any theme yet." in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key in (CODE, UNCODE)]
