"""manage.py: every error is one sentence on standard error and a non-zero exit, never a traceback."""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nothing"


def _manage(*args: str, database_url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


@pytest.mark.parametrize(
    "args",
    [("migrate",), ("demo-data",), ("create-user", "--username", "pat", "--roles", "admin", "--password-stdin")],
)
def test_an_unreachable_database_is_one_sentence_and_a_failed_exit(args: tuple[str, ...]) -> None:
    done = _manage(*args, database_url=UNREACHABLE, stdin="a long enough password\n")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip().count("\n") == 0
    assert "database cannot be reached" in done.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "sentence"),
    [
        (("--username", "pat", "--roles", "wizard"), "a long enough password\n", "Unknown role wizard"),
        (("--username", "pat", "--roles", "admin"), " " * 12 + "\n", "only spaces"),
        (("--username", "pat", "--roles", "admin", "--display-name", "N" * 121), "a long enough password\n",
         "at most 120"),
        (("--username", "pat", "--roles", "admin", "--display-name", "Pat\x01"), "a long enough password\n",
         "hidden control character"),
    ],
)
def test_input_the_services_refuse_is_one_sentence_and_a_failed_exit(fresh_database_url: str, args: tuple[str, ...],
                                                                     stdin: str,
                                                                     sentence: str) -> None:
    done = _manage("create-user", *args, "--password-stdin", database_url=fresh_database_url, stdin=stdin)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "$argon2" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and sentence in done.stderr


def test_create_user_succeeds(fresh_database_url: str) -> None:
    done = _manage("create-user", "--username", "pat", "--roles", "admin", "--password-stdin",
                   database_url=fresh_database_url, stdin="a long enough password\n")
    assert (done.returncode, done.stdout.strip()) == (0, "Account pat created with roles admin.")


def test_an_unexpected_error_names_its_type_only_unless_a_traceback_is_asked_for(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import manage

    def fails(_args: argparse.Namespace) -> None:
        raise ValueError("$argon2id$v=19$ a secret the message must not show")

    monkeypatch.setattr(manage, "migrate", fails)
    assert manage.main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "ValueError" in err and "$argon2" not in err and "--traceback" in err
    assert manage.main(["--traceback", "migrate"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_demo_data_prints_a_password_made_for_this_load_that_signs_in(fresh_database_url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from tests.password_sign_in import authenticate

    done = _manage("demo-data", database_url=fresh_database_url)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if "shown only now" in line)
    password = line.split("shown only now: ", 1)[1].split(";", 1)[0]
    assert password != "demo-password-2026" and len(password) >= 20
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as session, session.begin():
            assert authenticate(session, username="demo-admin", password=password).account is not None
            assert authenticate(session, username="demo-admin", password="demo-password-2026").account is None
    finally:
        engine.dispose()


def test_demo_data_refuses_a_database_with_real_accounts(fresh_database_url: str) -> None:
    _manage("create-user", "--username", "pat", "--roles", "admin", "--password-stdin",
            database_url=fresh_database_url, stdin="a long enough password\n")
    done = _manage("demo-data", database_url=fresh_database_url)
    assert done.returncode == 2 and "accounts already exist" in done.stderr
