"""An unexpected error is logged by type and place under an id, never with its message."""
from __future__ import annotations

import logging

import pytest

from ui.errors import describe_for_log, report_unexpected

SECRET = "child AB, case 180626AB, $argon2id$v=19$m=65536"


def _fail() -> None:
    try:
        raise KeyError(SECRET)
    except KeyError as cause:
        raise ValueError(SECRET) from cause


def test_the_log_names_the_type_and_the_place_but_not_the_message() -> None:
    with pytest.raises(ValueError) as caught:
        _fail()
    logged = describe_for_log(caught.value)
    assert logged.splitlines()[0] == "builtins.ValueError"
    assert "caused by\nbuiltins.KeyError" in logged
    assert "test_error_display.py" in logged and "in _fail" in logged
    assert "180626AB" not in logged and "argon2" not in logged and "AB," not in logged


def test_each_report_gets_its_own_short_id_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValueError) as caught:
        _fail()
    with caplog.at_level(logging.ERROR, logger="rrt.errors"):
        first, second = report_unexpected(caught.value), report_unexpected(caught.value)
    assert first != second and len(first) == 8 and int(first, 16) >= 0
    assert f"Unexpected error {first}" in caplog.text and f"Unexpected error {second}" in caplog.text
    assert "180626AB" not in caplog.text
