"""Red / Amber / Green (domain.md, "Red / Amber / Green" and the worked examples).

Dates are hand-computed. December 2026: Fri 25 and Mon 28 are bank holidays (28 is the Boxing
Day substitute), Fri 1 Jan 2027 is a bank holiday.
"""
from datetime import date

import pytest

from services.rag import RAG_COLOURS, Rag, open_item_rag, rag_for_due_date, received_unchecked_rag, worst
from services.working_days import WorkingCalendar

D = date
DUE_TUE_29_DEC = D(2026, 12, 29)


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


# ------------------------------------------------------------------ the worked example


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2026, 12, 23), Rag.GREEN),   # Wed: 2 working days left (24, 29)
        (D(2026, 12, 24), Rag.AMBER),   # Thu: due on the next working day
        (D(2026, 12, 29), Rag.AMBER),   # Tue: due today
        (D(2026, 12, 30), Rag.RED),     # Wed: past due
    ],
)
def test_worked_example_return_due_tue_29_dec(cal: WorkingCalendar, as_of: date, expected: Rag) -> None:
    assert rag_for_due_date(cal, DUE_TUE_29_DEC, as_of) is expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2026, 12, 1), Rag.GREEN),
        (D(2026, 12, 18), Rag.GREEN),
        (D(2026, 12, 22), Rag.GREEN),   # 3 left
        (D(2026, 12, 25), Rag.AMBER),   # holiday; next working day is the due day
        (D(2026, 12, 26), Rag.AMBER),
        (D(2026, 12, 27), Rag.AMBER),
        (D(2026, 12, 28), Rag.AMBER),
        (D(2026, 12, 31), Rag.RED),
        (D(2027, 1, 4), Rag.RED),
        (D(2027, 6, 1), Rag.RED),
    ],
)
def test_return_due_tue_29_dec_on_other_days(cal: WorkingCalendar, as_of: date, expected: Rag) -> None:
    assert rag_for_due_date(cal, DUE_TUE_29_DEC, as_of) is expected


@pytest.mark.parametrize(
    ("due", "as_of", "expected"),
    [
        # due Mon 4 Jan 2027, over New Year and a weekend
        (D(2027, 1, 4), D(2026, 12, 30), Rag.GREEN),  # 31 Dec, 4 Jan
        (D(2027, 1, 4), D(2026, 12, 31), Rag.AMBER),
        (D(2027, 1, 4), D(2027, 1, 1), Rag.AMBER),    # on the holiday itself
        (D(2027, 1, 4), D(2027, 1, 3), Rag.AMBER),
        (D(2027, 1, 4), D(2027, 1, 4), Rag.AMBER),
        (D(2027, 1, 4), D(2027, 1, 5), Rag.RED),
        # due Mon 22 Jun 2026, over an ordinary weekend
        (D(2026, 6, 22), D(2026, 6, 18), Rag.GREEN),  # Thu: 19, 22
        (D(2026, 6, 22), D(2026, 6, 19), Rag.AMBER),  # Fri: next working day is Mon
        (D(2026, 6, 22), D(2026, 6, 20), Rag.AMBER),
        (D(2026, 6, 22), D(2026, 6, 21), Rag.AMBER),
        (D(2026, 6, 22), D(2026, 6, 23), Rag.RED),
    ],
)
def test_rag_over_weekends_and_holidays(cal: WorkingCalendar, due: date, as_of: date, expected: Rag) -> None:
    assert rag_for_due_date(cal, due, as_of) is expected


def test_rag_follows_closure_days() -> None:
    # With 29-31 Dec closed, a return due Mon 4 Jan is amber on Thu 24 Dec (next working day).
    closed = WorkingCalendar(closures=[D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)])
    assert rag_for_due_date(closed, D(2027, 1, 4), D(2026, 12, 24)) is Rag.AMBER
    assert rag_for_due_date(WorkingCalendar(), D(2027, 1, 4), D(2026, 12, 24)) is Rag.GREEN


