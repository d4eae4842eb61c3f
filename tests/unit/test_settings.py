"""The server's settings (config/settings.py): the README's configuration table lists exactly them, with their
defaults; a value that cannot be used is one sentence naming its variable, at start; they are read once per process."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from config.settings import ServerSettings, SettingsError, read_settings, reload_settings, settings, variables

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"


def _configuration_table() -> list[tuple[list[str], str]]:
    """The README's "## Configuration" table of the server's settings: each row's variables and its default cell."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^\|\s*variable\s*\|", line))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append((re.findall(r"`([A-Za-z0-9_]+)`", cells[0]), cells[-1]))
    return rows


def test_the_readme_table_lists_exactly_the_settings() -> None:
    rows = _configuration_table()
    assert rows, "no configuration table found"
    named = [variable for names, _default in rows for variable in names]
    assert [names for names, _default in rows if not names] == [], "a row names no variable"
    not_settings = sorted(set(named) - set(variables()))
    missing = sorted(set(variables()) - set(named))
    assert not_settings == [], f"rows name variables that are not settings: {not_settings}"
    assert missing == [], f"settings missing from the README's table: {missing}"
    assert len(named) == len(set(named)), "a variable is listed twice"


def _default_as_written(value: object) -> str:
    if isinstance(value, Path):
        return value.relative_to(ROOT).as_posix()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def test_the_defaults_the_readme_states_are_the_settings_defaults() -> None:
    fields = ServerSettings.model_fields
    checked = 0
    for names, default in _configuration_table():
        for variable in names:
            field_default = fields[variables()[variable]].default
            if default.startswith("unset"):
                assert field_default is None, f"{variable}: the README says unset, the default is {field_default!r}"
                checked += 1
            elif stated := re.match(r"^`([^`]+)`", default):
                assert _default_as_written(field_default) == stated.group(1), variable
                checked += 1
    assert checked == len(variables())  # every default is stated, so every one was compared
    # The two defaults that are not "unset", as the README states them.
    assert read_settings({}).digest_time == time(7, 0)
    assert read_settings({}).data_dir == ROOT / "var" / "pgdata"


@pytest.mark.parametrize(("environ", "variable"), [
    ({"DATABASE_URL": "mysql://root:hunter2-secret@db/tracker"}, "DATABASE_URL"),
    ({"MIGRATION_DATABASE_URL": "not an address hunter2-secret"}, "MIGRATION_DATABASE_URL"),
    ({"RRT_TODAY": "26/11/2026"}, "RRT_TODAY"),
    ({"RRT_DIGEST_TIME": "7am"}, "RRT_DIGEST_TIME"),
    ({"RRT_DIGEST_TIME": "24:00"}, "RRT_DIGEST_TIME"),
    ({"SMTP_URL": "http://mail.example"}, "SMTP_URL"),
    ({"SMTP_URL": "smtp://user:hunter2-secret@mail.example:submission"}, "SMTP_URL"),
    ({"RRT_PUBLIC_URL": "tracker.council.example"}, "RRT_PUBLIC_URL"),
    ({"RRT_OIDC_CLIENT_ID": "tracker", "RRT_OIDC_CLIENT_SECRET": "hunter2-secret"}, "RRT_OIDC_COOKIE_SECRET"),
])
def test_a_value_that_cannot_be_used_is_one_sentence_naming_its_variable(environ: dict[str, str],
                                                                         variable: str) -> None:
    with pytest.raises(SettingsError) as refused:
        read_settings(environ)
    sentence = str(refused.value)
    assert variable in sentence and sentence.endswith(".") and "\n" not in sentence
    assert "hunter2" not in sentence and "validation error" not in sentence.lower() and "pydantic" not in sentence


def test_values_are_typed_and_a_blank_one_is_unset() -> None:
    found = read_settings({"RRT_TODAY": " 2026-11-26 ", "RRT_DIGEST_TIME": "6:30", "SMTP_URL": "  ",
                           "RRT_PUBLIC_URL": "https://tracker.example.org/", "RRT_DATA_DIR": "/srv/rrt/pgdata",
                           "DATABASE_URL": "", "OTHER": "ignored"})
    assert (found.today, found.digest_time, found.smtp_url, found.public_url, found.data_dir, found.database_url) == (
        date(2026, 11, 26), time(6, 30), None, "https://tracker.example.org", Path("/srv/rrt/pgdata"), None)
    assert found.uses_embedded_server


def test_organisation_sign_in_is_all_five_or_none() -> None:
    five = {"RRT_OIDC_SERVER_METADATA_URL": "https://id.example/.well-known/openid-configuration",
            "RRT_OIDC_CLIENT_ID": "tracker", "RRT_OIDC_CLIENT_SECRET": "s", "RRT_OIDC_REDIRECT_URI": "https://t/cb",
            "RRT_OIDC_COOKIE_SECRET": "c", "RRT_OIDC_LABEL": "Council"}
    found = read_settings(five)
    assert found.oidc_secrets() == {"server_metadata_url": five["RRT_OIDC_SERVER_METADATA_URL"],
                                    "client_id": "tracker", "client_secret": "s", "redirect_uri": "https://t/cb",
                                    "cookie_secret": "c"}
    assert found.oidc_label == "Council"
    assert read_settings({}).oidc_secrets() == {}
    with pytest.raises(SettingsError, match="half configured: set RRT_OIDC_REDIRECT_URI too"):
        read_settings({k: v for k, v in five.items() if k != "RRT_OIDC_REDIRECT_URI"})


def test_the_settings_are_read_once_until_read_again() -> None:
    os.environ["RRT_TODAY"] = "2026-11-26"
    try:
        reload_settings()
        first = settings()
        assert first.today == date(2026, 11, 26)
        os.environ["RRT_TODAY"] = "2026-11-27"  # not through monkeypatch: nothing reads them again
        assert settings() is first and settings().today == date(2026, 11, 26)
        reload_settings()
        assert settings().today == date(2026, 11, 27)
    finally:
        del os.environ["RRT_TODAY"]
        reload_settings()


def test_the_tests_monkeypatch_reads_them_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRT_TODAY", "2026-11-26")
    assert settings().today == date(2026, 11, 26)
    monkeypatch.delenv("RRT_TODAY")
    assert settings().today is None


def _bad_environment(**bad: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in variables()}, "DATABASE_URL": UNREACHABLE, **bad}


def test_a_command_with_a_setting_that_cannot_be_used_stops_at_start_in_one_sentence() -> None:
    done = subprocess.run([sys.executable, "manage.py", "migrate"], cwd=ROOT, capture_output=True, text=True,
                          env=_bad_environment(RRT_TODAY="tomorrow"), timeout=120)
    assert done.returncode == 2
    # The settings' sentence, not the unreachable database's: nothing was tried.
    assert done.stderr.strip() == "RRT_TODAY must be a date written YYYY-MM-DD, like 2026-11-26. Nothing was done."


def test_the_served_app_with_a_setting_that_cannot_be_used_stops_at_start_in_one_sentence() -> None:
    done = subprocess.run([sys.executable, "-m", "ui.server", "--server.port", "1"], cwd=ROOT, capture_output=True,
                          text=True, env=_bad_environment(RRT_PUBLIC_URL="tracker.council.example"), timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == ("RRT_PUBLIC_URL must be the tracker's address as people reach it, like "
                                   "https://rapid-reviews.council.example.")
