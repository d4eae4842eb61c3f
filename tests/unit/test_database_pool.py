"""tests/database_pool.py: each test gets a copy of its own of the template it asked for, every copy made is dropped
once, and a template's copies are gone before it is. Made and dropped here by fakes that write down what they did."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from tests.database_pool import Copy, DatabasePool


class FakeServer:
    def __init__(self, fail_drop: str | None = None) -> None:
        self.lock = threading.Lock()
        self.made: list[tuple[str, str]] = []  # (copy, template)
        self.dropped: list[str] = []
        self.fail_drop = fail_drop

    def create(self, template: str) -> Copy:
        with self.lock:
            name = f"{template}-copy{len(self.made) + 1}"
            self.made.append((name, template))
        return name, f"url-of-{name}"

    def drop(self, name: str) -> None:
        if name == self.fail_drop:
            raise OperationalError("DROP DATABASE", {}, Exception("database is being accessed"))
        with self.lock:
            self.dropped.append(name)

    def live(self) -> set[str]:
        with self.lock:
            return {name for name, _template in self.made} - set(self.dropped)


def _wait_until(condition: object, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, "the pool's thread did not get there"
        time.sleep(0.01)


def test_each_take_is_a_copy_of_its_own_of_the_template_asked_for_and_the_next_is_made_ahead() -> None:
    server = FakeServer()
    pool = DatabasePool(server.create, server.drop)
    first = pool.take("tpl")
    # The first is made in line (none was ready); the thread then makes the next one before it is asked for.
    assert first == ("tpl-copy1", "url-of-tpl-copy1")
    _wait_until(lambda: len(server.made) == 2)
    assert server.made[1] == ("tpl-copy2", "tpl")
    second = pool.take("tpl")
    assert second == ("tpl-copy2", "url-of-tpl-copy2")
    other = pool.take("demo")
    assert other[0].startswith("demo-copy")
    assert len({first[0], second[0], other[0]}) == 3
    pool.close()
    # Everything made was dropped exactly once: the three taken were never given back, the ones ready were left.
    assert sorted(server.dropped) == sorted({name for name, _t in server.made} - {first[0], second[0], other[0]})
    assert len(server.dropped) == len(set(server.dropped))


def test_a_copy_given_back_is_dropped_by_the_thread_and_close_leaves_none() -> None:
    server = FakeServer()
    pool = DatabasePool(server.create, server.drop)
    taken = [pool.take("tpl") for _ in range(5)]
    for name, _url in taken:
        pool.give_back(name)
    _wait_until(lambda: all(name in server.dropped for name, _url in taken))
    pool.close()
    assert server.live() == set()
    assert sorted(server.dropped) == sorted(name for name, _t in server.made)


def test_forget_drops_the_templates_ready_copies_and_makes_no_more() -> None:
    server = FakeServer()
    pool = DatabasePool(server.create, server.drop)
    pool.take("demo")
    _wait_until(lambda: len(server.made) == 2)
    pool.forget("demo")
    _wait_until(lambda: "demo-copy2" in server.dropped)
    time.sleep(0.1)
    assert len(server.made) == 2  # no copy of a forgotten template is made
    pool.close()


def test_a_failed_drop_fails_the_close() -> None:
    server = FakeServer(fail_drop="tpl-copy1")
    pool = DatabasePool(server.create, server.drop)
    name, _url = pool.take("tpl")
    pool.give_back(name)
    with pytest.raises(RuntimeError, match="drop tpl-copy1"):
        pool.close()
