"""The tracker's own origin as ui/server.py's edge decides it: scheme, host and port, exactly."""
from __future__ import annotations

import pytest

from ui.server import PUBLIC_URL_VARIABLE, foreign_origin, own_origin


@pytest.fixture(autouse=True)
def no_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PUBLIC_URL_VARIABLE, raising=False)


def test_the_address_served_is_the_origin_when_no_public_address_is_set() -> None:
    assert own_origin({"host": "127.0.0.1:8501"}, "http") == ("http", "127.0.0.1", 8501)
    assert own_origin({"host": "tracker.example.org"}, "wss") == ("https", "tracker.example.org", 443)
    # Behind the proxy, the scheme the browser used.
    assert own_origin({"host": "tracker.example.org", "x-forwarded-proto": "https"}, "http") == \
        ("https", "tracker.example.org", 443)
    assert own_origin({}, "http") is None


def test_only_the_very_same_scheme_host_and_port_is_not_foreign() -> None:
    served = {"host": "127.0.0.1:8501"}
    assert not foreign_origin({**served, "origin": "http://127.0.0.1:8501"}, "http")
    assert not foreign_origin({**served, "origin": "HTTP://127.0.0.1:8501/"}, "ws")
    assert not foreign_origin(served, "http")  # no Origin said: for the route to decide
    for origin in ("http://127.0.0.1:8502", "http://localhost:8501", "https://127.0.0.1:8501", "http://127.0.0.1",
                   "null", "", "file://", "http://127.0.0.1:8501.evil.example", "http://127.0.0.1:notaport"):
        assert foreign_origin({**served, "origin": origin}, "http"), origin
    assert not foreign_origin({"host": "tracker.example.org", "origin": "https://tracker.example.org:443"}, "https")


def test_the_public_address_when_set_is_the_only_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PUBLIC_URL_VARIABLE, "https://tracker.example.org/")
    served = {"host": "127.0.0.1:8501"}
    assert own_origin(served, "http") == ("https", "tracker.example.org", 443)
    assert not foreign_origin({**served, "origin": "https://tracker.example.org"}, "ws")
    assert foreign_origin({**served, "origin": "http://127.0.0.1:8501"}, "ws")
    assert foreign_origin({**served, "origin": "http://tracker.example.org"}, "ws")
