"""The server's settings, read from the environment into one typed object (pydantic-settings), once per process.

Every part of the tracker that depends on how a server is set up reads it here: db/engine.py (DATABASE_URL,
MIGRATION_DATABASE_URL), db/embedded.py (RRT_DATA_DIR), services/clock.py (RRT_TODAY), services/outbox.py and
services/due_mail.py (SMTP_URL, SMTP_FROM, RRT_PUBLIC_URL), ui/server.py (RRT_PUBLIC_URL, RRT_OIDC_*),
pages/my_account.py (RRT_PUBLIC_URL) and manage.py (RRT_DIGEST_TIME). The README's "Configuration" table lists
exactly these variables (tests/unit/test_settings.py checks it).

It lives in its own package, config/, below everything else: db/ needs it and imports nothing from services/ or ui/
(the database layer sits under the services), so the settings can be neither a service nor part of the ui; and they
import nothing of the tracker's own.

`settings()` reads the environment the first time it is called and hands back the same object afterwards;
`reload_settings()` forgets it, so that the next `settings()` reads the environment again (the tests do, through
their `monkeypatch` fixture, whenever they change a variable; services.unit_of_work then makes a new engine).
`read_settings(environ)` reads a given mapping instead, for a caller that has one.

A value that cannot be used is refused with one sentence naming its variable (SettingsError, a ValueError): the
served app and manage.py say it and stop at start, before anything else is done.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT / "var" / "pgdata"
DEFAULT_DIGEST_TIME = time(7, 0)

SMTP_SCHEMES = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "ssl"}
SMTP_URL_SENTENCE = ("SMTP_URL must look like smtp://host:25, smtp+starttls://user:password@host:587 or "
                     "smtps://user:password@host:465.")
# Organisation sign-in (OpenID Connect): the `[auth]` secret each variable gives (ui/server.py builds them).
OIDC_VARIABLES = {
    "server_metadata_url": "RRT_OIDC_SERVER_METADATA_URL",
    "client_id": "RRT_OIDC_CLIENT_ID",
    "client_secret": "RRT_OIDC_CLIENT_SECRET",
    "redirect_uri": "RRT_OIDC_REDIRECT_URI",
    "cookie_secret": "RRT_OIDC_COOKIE_SECRET",
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one sentence naming its variable."""


def _variable(name: str) -> Any:
    """A field read from the environment variable `name` (exactly that name: case matters)."""
    return Field(default=None, validation_alias=name)