# ------------------------------------------------------------------ amber threshold setting


@pytest.mark.parametrize(
    ("amber_days", "as_of", "expected"),
    [
        # threshold 0: amber only on the due day itself
        (0, D(2026, 12, 23), Rag.GREEN),
        (0, D(2026, 12, 24), Rag.GREEN),
        (0, D(2026, 12, 28), Rag.GREEN),
        (0, D(2026, 12, 29), Rag.AMBER),
        (0, D(2026, 12, 30), Rag.RED),
        # threshold 1 (the default)
        (1, D(2026, 12, 23), Rag.GREEN),
        (1, D(2026, 12, 24), Rag.AMBER),
        # threshold 2: amber from two working days before
        (2, D(2026, 12, 21), Rag.GREEN),  # 22, 23, 24, 29 = 4 left
        (2, D(2026, 12, 22), Rag.GREEN),  # 3 left
        (2, D(2026, 12, 23), Rag.AMBER),  # 2 left
        (2, D(2026, 12, 24), Rag.AMBER),
        (2, D(2026, 12, 29), Rag.AMBER),
        (2, D(2026, 12, 30), Rag.RED),
        # threshold 3
        (3, D(2026, 12, 21), Rag.GREEN),
        (3, D(2026, 12, 22), Rag.AMBER),
    ],
)
def test_amber_threshold(cal: WorkingCalendar, amber_days: int, as_of: date, expected: Rag) -> None:
    assert rag_for_due_date(cal, DUE_TUE_29_DEC, as_of, amber_days=amber_days) is expected


def test_default_amber_threshold_is_one_working_day(cal: WorkingCalendar) -> None:
    assert rag_for_due_date(cal, DUE_TUE_29_DEC, D(2026, 12, 23)) is Rag.GREEN
    assert rag_for_due_date(cal, DUE_TUE_29_DEC, D(2026, 12, 24)) is Rag.AMBER


# ------------------------------------------------------------------ open items


def test_open_item_without_a_due_date_is_green(cal: WorkingCalendar) -> None:
    assert open_item_rag(cal, due=None, as_of=D(2026, 12, 30)) is Rag.GREEN


def test_open_item_without_a_due_date_is_green_even_before_its_window(cal: WorkingCalendar) -> None:
    assert open_item_rag(cal, due=None, as_of=D(2026, 12, 18), window_start=D(2027, 1, 4)) is Rag.GREEN


@pytest.mark.parametrize(
    ("window_start", "due", "as_of", "expected"),
    [
        # Day 9-12 for a review received 18 Dec 2026: Mon 4 Jan - Thu 7 Jan 2027
        (D(2027, 1, 4), D(2027, 1, 7), D(2026, 12, 23), Rag.NOT_DUE_YET),
        (D(2027, 1, 4), D(2027, 1, 7), D(2026, 12, 31), Rag.NOT_DUE_YET),
        (D(2027, 1, 4), D(2027, 1, 7), D(2027, 1, 4), Rag.GREEN),   # window open, 3 left
        (D(2027, 1, 4), D(2027, 1, 7), D(2027, 1, 5), Rag.GREEN),
        (D(2027, 1, 4), D(2027, 1, 7), D(2027, 1, 6), Rag.AMBER),
        (D(2027, 1, 4), D(2027, 1, 7), D(2027, 1, 7), Rag.AMBER),
        (D(2027, 1, 4), D(2027, 1, 7), D(2027, 1, 8), Rag.RED),
        # Day 6 (window start = due = Tue 29 Dec): amber beats "not due yet"
        (D(2026, 12, 29), D(2026, 12, 29), D(2026, 12, 23), Rag.NOT_DUE_YET),
        (D(2026, 12, 29), D(2026, 12, 29), D(2026, 12, 24), Rag.AMBER),
        (D(2026, 12, 29), D(2026, 12, 29), D(2026, 12, 28), Rag.AMBER),
        (D(2026, 12, 29), D(2026, 12, 29), D(2026, 12, 29), Rag.AMBER),
        (D(2026, 12, 29), D(2026, 12, 29), D(2026, 12, 30), Rag.RED),
        # Day 2-6: Mon 21 Dec - Tue 29 Dec
        (D(2026, 12, 21), D(2026, 12, 29), D(2026, 12, 18), Rag.NOT_DUE_YET),
        (D(2026, 12, 21), D(2026, 12, 29), D(2026, 12, 20), Rag.NOT_DUE_YET),
        (D(2026, 12, 21), D(2026, 12, 29), D(2026, 12, 21), Rag.GREEN),
        # no window start: the plain rule
        (None, D(2026, 12, 29), D(2026, 12, 18), Rag.GREEN),
        (None, D(2026, 12, 29), D(2026, 12, 24), Rag.AMBER),
        (None, D(2026, 12, 29), D(2026, 12, 30), Rag.RED),
    ],
)
def test_open_item_rag(cal: WorkingCalendar, window_start: date | None, due: date, as_of: date, expected: Rag) -> None:
    assert open_item_rag(cal, due=due, as_of=as_of, window_start=window_start) is expected


