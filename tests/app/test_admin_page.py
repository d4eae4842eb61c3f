"""Administration through AppTest: a refused save shows a sentence and keeps what was typed; names an admin typed
are shown literally (no markdown, links or images from them)."""
from __future__ import annotations

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency, Setting
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession
from ui.widgets import md_text

NUL = "\x00"


def _admin_page(app_db: OpenSession, make_app: MakeApp) -> AppTest:
    admin = create_account(app_db, "admin", username="app-admin")
    at = make_app(admin).run()
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    return at


def _submit(at: AppTest, form: str, label: str) -> None:
    at.button(key=f"FormSubmitter:{form}-{label}").click().run()
    assert not at.exception


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_a_refused_new_account_shows_a_sentence_and_keeps_the_typing(app_db: OpenSession, make_app: MakeApp) -> None:
    at = _admin_page(app_db, make_app)
    long_name = "N" * 121
    at.text_input(key="ca_username").input("new.person")
    at.text_input(key="ca_name").input(long_name)
    at.multiselect(key="ca_roles").select("officer")
    at.text_input(key="ca_password").input("a long enough password")
    _submit(at, "create_account", "Create account")
    assert any("display name is 121 characters long" in e for e in _errors(at))
    assert not any("$argon2" in e for e in _errors(at))
    assert (at.text_input(key="ca_username").value, at.text_input(key="ca_name").value) == ("new.person", long_name)
    at.text_input(key="ca_name").input("New Person")
    at.text_input(key="ca_password").input(" " * 12)
    _submit(at, "create_account", "Create account")
    assert any("only spaces" in e for e in _errors(at))
    with app_db() as session:
        assert session.scalar(select(Account.id).where(Account.username == "new.person")) is None


def test_a_refused_agency_keeps_the_typing_and_a_saved_one_is_named_literally(app_db: OpenSession,
                                                                              make_app: MakeApp) -> None:
    at = _admin_page(app_db, make_app)
    at.text_input(key="ag_name").input(f"North{NUL}Trust")
    at.text_input(key="ag_kind").input("health")
    _submit(at, "add_agency", "Add agency")
    assert any("hidden control character" in e for e in _errors(at))
    assert at.text_input(key="ag_name").value == f"North{NUL}Trust"
    payload = "![x](https://evil.example/x.png) **Trust**"
    at.text_input(key="ag_name").input(payload)
    _submit(at, "add_agency", "Add agency")
    assert not _errors(at)
    assert [s.value for s in at.success] == [f"Agency {md_text(payload)} added."]
    with app_db() as session:
        agency_id = session.scalar(select(Agency.id).where(Agency.name == payload))
    e_name = at.text_input(key=f"ag_e_{agency_id}_name")
    e_name.input("A" * 201)
    _submit(at, "edit_agency", "Save agency")
    assert any("agency's name is 201 characters long" in e for e in _errors(at))
    assert at.text_input(key=f"ag_e_{agency_id}_name").value == "A" * 201


def test_a_refused_partnership_name_keeps_the_typing(app_db: OpenSession, make_app: MakeApp) -> None:
    at = _admin_page(app_db, make_app)
    at.text_input(key="st_name").input("P" * 201)
    _submit(at, "settings", "Save settings")
    assert any("partnership's name is 201 characters long" in e for e in _errors(at))
    assert at.text_input(key="st_name").value == "P" * 201
    with app_db() as session:
        assert session.scalar(select(Setting.partnership_name)) != "P" * 201


def test_a_refused_plan_step_keeps_the_typing_and_done_when_can_be_edited(app_db: OpenSession,
                                                                          make_app: MakeApp) -> None:
    at = _admin_page(app_db, make_app)
    pick = at.selectbox(key="pl_pick").value
    at.text_input(key=f"pl_{pick}_title").input("T" * 201)
    at.text_area(key=f"pl_{pick}_done_when").input("Dates agreed with the chair.")
    _submit(at, "edit_step", "Save step")
    assert any("plan step's title is 201 characters long" in e for e in _errors(at))
    assert at.text_input(key=f"pl_{pick}_title").value == "T" * 201
    assert at.text_area(key=f"pl_{pick}_done_when").value == "Dates agreed with the chair."
    at.text_input(key=f"pl_{pick}_title").input("Timeline agreed")
    _submit(at, "edit_step", "Save step")
    assert [s.value for s in at.success] == ["Plan step 'Timeline agreed' saved."]
    assert at.text_area(key=f"pl_{pick}_done_when").value == "Dates agreed with the chair."


def test_the_sidebar_shows_the_display_name_and_partnership_literally(app_db: OpenSession, make_app: MakeApp) -> None:
    admin = create_account(app_db, "admin", username="app-admin")
    with app_db() as session, session.begin():
        session.get_one(Account, admin.id).display_name = "**Pat** [link](https://evil.example)"
        session.scalars(select(Setting)).one().partnership_name = "![x](https://evil.example/x.png)"
    at = make_app(admin).run()
    assert not at.exception
    assert [m.value for m in at.sidebar.markdown] == [
        f":small[{md_text('![x](https://evil.example/x.png)')}]  \n"
        f"Signed in as **{md_text('**Pat** [link](https://evil.example)')}**  \n"
        ":small[Roles: admin]"
    ]


