"""The Review page's history of changes (migration 0017): folded, plain text, naming who changed what and when."""
from datetime import date

from sqlalchemy import create_engine, select, text

from db.models import Review, ReviewMilestone
from tests.app.conftest import open_folded
from tests.app.test_live_and_review_pages import AS_OF, _review_page, _seed
from tests.conftest import as_app_role
from tests.types import MakeApp, OpenSession


def test_the_history_shows_a_step_recorded_on_the_page_and_a_raw_rewrite_as_plain_text(
        app_db: OpenSession, make_app: MakeApp, fresh_database_url: str) -> None:
    officer = _seed(app_db)
    with app_db() as session:
        review_id = session.scalars(select(Review.id).where(Review.case_reference == "181226AB")).one()
        folder_id = session.scalars(select(ReviewMilestone.id).where(
            ReviewMilestone.review_id == review_id, ReviewMilestone.key == "case_folder")).one()
    at = _review_page(make_app, officer, review_id)
    assert not at.dataframe  # folded: not read, not drawn (the page has no other data grid)
    at.selectbox(key="md_milestone").set_value(folder_id)
    at.date_input(key="md_date").set_value(date(2026, 12, 18))
    at.button(key="FormSubmitter:milestone_done-Record as done").click().run()
    assert not at.error, [e.value for e in at.error]

    # Someone with the app's role rewrites the note by hand, with Markdown in it.
    app = create_engine(as_app_role(fresh_database_url))
    with app.begin() as conn:
        conn.execute(text("UPDATE review_milestones SET note = '**done** [here](http://x.example)' WHERE id = :id"),
                     {"id": folder_id})
    app.dispose()

    open_folded(at, "history_open")
    [table] = at.dataframe  # AppTest does not keep a data grid's key
    rows = table.value.to_dict("records")
    done = [r for r in rows if r["Field"] == "done_date" and r["Now"] == "2026-12-18"]
    assert done and done[0]["Who"] == officer.display_name and done[0]["Through"] == "page"
    assert done[0]["Was"] == "—" and done[0]["What"].startswith("review milestones ")
    rewrite = next(r for r in rows if r["Field"] == "note")  # newest first
    assert rewrite["Now"] == "**done** [here](http://x.example)"  # as stored: the grid never reads Markdown
    assert rewrite["Who"].startswith("no account (database user") and rewrite["Through"] == "—"
    assert rows.index(rewrite) < rows.index(done[0])
    assert AS_OF  # the page's pinned day