@pytest.mark.parametrize(
    ("amber_days", "as_of", "expected"),
    [
        (1, D(2026, 12, 23), Rag.NOT_DUE_YET),
        (2, D(2026, 12, 23), Rag.AMBER),
        (2, D(2026, 12, 22), Rag.NOT_DUE_YET),
        (0, D(2026, 12, 24), Rag.NOT_DUE_YET),
        (0, D(2026, 12, 29), Rag.AMBER),
    ],
)
def test_open_item_rag_uses_the_amber_threshold(cal: WorkingCalendar, amber_days: int, as_of: date,
                                                expected: Rag) -> None:
    got = open_item_rag(cal, due=D(2026, 12, 29), as_of=as_of, amber_days=amber_days,
                        window_start=D(2026, 12, 29))
    assert got is expected


def test_not_due_yet_is_drawn_green() -> None:
    assert RAG_COLOURS[Rag.NOT_DUE_YET] == RAG_COLOURS[Rag.GREEN]
    assert RAG_COLOURS[Rag.AMBER] != RAG_COLOURS[Rag.GREEN]
    assert RAG_COLOURS[Rag.RED] != RAG_COLOURS[Rag.AMBER]


def _contrast_with_white(colour: str) -> float:
    """WCAG 2.2's contrast ratio of a colour against white (relative luminance, sRGB)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_the_contrast_formula_gives_the_figures_an_audit_measured() -> None:
    # axe-core measured white on the old amber #b7791f at 3.64:1 and on the old "not needed" #718096 at 4.02:1.
    assert round(_contrast_with_white("#b7791f"), 2) == 3.64
    assert round(_contrast_with_white("#718096"), 2) == 4.02


@pytest.mark.parametrize("rag", list(Rag))
def test_every_status_colour_carries_white_text_at_wcag_aa_contrast(rag: Rag) -> None:
    # Tables draw each status's word in white on its colour (WCAG 2.2 AA 1.4.3: at least 4.5:1).
    assert _contrast_with_white(RAG_COLOURS[rag]) >= 4.5


@pytest.mark.parametrize(
    ("status", "value"),
    [
        (Rag.COMPLETE, "complete"),
        (Rag.GREEN, "green"),
        (Rag.AMBER, "amber"),
        (Rag.RED, "red"),
        (Rag.NOT_DUE_YET, "not due yet"),
    ],
)
def test_status_words(status: Rag, value: str) -> None:
    assert status.value == value
    assert status == value


# ------------------------------------------------------------------ received, not yet checked


@pytest.mark.parametrize(
    ("received", "as_of", "expected"),
    [
        # received Wed 17 Jun 2026
        (D(2026, 6, 17), D(2026, 6, 17), Rag.AMBER),  # on the day
        (D(2026, 6, 17), D(2026, 6, 18), Rag.RED),    # next working day
        (D(2026, 6, 17), D(2026, 6, 22), Rag.RED),
        # received Fri 19 Jun 2026: amber over the weekend, red on Monday
        (D(2026, 6, 19), D(2026, 6, 19), Rag.AMBER),
        (D(2026, 6, 19), D(2026, 6, 20), Rag.AMBER),
        (D(2026, 6, 19), D(2026, 6, 21), Rag.AMBER),
        (D(2026, 6, 19), D(2026, 6, 22), Rag.RED),
        # received Thu 24 Dec 2026: amber over Christmas, red on Tue 29 Dec
        (D(2026, 12, 24), D(2026, 12, 25), Rag.AMBER),
        (D(2026, 12, 24), D(2026, 12, 28), Rag.AMBER),
        (D(2026, 12, 24), D(2026, 12, 29), Rag.RED),
        # received on a Saturday counts as received on Monday: amber on Monday, red on Tuesday
        (D(2026, 6, 20), D(2026, 6, 20), Rag.AMBER),
        (D(2026, 6, 20), D(2026, 6, 21), Rag.AMBER),
        (D(2026, 6, 20), D(2026, 6, 22), Rag.AMBER),
        (D(2026, 6, 20), D(2026, 6, 23), Rag.RED),
    ],
)
def test_received_unchecked_rag(cal: WorkingCalendar, received: date, as_of: date, expected: Rag) -> None:
    assert received_unchecked_rag(cal, received, as_of) is expected


def test_received_unchecked_rag_follows_closure_days() -> None:
    closed = WorkingCalendar(closures=[D(2026, 12, 29)])
    assert received_unchecked_rag(closed, D(2026, 12, 24), D(2026, 12, 29)) is Rag.AMBER
    assert received_unchecked_rag(closed, D(2026, 12, 24), D(2026, 12, 30)) is Rag.RED


# ------------------------------------------------------------------ worst()


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], Rag.COMPLETE),
        ([Rag.COMPLETE], Rag.COMPLETE),
        ([Rag.NOT_NEEDED], Rag.COMPLETE),
        ([Rag.COMPLETE, Rag.NOT_NEEDED], Rag.COMPLETE),
        ([Rag.COMPLETE, Rag.GREEN], Rag.GREEN),
        ([Rag.NOT_DUE_YET], Rag.NOT_DUE_YET),
        ([Rag.COMPLETE, Rag.NOT_DUE_YET], Rag.NOT_DUE_YET),
        ([Rag.GREEN, Rag.AMBER], Rag.AMBER),
        ([Rag.AMBER, Rag.GREEN], Rag.AMBER),
        ([Rag.NOT_DUE_YET, Rag.AMBER, Rag.COMPLETE], Rag.AMBER),
        ([Rag.GREEN, Rag.RED, Rag.AMBER], Rag.RED),
        ([Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE], Rag.RED),
        ([Rag.COMPLETE, Rag.NOT_NEEDED, Rag.NOT_DUE_YET, Rag.GREEN, Rag.AMBER, Rag.RED], Rag.RED),
        ([Rag.AMBER, Rag.AMBER], Rag.AMBER),
        ([Rag.RED], Rag.RED),
    ],
)
def test_worst(statuses: list[Rag], expected: Rag) -> None:
    assert worst(statuses) is expected


def test_worst_accepts_a_generator() -> None:
    assert worst(s for s in (Rag.GREEN, Rag.RED)) is Rag.RED


@pytest.mark.parametrize("order", [(Rag.GREEN, Rag.NOT_DUE_YET), (Rag.NOT_DUE_YET, Rag.GREEN)])
def test_worst_of_green_and_not_due_yet_is_a_green_status(order: tuple[Rag, ...]) -> None:
    result = worst(order)
    assert result in (Rag.GREEN, Rag.NOT_DUE_YET)
    assert RAG_COLOURS[result] == RAG_COLOURS[Rag.GREEN]
