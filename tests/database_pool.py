"""Test databases made ahead and dropped behind, off the tests' own time.

A copy of a template (CREATE DATABASE ... TEMPLATE, then its grants moved to its own app group) takes about a second
and a DROP DATABASE another half to one and a half (PostgreSQL forces a checkpoint on each drop). A few hundred tests
each take a database of their own: done in line, that is several minutes of a run. Here one background thread per
test process keeps one copy of each template in use ready before it is asked for, and another drops what the tests
gave back while they go on (a few at once: they share PostgreSQL's checkpoint). What a test gets is the same as
before: a database of its own, copied from the template it asked for, never used by another test, dropped after it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg
from sqlalchemy.exc import SQLAlchemyError

# How many copies of each template in use are kept ready (one is enough: a copy takes about a second, most tests
# longer).
READY_PER_TEMPLATE = 1

# How many DROP DATABASE run side by side (each on a connection of its own).
DROPS_AT_ONCE = 4

# (name, owner's URL) of a database copied from a template.
Copy = tuple[str, str]


class DatabasePool:
    """`take(template)`: a copy of the template of its own (made ahead when possible); `give_back(name)`: drop it
    later. `forget(template)` before a template is dropped; `close()` at the end of the run drops everything left."""

    def __init__(self, create: Callable[[str], Copy], drop: Callable[[str], None]) -> None:
        self._create = create
        self._drop = drop
        self._cond = threading.Condition()
        self._ready: dict[str, list[Copy]] = {}
        self._wanted: list[str] = []
        self._drops: list[str] = []
        self._busy_with: str | None = None  # the template being copied by the thread just now
        self._closing = False
        self._failures: list[str] = []
        self._copier = threading.Thread(target=self._run_copies, name="test-database-copies", daemon=True)
        self._dropper = threading.Thread(target=self._run_drops, name="test-database-drops", daemon=True)
        self._copier.start()
        self._dropper.start()

    def take(self, template: str) -> Copy:
        with self._cond:
            if template not in self._wanted:
                self._wanted.append(template)
            ready = self._ready.get(template)
            copy = ready.pop(0) if ready else None
            self._cond.notify_all()
        # None ready (the first ask, or the tests faster than the thread): made here, as before.
        return copy if copy is not None else self._create(template)

    def give_back(self, name: str) -> None:
        with self._cond:
            self._drops.append(name)
            self._cond.notify_all()

    def forget(self, template: str) -> None:
        """No more copies of `template` (it is about to be dropped): its ready copies are dropped."""
        with self._cond:
            if template in self._wanted:
                self._wanted.remove(template)
            self._drops.extend(name for name, _url in self._ready.pop(template, []))
            self._cond.notify_all()
            while self._busy_with == template:
                self._cond.wait()

    def close(self) -> None:
        """Stop making copies, drop every one left unused and every one given back; raise if a drop failed."""
        with self._cond:
            self._wanted.clear()
            for copies in self._ready.values():
                self._drops.extend(name for name, _url in copies)
            self._ready.clear()
            self._closing = True
            self._cond.notify_all()
        self._copier.join()
        self._dropper.join()
        if self._failures:
            raise RuntimeError("test databases not made or dropped:\n" + "\n".join(self._failures))

    def _next_copy(self) -> str | None:
        for template in self._wanted:
            if len(self._ready.get(template, [])) < READY_PER_TEMPLATE:
                return template
        return None

    def _run_copies(self) -> None:
        while True:
            with self._cond:
                template = self._next_copy()
                while not self._closing and template is None:
                    self._cond.wait()
                    template = self._next_copy()
                if self._closing or template is None:
                    return
                self._busy_with = template
            made: Copy | None = None
            try:
                made = self._create(template)
            except (SQLAlchemyError, psycopg.Error) as error:
                with self._cond:
                    self._failures.append(f"copy of {template}: {error}")
                    if template in self._wanted:
                        self._wanted.remove(template)  # not tried again and again: a test asking makes its own
            with self._cond:
                self._busy_with = None
                if made is not None:
                    if template in self._wanted and not self._closing:
                        self._ready.setdefault(template, []).append(made)
                    else:  # forgotten meanwhile
                        self._drops.append(made[0])
                self._cond.notify_all()

    def _run_drops(self) -> None:
        # PostgreSQL forces a checkpoint on each DROP DATABASE; drops running side by side share one, so all those
        # waiting go at once, a few at a time.
        with ThreadPoolExecutor(max_workers=DROPS_AT_ONCE, thread_name_prefix="test-database-drop") as executor:
            while True:
                with self._cond:
                    while not self._drops and not (self._closing and self._busy_with is None):
                        self._cond.wait()
                    names, self._drops = self._drops, []
                    if not names:
                        return
                for name, error in zip(names, executor.map(self._drop_one, names), strict=True):
                    if error is not None:
                        with self._cond:
                            self._failures.append(f"drop {name}: {error}")

    def _drop_one(self, name: str) -> BaseException | None:
        try:
            self._drop(name)
        except (SQLAlchemyError, psycopg.Error) as error:
            return error
        return None
