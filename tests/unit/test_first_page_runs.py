"""A page's first run in a process is made one at a time (ui.navigation.run_page): two threads importing a package
with an import cycle at once can hand one of them a half-made module. Later runs are never held."""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from ui.navigation import run_page

WAIT_S = 5.0


@dataclass
class Page:
    """A page whose run waits until told to finish, and records who was inside it at once."""

    url_path: str = field(default_factory=lambda: f"page-{uuid.uuid4().hex}")
    inside: int = 0
    most_inside: int = 0
    entered: threading.Event = field(default_factory=threading.Event)
    finish: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fails: bool = False

    def run(self) -> None:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.entered.set()
        assert self.finish.wait(WAIT_S)
        with self.lock:
            self.inside -= 1
        if self.fails:
            raise RuntimeError("stopped, as st.stop() or a rerun ends a run")


def _in_thread(page: Page) -> threading.Thread:
    thread = threading.Thread(target=run_page, args=(page,), daemon=True)
    thread.start()
    return thread


def test_two_first_runs_of_a_page_are_made_one_after_the_other() -> None:
    page = Page()
    first, second = _in_thread(page), _in_thread(page)
    assert page.entered.wait(WAIT_S)
    second.join(0.3)
    assert page.inside == 1 and second.is_alive()  # the second waits outside while the first runs
    page.finish.set()
    first.join(WAIT_S)
    second.join(WAIT_S)
    assert not first.is_alive() and not second.is_alive()
    assert page.most_inside == 1


def test_a_page_run_before_is_not_held_by_another_pages_first_run() -> None:
    known, new = Page(), Page()
    known.finish.set()
    run_page(known)  # its first run
    known.finish.clear()
    known.entered.clear()
    holding = _in_thread(new)  # a new page's first run, holding the first-runs lock
    assert new.entered.wait(WAIT_S)
    again = _in_thread(known)
    assert known.entered.wait(WAIT_S)  # entered although the new page's first run is still going
    known.finish.set()
    again.join(WAIT_S)
    new.finish.set()
    holding.join(WAIT_S)
    assert not again.is_alive() and not holding.is_alive()


def test_a_first_run_that_stops_early_counts_and_frees_the_others() -> None:
    stopping = Page(fails=True)
    stopping.finish.set()
    caught: list[BaseException] = []

    def run() -> None:
        try:
            run_page(stopping)
        except RuntimeError as error:
            caught.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WAIT_S)
    assert len(caught) == 1
    # Marked as run before: a second and a third run go in together.
    stopping.fails, stopping.most_inside = False, 0
    stopping.finish.clear()
    both = [_in_thread(stopping), _in_thread(stopping)]
    for _ in range(50):
        if stopping.inside == 2:
            break
        threading.Event().wait(0.05)
    assert stopping.inside == 2
    stopping.finish.set()
    for thread in both:
        thread.join(WAIT_S)
    assert stopping.most_inside == 2
