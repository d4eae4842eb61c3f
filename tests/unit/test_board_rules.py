"""Pure rules of the board figures: financial-year quarters, periods, rounding, words, reason headings, exports."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from services.board.charts import board_charts
from services.board.pack import board_pack_html, figures_csv
from services.board.rules import (
    OTHER_REASON,
    BoardFigures,
    Headline,
    Period,
    PeriodFigures,
    Quarter,
    Rate,
    ReasonCount,
    ReturnFigures,
    ReviewFigures,
    SpreadCount,
    categorise_reason,
    default_period,
    headlines,
    non_working_weekdays,
    validate_period,
)
from services.board.wording import board_sections, headline_delta, n_words, num, pct, whole
from services.errors import InvalidInput
from services.working_days import WorkingCalendar

D = date


# ------------------------------------------------------------------ quarters


@pytest.mark.parametrize("day, label", [
    (D(2026, 4, 1), "2026-27 Q1"), (D(2026, 6, 30), "2026-27 Q1"), (D(2026, 7, 1), "2026-27 Q2"),
    (D(2026, 12, 18), "2026-27 Q3"), (D(2027, 1, 1), "2026-27 Q4"), (D(2027, 3, 31), "2026-27 Q4"),
    (D(2027, 4, 1), "2027-28 Q1"), (D(1999, 2, 1), "1998-99 Q4"), (D(2099, 5, 1), "2099-00 Q1"),
])
def test_a_date_falls_in_its_financial_year_quarter(day: date, label: str) -> None:
    assert Quarter.of(day).label == label
    assert Quarter.parse(label) == Quarter.of(day)
    q = Quarter.of(day)
    assert q.start <= day <= q.end


def test_quarter_bounds_and_shifts() -> None:
    q3 = Quarter(2026, 3)
    assert (q3.start, q3.end, q3.months) == (D(2026, 10, 1), D(2026, 12, 31), "Oct to Dec 2026")
    assert (Quarter(2026, 4).start, Quarter(2026, 4).end) == (D(2027, 1, 1), D(2027, 3, 31))
    assert q3.shift(1) == Quarter(2026, 4) and q3.shift(2) == Quarter(2027, 1) and q3.shift(-3) == Quarter(2025, 4)
    assert Quarter(2026, 4) > q3 > Quarter(2026, 2) > Quarter(2025, 4)


@pytest.mark.parametrize("label", ["2026-28 Q1", "2026 Q1", "2026-27 Q5", "", "Q3 2026-27"])
def test_a_label_that_is_not_a_quarter_is_refused(label: str) -> None:
    with pytest.raises(InvalidInput, match="is not a quarter"):
        Quarter.parse(label)


def test_the_default_period_is_the_last_four_complete_quarters_and_the_current_one() -> None:
    period = default_period(D(2026, 11, 26))
    assert [q.label for q in period.quarters] == ["2025-26 Q3", "2025-26 Q4", "2026-27 Q1", "2026-27 Q2",
                                                  "2026-27 Q3"]
    assert period.label == "2025-26 Q3 to 2026-27 Q3" and period.dates == "1 Oct 2025 to 31 Dec 2026"
    assert period.previous() == Period(Quarter(2024, 2), Quarter(2025, 2))
    assert Period(Quarter(2026, 1), Quarter(2026, 1)).previous() == Period(Quarter(2025, 4), Quarter(2025, 4))



@pytest.mark.parametrize(("today", "expected"), [
    # Worked by hand: financial-year quarters (Q3 = Oct-Dec, Q4 = Jan-Mar); working days play no part.
    (D(2026, 11, 28), "2025-26 Q3 to 2026-27 Q3"),  # a Saturday
    (D(2026, 12, 28), "2025-26 Q3 to 2026-27 Q3"),  # Mon 28 Dec 2026, a bank holiday (Boxing Day substitute)
    (D(2026, 12, 29), "2025-26 Q3 to 2026-27 Q3"),  # a partnership closure day in the tests (Tue 29 Dec)
    (D(2026, 3, 31), "2024-25 Q4 to 2025-26 Q4"),  # the day before Day 1 of the financial year's first quarter
    (D(2026, 4, 1), "2025-26 Q1 to 2026-27 Q1"),  # ... and that first day
])
def test_the_default_period_whatever_day_today_is(today: date, expected: str) -> None:
    assert default_period(today).label == expected

def test_a_period_runs_forwards_and_has_started() -> None:
    assert validate_period(Quarter(2026, 3), Quarter(2026, 3), D(2026, 10, 1)).label == "2026-27 Q3"
    with pytest.raises(InvalidInput, match="comes after the last"):
        validate_period(Quarter(2026, 3), Quarter(2026, 2), D(2026, 11, 26))
    with pytest.raises(InvalidInput, match="2026-27 Q4 has not started yet"):
        validate_period(Quarter(2026, 3), Quarter(2026, 4), D(2026, 12, 31))


def test_the_calendar_passed_to_sql_holds_the_bank_holidays_and_closure_days_on_weekdays() -> None:
    days = non_working_weekdays(WorkingCalendar([D(2026, 12, 29)]), D(2026, 12, 20), D(2027, 1, 5))
    assert days == [D(2026, 12, 25), D(2026, 12, 28), D(2026, 12, 29), D(2027, 1, 1)]  # Sat 26 Dec is a weekend


# ------------------------------------------------------------------ numbers and words


def test_rounding_is_half_up_as_in_public_statistics() -> None:
    assert (whole(62.5), whole(12.5), whole(66.666), whole(0.4)) == (63, 13, 67, 0)
    assert (num(14.0), num(14.5), num(14.75), num(None), num(3)) == ("14", "14.5", "14.8", "—", "3")
    assert (pct(Rate(5, 8)), pct(Rate(0, 0)), pct(Rate(0, 3))) == ("63%", "—", "0%")
    assert Rate(0, 0).percent is None


def test_small_numbers_are_said_plainly() -> None:
    assert n_words(3, "reviews") == "n = 3 reviews. Small numbers: one review moves a rate by 33 percentage points."
    assert n_words(1, "SINs") == "n = 1 SIN. Small numbers: one SIN moves a rate by 100 percentage points."
    assert n_words(1, "reviews submitted", rate=False) == "n = 1 review submitted. Small numbers: read with care."
    assert n_words(0, "meetings") == "n = 0 meetings."
    assert n_words(25, "returns due") == "n = 25 returns due."


def test_headline_change_against_the_previous_period() -> None:
    rate = Headline("on_time", "On time", "%", 62.5, 40.0, 8, 10, "reviews due", True)
    days = Headline("median_days", "Median", "working days", 14.0, 15.5, 7, 10, "reviews submitted", False)
    assert headline_delta(rate) == "+23 points"
    assert headline_delta(days) == "-1.5 working days"
    assert headline_delta(Headline("x", "x", "%", 50.0, None, 2, 0, "n", True)) is None


@pytest.mark.parametrize("reason, headings", [
    ("Not signed by a senior manager", ["Not signed by a senior manager"]),
    ("UNSIGNED", ["Not signed by a senior manager"]),
    ("Needs sign-off by the head of service", ["Not signed by a senior manager"]),
    ("A significant gap", ["Not enough information or detail"]),  # 'significant' is not 'signed'
    ("Dates of contact are missing and it is a chronology without analysis: add both.",
     ["Dates missing or unclear", "Chronology without analysis"]),
    ("Updated version needed", [OTHER_REASON]),  # 'updated' is not 'dated'
    ("No learning identified; actions missing", ["Learning or actions not identified"]),
    ("Please use the current template", ["Wrong form or template"]),
    ("Phone me", [OTHER_REASON]),
])
def test_sent_back_reasons_fall_under_fixed_headings(reason: str, headings: list[str]) -> None:
    assert categorise_reason(reason) == headings


# ------------------------------------------------------------------ sections and exports from hand-made figures


def _figures(agency: str = "Police") -> BoardFigures:
    q3, q4 = Quarter(2026, 3), Quarter(2026, 4)
    period = Period(q3, q4)
    by_quarter = [
        ReviewFigures(q3.label, notified=3, death=1, serious_harm=2, submitted=3, on_time=2, submitted_late=1,
                      wd_min=12, wd_lower_quartile=13, wd_median=14, wd_upper_quartile=14.5, wd_max=15,
                      sin_on_time=3, meetings=3, minutes_on_time=2, minutes_late=1, lcspr_yes=1, lcspr_no=2),
        ReviewFigures(q4.label),
    ]
    total = ReviewFigures(period.label, notified=3, death=1, serious_harm=2, submitted=3, on_time=2,
                          submitted_late=1, wd_min=12, wd_lower_quartile=13, wd_median=14, wd_upper_quartile=14.5,
                          wd_max=15, sin_on_time=3, meetings=3, minutes_on_time=2, minutes_late=1, lcspr_yes=1,
                          lcspr_no=2)
    returns = ReturnFigures(agency, reviews=3, returns=3, on_time=2, late_received=1, median_days_late=2,
                            max_days_late=2, qa_decided=3, accepted_first=2, sent_back_returns=1, send_backs=1)
    current = PeriodFigures(
        period=period, by_quarter=by_quarter, total=total,
        spread=[SpreadCount(q3.label, 12, 1), SpreadCount(q3.label, 14, 1), SpreadCount(q3.label, 15, 1)],
        returns_by_agency=[returns], returns_by_quarter=[ReturnFigures(q3.label), ReturnFigures(q4.label)],
        returns_total=ReturnFigures("All agencies", **{k: v for k, v in vars(returns).items() if k != "label"}),
        reasons=[ReasonCount("Dates missing or unclear", None, 1)],
        reasons_by_agency=[ReasonCount("Dates missing or unclear", agency, 1)])
    previous = PeriodFigures(period=period.previous(), by_quarter=[ReviewFigures(q.label) for q in
                                                                   period.previous().quarters],
                             total=ReviewFigures(period.previous().label), spread=[], returns_by_agency=[],
                             returns_by_quarter=[], returns_total=ReturnFigures("All agencies"), reasons=[],
                             reasons_by_agency=[])
    return BoardFigures(as_of=D(2027, 2, 1), partnership="Test <Partnership>", current=current, previous=previous,
                        headlines=headlines(current, previous))


def test_sections_give_words_with_n_for_every_figure() -> None:
    sections = {s.key: s for s in board_sections(_figures())}
    assert list(sections) == ["on_time", "spread", "sin", "returns", "reasons", "minutes", "notifications", "lcspr"]
    assert sections["on_time"].words[0].startswith("2 of 3 rapid reviews due (67%) reached the National Panel")
    assert "2026-27 Q4: none due" in sections["on_time"].words[1]
    for section in sections.values():
        assert any(w.startswith("n = ") or " n = " in w for w in section.words), section.key
    assert sections["lcspr"].rows[-1] == ["Whole period (2026-27 Q3 to 2026-27 Q4)", 1, 2, 0]


def test_csv_quotes_a_formula_and_the_pack_escapes_html() -> None:
    figures = _figures(agency="=cmd|' /C calc'!A0 <b>")
    rows = list(csv.reader(io.StringIO(figures_csv(figures).decode("utf-8-sig"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any(cell.startswith("'=cmd") for row in rows for cell in row)
    pack = board_pack_html(figures, include_charts=False)
    assert "<b>" not in pack and "&lt;b&gt;" in pack and "Test &lt;Partnership&gt;" in pack
    # plotly reads <b>, <br>, <a> and entities in labels as markup: an agency's name is shown as written.
    returns_chart = board_charts(figures)["returns"]
    assert list(returns_chart.data[0].y) == ["=cmd|' /C calc'!A0 &lt;b&gt;"]


def test_charts_have_a_target_line_and_label_only_quarters_agencies_and_headings() -> None:
    charts = board_charts(_figures())
    assert set(charts) == {"on_time", "spread", "sin", "returns", "reasons", "minutes", "notifications", "lcspr"}
    on_time = charts["on_time"]
    assert on_time.layout.shapes[0].y0 == 100  # the 100% target line
    assert list(on_time.data[0].text) == ["67% (n = 3)", "n = 0"]
    assert charts["spread"].layout.shapes[0].y0 == 14.5  # between 14 (on time) and 15 (late) working days
    labels = set()
    for fig in charts.values():
        for trace in fig.data:
            for axis in ("x", "y"):
                values = getattr(trace, axis, None)
                if values is not None:
                    labels |= {v for v in values if isinstance(v, str)}
    assert labels <= {"2026-27 Q3", "2026-27 Q4", "Police", "Dates missing or unclear"}


def test_late_reviews_not_yet_submitted_read_naturally() -> None:
    figures = _figures()
    total = figures.current.total
    only_overdue = ReviewFigures(total.label, notified=2, on_time=1, overdue=1)
    some_overdue = ReviewFigures(total.label, notified=4, on_time=1, submitted_late=2, overdue=1)
    for row, sentence in ((only_overdue, "1 was late and is not yet submitted."),
                          (some_overdue, "3 were late, 1 of them not yet submitted.")):
        current = PeriodFigures(**{**vars(figures.current), "total": row})
        words = board_sections(BoardFigures(**{**vars(figures), "current": current}))[0].words[0]
        assert words.endswith(sentence), words
    one_day = Headline("median_days", "Median", "working days", 14.0, 15.0, 7, 10, "reviews submitted", False)
    assert headline_delta(one_day) == "-1 working day"


def test_the_minutes_words_count_every_meeting() -> None:
    """Issue 14: the minutes of pre-meets and of the executive findings meeting count too; the words say so."""
    figures = _figures()
    minutes = {s.key: s for s in board_sections(figures)}["minutes"]
    assert minutes.words[0] == ("Minutes of 2 of 3 meetings (67%) were circulated within 24 hours (by the end of the "
                                "next working day). Every meeting counts: pre-meets, the Rapid Review meeting and the "
                                "executive findings meeting.")
    assert minutes.columns[1] == "Meetings"
    none_due = PeriodFigures(**{**vars(figures.current), "total": ReviewFigures(figures.current.total.label)})
    words = {s.key: s for s in board_sections(BoardFigures(**{**vars(figures), "current": none_due}))}["minutes"]
    assert words.words[0] == "No meeting of this period has minutes due yet."
