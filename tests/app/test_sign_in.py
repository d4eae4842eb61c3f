"""Sign-in, first run, throttling, idle expiry and role menus through AppTest."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Review
from demo.cast import TRAINING_COPY
from services.accounts import SIGN_IN_REFUSED
from tests.app.conftest import create_account
from tests.conftest import SignInClock
from tests.types import MakeApp, OpenSession


def _page_titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_first_run_creates_the_first_account_and_loads_demo_data(app_db: OpenSession, make_app: MakeApp) -> None:
    # The demo's live reviews are placed by "today": pinned to Thu 26 Nov 2026.
    at = make_app(as_of=date(2026, 11, 26)).run()
    assert "Set up: create the first account" in [s.value for s in at.subheader]
    at.text_input(key="first_username").input("pat.manager")
    at.text_input(key="first_display_name").input("Pat Manager")
    at.text_input(key="first_password").input("a long enough password")
    at.text_input(key="first_password_again").input("a long enough password")
    at.checkbox(key="first_with_demo").check()
    at.button[0].click().run()
    assert not at.exception
    # The demo's accounts and their password are shown once, before going on (signing in reloads the page). The
    # password is this load's own, made at random (it was "demo-password-2026", written in the source).
    assert [s.value for s in at.success] == [
        "The fictional demo partnership is loaded. Its demo accounts, one per role, share this password, made at "
        "random for this copy. It is shown only now: note it before you continue."]
    password = at.code[0].value
    assert password != "demo-password-2026" and len(password) >= 20
    with app_db() as session:
        from tests.password_sign_in import authenticate

        assert authenticate(session, username="demo-admin", password=password).account is not None
    shown = at.table[0].value
    assert list(shown["Username"]) == ["demo-manager", "demo-officer", "demo-chair", "demo-board", "demo-admin"]
    assert list(shown["Roles"]) == ["manager", "officer", "chair", "board", "admin"]
    at.button(key="demo_continue").click().run()
    assert "Live reviews" in _page_titles(at)
    # The password and the accounts table are gone (the live list's own table is there now, without usernames).
    assert not at.success
    assert all("Username" not in table.value.columns for table in at.table)
    assert password not in [c.value for c in at.code]
    # A training copy, said on every page and in the sidebar.
    assert [w.value for w in at.warning][:1] == [TRAINING_COPY]
    assert "Training copy" in at.sidebar.markdown[0].value
    with app_db() as session:
        account = session.scalars(select(Account).where(Account.username == "pat.manager")).one()
        assert account.roles == ["manager", "admin"]
        assert session.scalars(select(Review)).first() is not None


def test_an_empty_tracker_is_not_a_training_copy(app_db: OpenSession, make_app: MakeApp) -> None:
    at = make_app().run()  # an empty database: the first-run page, no training copy yet
    assert "Set up: create the first account" in [s.value for s in at.subheader]
    assert TRAINING_COPY not in [w.value for w in at.warning]


@pytest.mark.demo_data  # the demo partnership loaded as of Thu 26 Nov 2026 by the owner, as this test once loaded it
def test_a_renamed_demo_partnership_is_still_a_training_copy_and_a_real_one_is_not(app_db: OpenSession,
                                                                                   make_app: MakeApp) -> None:
    """The label follows settings.training_copy (set by the demo loader), not the partnership's name: an
    administrator renaming the demo partnership does not make it look like a real tracker (an empty one is not a
    training copy: the test above)."""
    from services.settings import update_settings

    with app_db() as session, session.begin():
        admin = session.scalars(select(Account).where(Account.username == "demo-admin")).one()
        update_settings(session, admin, partnership_name="Northshire Safeguarding Children Partnership",
                        amber_threshold_days=1, idle_timeout_minutes=30)
        manager = session.scalars(select(Account).where(Account.username == "demo-manager")).one()
    at = make_app(manager, as_of=date(2026, 11, 26)).run()
    assert "Northshire" in at.sidebar.markdown[0].value
    assert [w.value for w in at.warning][:1] == [TRAINING_COPY]


def test_first_run_states_its_rules_before_anything_is_typed(app_db: OpenSession, make_app: MakeApp) -> None:
    at = make_app().run()
    assert at.text_input(key="first_username").label == (
        "Username (3 to 40 characters: letters, digits, dots, dashes or underscores)")
    assert at.text_input(key="first_password").label == "Password (at least 12 characters, not only spaces)"
    assert not at.error


def test_first_run_refuses_mismatched_passwords_and_keeps_the_typing(app_db: OpenSession, make_app: MakeApp) -> None:
    at = make_app().run()
    at.text_input(key="first_username").input("pat.manager")
    at.text_input(key="first_display_name").input("Pat Manager")
    at.text_input(key="first_password").input("a long enough password")
    at.text_input(key="first_password_again").input("a different password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["The two passwords differ. Type the same password twice."]
    assert at.text_input(key="first_username").value == "pat.manager"
    with app_db() as session:
        assert session.scalars(select(Account)).first() is None


def test_sign_in_with_wrong_password_gets_the_generic_message(app_db: OpenSession, make_app: MakeApp) -> None:
    create_account(app_db, "officer", username="olly")
    at = make_app().run()
    assert _page_titles(at) == ["Rapid Review Tracker"]
    at.text_input(key="sign_in_username").input("olly")
    at.text_input(key="sign_in_password").input("not the password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [SIGN_IN_REFUSED]
    assert at.text_input(key="sign_in_username").value == "olly"


@pytest.mark.parametrize("username", ["nobody", "olly\x00", "olly\x00' OR 1=1 --", "o" * 5000])
def test_unknown_or_impossible_usernames_get_the_ordinary_refusal(app_db: OpenSession, make_app: MakeApp,
                                                                  username: str) -> None:
    # A NUL byte used to reach the database, and anonymous visitors saw the accounts SELECT in a traceback.
    create_account(app_db, "officer", username="olly")
    at = make_app().run()
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input("correct horse battery")
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [SIGN_IN_REFUSED]


def test_first_run_refuses_a_password_of_spaces_and_keeps_the_typing(app_db: OpenSession, make_app: MakeApp) -> None:
    at = make_app().run()
    at.text_input(key="first_username").input("pat.manager")
    at.text_input(key="first_display_name").input("Pat Manager")
    at.text_input(key="first_password").input(" " * 12)
    at.text_input(key="first_password_again").input(" " * 12)
    at.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1 and "only spaces" in at.error[0].value
    assert at.text_input(key="first_display_name").value == "Pat Manager"
    with app_db() as session:
        assert session.scalars(select(Account)).first() is None


def test_a_hundred_rapid_guesses_are_slowed_and_the_real_person_still_signs_in(
        app_db: OpenSession, make_app: MakeApp, sign_in_clock: SignInClock, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: every guess had an argon2 check (168 a minute from one connection), and the fifth wrong one locked
    # the account for 15 minutes, so anyone could keep a colleague out.
    from argon2 import PasswordHasher

    checks: list[int] = []
    real_verify = PasswordHasher.verify

    def counted_verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> Literal[True]:
        checks.append(1)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted_verify)
    create_account(app_db, "officer", username="olly")
    at = make_app().run()
    errors: list[list[str]] = []
    for n in range(100):
        at.text_input(key="sign_in_username").input("olly")
        at.text_input(key="sign_in_password").input(f"guess number {n}")
        at.button[0].click().run()
        errors.append([e.value for e in at.error])
    assert len(checks) == 5  # 95 of the 100 were refused before any password check
    assert errors[:5] == [[SIGN_IN_REFUSED]] * 5
    assert errors[5:] == [["Too many attempts: try again in 2 seconds."]] * 95
    with app_db() as session:
        assert session.scalars(select(Account.locked_until).where(Account.username == "olly")).one() is None
    sign_in_clock.now += 2  # the real person waits as told
    at.text_input(key="sign_in_password").input("correct horse battery")
    at.button[0].click().run()
    assert "Live reviews" in _page_titles(at)


def test_correct_password_signs_in(app_db: OpenSession, make_app: MakeApp) -> None:
    create_account(app_db, "officer", username="olly")
    at = make_app().run()
    at.text_input(key="sign_in_username").input("olly")
    at.text_input(key="sign_in_password").input("correct horse battery")
    at.button[0].click().run()
    assert "Live reviews" in _page_titles(at)
    assert at.session_state["account_id"]


def test_idle_session_is_signed_out(app_db: OpenSession, make_app: MakeApp) -> None:
    account = create_account(app_db, "manager")
    at = make_app(account)
    at.session_state["last_seen_at"] = datetime.now(UTC) - timedelta(minutes=31)
    at.run()
    assert _page_titles(at) == ["Rapid Review Tracker"]
    assert "signed out after 30 idle minutes" in at.info[0].value


def test_active_session_within_the_idle_time_stays(app_db: OpenSession, make_app: MakeApp) -> None:
    account = create_account(app_db, "manager")
    at = make_app(account)
    at.session_state["last_seen_at"] = datetime.now(UTC) - timedelta(minutes=29)
    at.run()
    assert "Live reviews" in _page_titles(at)


def test_sign_out_button(app_db: OpenSession, make_app: MakeApp) -> None:
    account = create_account(app_db, "manager")
    at = make_app(account).run()
    at.sidebar.button(key="sign_out").click().run()
    assert _page_titles(at) == ["Rapid Review Tracker"]
    assert "account_id" not in at.session_state


def test_board_account_gets_only_the_board_page(app_db: OpenSession, make_app: MakeApp) -> None:
    account = create_account(app_db, "board")
    at = make_app(account).run()
    assert _page_titles(at) == ["Board figures"]
    for page in ("pages/live_reviews.py", "pages/review.py", "pages/returns.py", "pages/daily_log.py",
                 "pages/admin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    assert not at.sidebar.text_input and "Board figures" in _page_titles(at)