def test_a_stale_agency_save_keeps_the_typing_and_shows_the_saved_values(app_db: OpenSession,
                                                                         make_app: MakeApp) -> None:
    from services.agencies import add_agency, update_agency

    other = create_account(app_db, "admin", username="other-admin")
    with app_db() as session, session.begin():
        agency_id = add_agency(session, other, name="North Trust", kind="health", contact_email=None).id
    at = _admin_page(app_db, make_app)
    at.text_input(key=f"ag_e_{agency_id}_name").input("North Health Trust")
    with app_db() as session, session.begin():
        update_agency(session, other, agency_id=agency_id, name="North NHS Trust", kind="NHS trust",
                      contact_email=None, jcr_rep_email=None, active=True)
    _submit(at, "edit_agency", "Save agency")
    assert any("The agency North NHS Trust was changed by someone else" in e for e in _errors(at)), _errors(at)
    assert at.text_input(key=f"ag_e_{agency_id}_name").value == "North Health Trust"
    assert any("North NHS Trust (NHS trust)" in c.value for c in at.code)
    # Saving again, knowingly, goes over their save.
    _submit(at, "edit_agency", "Save agency")
    assert not _errors(at)
    with app_db() as session:
        assert session.get_one(Agency, agency_id).name == "North Health Trust"


def test_the_agency_form_edits_the_jcr_representatives_email(app_db: OpenSession, make_app: MakeApp) -> None:
    from services.agencies import add_agency

    other = create_account(app_db, "admin", username="other-admin")
    with app_db() as session, session.begin():
        agency_id = add_agency(session, other, name="North Police", kind="police", contact_email=None).id
    at = _admin_page(app_db, make_app)
    at.selectbox(key="ag_pick").set_value(agency_id).run()
    assert at.text_input(key=f"ag_e_{agency_id}_rep_email").value == ""
    at.text_input(key=f"ag_e_{agency_id}_rep_email").input("rep at north police")
    _submit(at, "edit_agency", "Save agency")
    assert _errors(at) == ["The JCR representative's email must be one email address and nothing else: no second "
                           "address, comma, name or spaces."]
    assert at.text_input(key=f"ag_e_{agency_id}_rep_email").value == "rep at north police"
    at.text_input(key=f"ag_e_{agency_id}_rep_email").input("rep@north.example")
    _submit(at, "edit_agency", "Save agency")
    assert not _errors(at)
    with app_db() as session:
        assert session.get_one(Agency, agency_id).jcr_rep_email == "rep@north.example"
    assert at.text_input(key=f"ag_e_{agency_id}_rep_email").value == "rep@north.example"
    [table] = [d.value for d in at.dataframe if "JCR representative's email" in d.value.columns]
    assert table.set_index("Agency").loc["North Police", "JCR representative's email"] == "rep@north.example"


def test_two_contact_addresses_are_refused_with_a_sentence_and_kept_in_the_form(app_db: OpenSession,
                                                                                make_app: MakeApp) -> None:
    at = _admin_page(app_db, make_app)
    at.text_input(key="ag_name").input("North Police")
    at.text_input(key="ag_kind").input("police")
    at.text_input(key="ag_email").input("a@x,b@y")
    _submit(at, "add_agency", "Add agency")
    assert _errors(at) == ["The contact email must be one email address and nothing else: no second address, "
                           "comma, name or spaces."]
    assert at.text_input(key="ag_email").value == "a@x,b@y"
    with app_db() as session:
        assert session.scalar(select(func.count()).select_from(Agency)) == 0


def _tab_in_use(at: AppTest) -> str:
    """The tab the page tells the browser to show: the tab container's selected index, as a label."""
    [container] = [node for node in at.main if node.type == "tab_container"]  # the page's one set of tabs: at.tabs
    index: int = container.proto.tab_container.default_tab_index
    return at.tabs[index].label


def test_the_page_stays_on_the_tab_in_use_after_adding_a_closure_day(app_db: OpenSession, make_app: MakeApp) -> None:
    from datetime import date

    at = _admin_page(app_db, make_app)
    assert _tab_in_use(at) == "Accounts"
    at.session_state["admin_section"] = "Closure days"  # the user clicks the "Closure days" tab
    at.run()
    at.date_input(key="cl_date").set_value(date(2026, 12, 24))
    at.text_input(key="cl_reason").input("Christmas Eve closure")
    _submit(at, "add_closure", "Add closure day")
    assert [s.value for s in at.success] == ["Closure day Thu 24 Dec 2026 added."]
    assert _tab_in_use(at) == "Closure days"


def test_the_accounts_table_shows_each_accounts_failures_in_a_row(app_db: OpenSession, make_app: MakeApp) -> None:
    # The old 15-minute lock is gone (sign-in waits instead); what an administrator can act on is the count of
    # failures in a row, which from 100 stops the password for unknown addresses until a new one is set.
    officer = create_account(app_db, "officer", username="app-officer")
    with app_db() as session, session.begin():
        session.get_one(Account, officer.id).failed_attempts = 7
    at = _admin_page(app_db, make_app)
    table = next(df.value for df in at.dataframe if "Failures in a row" in df.value.columns)
    rows = table.set_index("Username")
    assert rows.loc["app-officer", "Failures in a row"] == 7
    assert rows.loc["app-admin", "Failures in a row"] == 0
    assert "Locked until" not in table.columns