class ServerSettings(BaseSettings):
    """How this server is set up. A variable that is unset, or blank, takes the default."""

    model_config = SettingsConfigDict(case_sensitive=True, frozen=True, extra="ignore", env_file=None,
                                      validate_default=False)

    database_url: str | None = _variable("DATABASE_URL")
    migration_database_url: str | None = _variable("MIGRATION_DATABASE_URL")
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, validation_alias="RRT_DATA_DIR")
    today: date | None = _variable("RRT_TODAY")
    smtp_url: str | None = _variable("SMTP_URL")
    smtp_from: str | None = _variable("SMTP_FROM")
    digest_time: time = Field(default=DEFAULT_DIGEST_TIME, validation_alias="RRT_DIGEST_TIME")
    public_url: str | None = _variable("RRT_PUBLIC_URL")
    oidc_server_metadata_url: str | None = _variable("RRT_OIDC_SERVER_METADATA_URL")
    oidc_client_id: str | None = _variable("RRT_OIDC_CLIENT_ID")
    oidc_client_secret: str | None = _variable("RRT_OIDC_CLIENT_SECRET")
    oidc_redirect_uri: str | None = _variable("RRT_OIDC_REDIRECT_URI")
    oidc_cookie_secret: str | None = _variable("RRT_OIDC_COOKIE_SECRET")
    oidc_label: str | None = _variable("RRT_OIDC_LABEL")
    # The Chrome or Chromium kaleido drives to draw the yearly report's charts (services/board/yearly.py).
    chart_browser: str | None = _variable("BROWSER_PATH")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        # Surrounding spaces are never meant; a variable set to nothing but spaces is as good as unset.
        if not isinstance(values, Mapping):
            return values
        stripped = {key: value.strip() if isinstance(value, str) else value for key, value in values.items()}
        return {key: value for key, value in stripped.items() if value != ""}

    @field_validator("database_url", "migration_database_url", mode="before")
    @classmethod
    def _postgresql(cls, value: Any, info: Any) -> Any:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        name = "DATABASE_URL" if info.field_name == "database_url" else "MIGRATION_DATABASE_URL"
        try:
            backend = make_url(str(value)).get_backend_name()
        except (ArgumentError, ValueError):
            backend = ""
        if backend not in ("postgresql", "postgres"):
            # Never the value itself: it may carry a password.
            raise ValueError(f"{name} must be a PostgreSQL address like postgresql://user:password@host/database.")
        return value

    @field_validator("today", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError("RRT_TODAY must be a date written YYYY-MM-DD, like 2026-11-26.") from None

    @field_validator("digest_time", mode="before")
    @classmethod
    def _hours_minutes(cls, value: Any) -> Any:
        if isinstance(value, time):
            return value
        hours, _, minutes = str(value).partition(":")
        try:
            return time(int(hours), int(minutes or 0))
        except ValueError:
            raise ValueError("RRT_DIGEST_TIME must be a London time written HH:MM, like 07:00.") from None

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _smtp(cls, value: Any) -> Any:
        parts = urlsplit(str(value))
        try:
            parts.port  # noqa: B018 (a port that is not a number raises here)
        except ValueError:
            raise ValueError(SMTP_URL_SENTENCE) from None
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
            raise ValueError(SMTP_URL_SENTENCE)
        return value

    @field_validator("public_url", mode="before")
    @classmethod
    def _public_address(cls, value: Any) -> Any:
        parts = urlsplit(str(value))
        try:
            parts.port  # noqa: B018 (a port that is not a number raises here)
        except ValueError:
            parts = urlsplit("")
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("RRT_PUBLIC_URL must be the tracker's address as people reach it, like "
                             "https://rapid-reviews.council.example.")
        return str(value).rstrip("/")

    @model_validator(mode="after")
    def _oidc_whole_or_none(self) -> ServerSettings:
        given = self.oidc_secrets()
        missing = [variable for key, variable in OIDC_VARIABLES.items() if not given.get(key)]
        if given and missing:
            raise ValueError(f"Organisation sign-in is half configured: set {', '.join(missing)} too, or none of "
                             "them.")
        return self

    def oidc_secrets(self) -> dict[str, str]:
        """The `[auth]` secrets of organisation sign-in that are set (all five, or none: checked at reading)."""
        values = {key: getattr(self, f"oidc_{key}") for key in OIDC_VARIABLES}
        return {key: value for key, value in values.items() if value}

    @property
    def uses_embedded_server(self) -> bool:
        return self.database_url is None


def variables() -> dict[str, str]:
    """Each setting's environment variable and its field's name."""
    return {str(field.validation_alias): name for name, field in ServerSettings.model_fields.items()}


def _sentence(error: ValidationError) -> str:
    """The first problem, as one sentence naming its variable (never the value, which may be a secret)."""
    problem = error.errors(include_url=False, include_input=False)[0]
    cause = problem.get("ctx", {}).get("error")
    if cause is not None:
        return str(cause)
    variable = ".".join(str(part) for part in problem.get("loc", ())) or "A setting"
    return f"{variable} cannot be used: {problem['msg'].rstrip('.')}."


def read_settings(environ: Mapping[str, str] | None = None) -> ServerSettings:
    """Read the settings now, from `environ` (only the variables named) or else the process's environment;
    SettingsError with one sentence when a value cannot be used."""
    try:
        if environ is None:
            return ServerSettings()
        return ServerSettings.model_validate({key: environ[key] for key in variables() if key in environ})
    except ValidationError as error:
        raise SettingsError(_sentence(error)) from None


_lock = threading.Lock()
_read: ServerSettings | None = None


def settings() -> ServerSettings:
    """This process's settings, read from the environment the first time (SettingsError when one cannot be used)."""
    global _read
    found = _read
    if found is None:
        with _lock:
            found = _read
            if found is None:
                found = _read = read_settings()
    return found


def reload_settings() -> None:
    """Forget the settings read: the next `settings()` reads the environment again."""
    global _read
    with _lock:
        _read = None
