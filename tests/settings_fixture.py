"""The tests' `monkeypatch`: pytest's own, except that a change of the environment makes the server's settings be read
again (config.settings reads them once per process). Imported by tests/conftest.py, so every test gets it."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.settings import reload_settings


# pytest marks MonkeyPatch final; this subclass only reads the settings again after each change of the environment.
class SettingsMonkeyPatch(pytest.MonkeyPatch):  # type: ignore[misc]
    def setenv(self, name: str, value: str, prepend: str | None = None) -> None:
        super().setenv(name, value, prepend)
        reload_settings()

    def delenv(self, name: str, raising: bool = True) -> None:
        super().delenv(name, raising)
        reload_settings()

    def undo(self) -> None:
        super().undo()
        reload_settings()


@pytest.fixture
def monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    patch = SettingsMonkeyPatch()
    yield patch
    patch.undo()
