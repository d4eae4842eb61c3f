"""Every board chart stays the same size whatever the data (issue 31): the axes choose their own ticks (no `dtick`,
no tick per category), unbounded category axes show their largest twelve and one "Other" bar that adds the rest
up, working days are capped, and text on bars is left off when there are many quarters. Huge synthetic figures:
500 agencies, 500 reason headings, 40 quarters, reviews taking up to 300 working days, 200 practice themes."""
from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go
import pytest

from services.board.after_rules import ActionFigures, AfterFigures, ThemeCount, YearFigures
from services.board.after_words import MAX_BARS as AFTER_MAX_BARS
from services.board.after_words import after_charts, after_sections, top_action_agencies, top_themes
from services.board.charts import (
    COUNT_TICKS,
    MAX_BARS,
    MAX_LABELLED,
    SPREAD_CAP,
    board_charts,
    capped_spread,
    count_axis,
    top_agencies,
    top_reasons,
)
from services.board.rules import (
    BoardFigures,
    Period,
    PeriodFigures,
    Quarter,
    ReasonCount,
    ReturnFigures,
    ReviewFigures,
    SpreadCount,
    headlines,
)
from services.board.wording import board_sections

AXES = ("xaxis", "yaxis")


def _period_figures(period: Period, *, agencies: int, reasons: int, slowest: int, scale: int) -> PeriodFigures:
    quarters = period.quarters
    by_quarter = [ReviewFigures(q.label, notified=30 * scale, death=10 * scale, serious_harm=10 * scale,
                                other=10 * scale, submitted=25 * scale, on_time=20 * scale, submitted_late=5 * scale,
                                wd_min=8, wd_lower_quartile=12, wd_median=14, wd_upper_quartile=16, wd_max=slowest,
                                sin_on_time=25 * scale, sin_late=5 * scale, meetings=40 * scale,
                                minutes_on_time=30 * scale, minutes_late=10 * scale, lcspr_yes=5 * scale,
                                lcspr_no=20 * scale, lcspr_not_recorded=5 * scale) for q in quarters]
    spread = [SpreadCount(q.label, days, 1 + days % 5) for q in quarters for days in range(5, slowest + 1)]
    agency_rows = [ReturnFigures(f"Agency {i:03d}", reviews=10 * scale, returns=(i % 37 + 1) * scale,
                                 on_time=(i % 37) * scale, late_received=scale, qa_decided=(i % 37 + 1) * scale,
                                 accepted_first=(i % 37) * scale, sent_back_returns=scale, send_backs=scale)
                   for i in range(agencies)]
    reason_rows = [ReasonCount(f"Heading {i:03d}", None, (i * 7919) % 997 * scale + 1) for i in range(reasons)]
    return PeriodFigures(period=period, by_quarter=by_quarter, total=ReviewFigures(period.label),
                         spread=spread, returns_by_agency=agency_rows, returns_by_quarter=[],
                         returns_total=ReturnFigures("All agencies"), reasons=reason_rows, reasons_by_agency=[])


def _board(quarters: int, *, agencies: int = 500, reasons: int = 500, slowest: int = 300,
           scale: int = 100) -> BoardFigures:
    period = Period(Quarter(2016, 4), Quarter(2016, 4).shift(quarters - 1))
    current = _period_figures(period, agencies=agencies, reasons=reasons, slowest=slowest, scale=scale)
    previous = _period_figures(period.previous(), agencies=agencies, reasons=reasons, slowest=slowest, scale=scale)
    return BoardFigures(as_of=date(2026, 11, 26), partnership="Huge", current=current, previous=previous,
                        headlines=headlines(current, previous))


def _after(years: int, *, agencies: int = 500, themes: int = 200) -> AfterFigures:
    year_list = list(range(2026 - years + 1, 2027))
    by_year = [YearFigures(str(y), notified=5000, submitted=4900, lcspr_started=400, lcspr_published=300,
                           final_on_time=200, final_late=100, panel_responses=4000, panel_agrees=3900, coded=3000)
               for y in year_list]
    action_rows = [ActionFigures(f"Agency {i:03d}", actions=i % 41 + 1, due=i % 41, done_on_time=i % 13,
                                 done_late=i % 3, overdue=i % 5, evidenced=i % 11, impact_checked=i % 7)
                   for i in range(agencies)]
    theme_rows = [ThemeCount(f"Theme {t:03d}", y, (t * 31 + y) % 50) for t in range(themes) for y in year_list]
    return AfterFigures(as_of=date(2026, 11, 26), partnership="Huge", years=year_list, by_year=by_year,
                        total=YearFigures("All years"), actions_by_agency=action_rows,
                        actions_total=ActionFigures("All agencies", actions=10, done_on_time=5, evidenced=3),
                        themes=theme_rows)


def _no_tick_per_category(fig: go.Figure) -> None:
    for axis in AXES:
        settings = fig.layout[axis]
        assert settings.dtick is None, f"{axis} has dtick={settings.dtick}"
        assert settings.tickvals is None and settings.ticktext is None
        assert settings.tickmode in (None, "auto")


def _points(fig: go.Figure) -> int:
    return sum(len(trace.x if trace.x is not None else trace.y or []) for trace in fig.data)


def _texts(fig: go.Figure) -> int:
    return sum(len(trace.text) for trace in fig.data if trace.text is not None and not isinstance(trace.text, str))


HUGE = _board(40)
HUGE_CHARTS = board_charts(HUGE)


# ------------------------------------------------------------------ every chart


@pytest.mark.parametrize("key", sorted(HUGE_CHARTS))
def test_no_board_chart_sets_its_ticks_one_per_count_or_category(key: str) -> None:
    _no_tick_per_category(HUGE_CHARTS[key])


@pytest.mark.parametrize("key", sorted(HUGE_CHARTS))
def test_every_board_chart_stays_small_for_huge_figures(key: str) -> None:
    fig = HUGE_CHARTS[key]
    assert len(fig.data) <= 3
    # 40 quarters x (42 + 1) working days is the most points any chart has: the spread's bubbles.
    assert _points(fig) <= 40 * (SPREAD_CAP + 1) + 40
    assert fig.layout.height <= 1000
    assert len(fig.to_json()) < 250_000


@pytest.mark.parametrize("key", sorted(HUGE_CHARTS))
def test_a_board_chart_is_the_same_size_for_ten_times_the_data(key: str) -> None:
    """Ten times every count (and twice the agencies, headings and slowest review): the same number of points."""
    bigger = board_charts(_board(40, agencies=1000, reasons=1000, slowest=600, scale=1000))[key]
    assert _points(bigger) == _points(HUGE_CHARTS[key])
    assert len(bigger.data) == len(HUGE_CHARTS[key].data)
    assert bigger.layout.height == HUGE_CHARTS[key].layout.height


@pytest.mark.parametrize("key", ["on_time", "sin", "minutes", "notifications", "lcspr"])
def test_bars_carry_no_text_when_there_are_many_quarters_but_do_when_few(key: str) -> None:
    assert _texts(HUGE_CHARTS[key]) == 0
    few = board_charts(_board(MAX_LABELLED))[key]
    assert _texts(few) == MAX_LABELLED * len(few.data)


# ------------------------------------------------------------------ one chart at a time


def test_the_reasons_chart_shows_the_twelve_largest_headings_and_adds_up_the_rest() -> None:
    fig = HUGE_CHARTS["reasons"]
    labels, counts = list(fig.data[0].y), list(fig.data[0].x)
    assert len(labels) == MAX_BARS
    assert labels[0] == "Other headings (489)"  # drawn at the bottom (the list is reversed for a horizontal bar)
    every = sorted((r.returns for r in HUGE.current.reasons), reverse=True)
    assert counts[0] == sum(every[MAX_BARS - 1:])
    assert counts[1:] == sorted(every[:MAX_BARS - 1])  # the eleven largest, largest at the top
    assert sum(counts) == sum(every)
    assert fig.layout.xaxis.nticks == COUNT_TICKS


def test_the_reasons_table_keeps_every_heading() -> None:
    reasons = {s.key: s for s in board_sections(HUGE)}["reasons"]
    assert len(reasons.rows) == 500


def test_few_reasons_are_drawn_as_they_are_largest_first() -> None:
    reasons = [ReasonCount("Dates missing or unclear", None, 2), ReasonCount("Other reason", None, 5)]
    assert top_reasons(reasons) == [reasons[1], reasons[0]]


def test_the_returns_chart_shows_twelve_agencies_at_most_and_one_row_for_the_rest() -> None:
    fig = HUGE_CHARTS["returns"]
    assert [len(trace.y) for trace in fig.data] == [MAX_BARS, MAX_BARS]
    assert fig.data[0].y[0] == "Other agencies (489)"
    assert fig.layout.height == 90 + 60 * MAX_BARS


def test_the_other_agencies_row_adds_up_their_returns_so_its_rates_are_theirs_together() -> None:
    # Three agencies kept (the largest by returns: B 40, D 30, A 20, in their given order), C 10 and E 5 added up.
    rows = [ReturnFigures("A", returns=20, on_time=10, late_received=10, qa_decided=20, accepted_first=15),
            ReturnFigures("B", returns=40, on_time=40, qa_decided=40, accepted_first=40),
            ReturnFigures("C", returns=10, on_time=3, late_received=5, late_outstanding=2, qa_decided=8,
                          accepted_first=2),
            ReturnFigures("D", returns=30, on_time=30, qa_decided=30, accepted_first=30),
            ReturnFigures("E", returns=5, on_time=5, qa_decided=4, accepted_first=4)]
    shown = top_agencies(rows, limit=4)
    assert [a.label for a in shown] == ["A", "B", "D", "Other agencies (2)"]
    other = shown[-1]
    # On time: C 3 of 10 due and E 5 of 5 -> 8 of 15; first QA: C 2 of 8 and E 4 of 4 -> 6 of 12.
    assert (other.on_time_rate.met, other.on_time_rate.counted) == (8, 15)
    assert (other.first_qa_rate.met, other.first_qa_rate.counted) == (6, 12)
    assert top_agencies(rows, limit=5) == rows


def test_the_spread_caps_slow_reviews_at_the_cap_and_keeps_every_review() -> None:
    spread = [SpreadCount("Q", 14, 2), SpreadCount("Q", SPREAD_CAP, 1), SpreadCount("Q", SPREAD_CAP + 1, 3),
              SpreadCount("Q", 300, 4), SpreadCount("R", 500, 1)]
    assert sorted(capped_spread(spread), key=lambda s: (s.quarter, s.working_days)) == [
        SpreadCount("Q", 14, 2), SpreadCount("Q", SPREAD_CAP, 8), SpreadCount("R", SPREAD_CAP, 1)]
    fig = HUGE_CHARTS["spread"]
    bubbles = fig.data[-1]
    assert max(bubbles.y) == SPREAD_CAP == 42
    assert len(bubbles.x) == 40 * (SPREAD_CAP - 5 + 1)  # 5 to 42 working days in each of 40 quarters
    assert bubbles.text is None and bubbles.mode == "markers"
    assert sum(c[0] for c in bubbles.customdata) == sum(s.reviews for s in HUGE.current.spread)


def test_the_spread_says_or_more_for_the_capped_point() -> None:
    bubbles = board_charts(_board(2))["spread"].data[-1]
    capped = [c for y, c in zip(bubbles.y, bubbles.customdata, strict=True) if y == SPREAD_CAP]
    assert capped and all(c[1] == "or more " for c in capped)
    assert bubbles.mode == "markers+text"


@pytest.mark.parametrize(("highest", "top"), [(0, 8.0), (3, 8.0), (8, 9.2), (1000, 1150.0), (50_000, 57_500.0)])
def test_a_count_axis_reaches_eight_so_plotly_never_steps_by_half(highest: int, top: float) -> None:
    axis: dict[str, Any] = count_axis("Returns", highest)
    assert axis["range"] == [0, pytest.approx(top)]
    assert axis["nticks"] == COUNT_TICKS and "dtick" not in axis


def test_the_stacked_charts_no_longer_tick_every_count() -> None:
    small = board_charts(_board(2, scale=1))
    for key in ("notifications", "lcspr"):
        assert small[key].layout.yaxis.dtick is None
        assert small[key].layout.yaxis.range == (0, 8.0) or small[key].layout.yaxis.range[1] >= 8


# ------------------------------------------------------------------ After the Rapid Review


HUGE_AFTER = _after(10)
AFTER_CHARTS = after_charts(HUGE_AFTER)


@pytest.mark.parametrize("key", sorted(AFTER_CHARTS))
def test_no_after_chart_sets_its_ticks_and_each_stays_small(key: str) -> None:
    fig = AFTER_CHARTS[key]
    _no_tick_per_category(fig)
    assert len(fig.data) <= 10  # one series per year at most (10 years here)
    assert _points(fig) <= 10 * (AFTER_MAX_BARS + 1)
    assert len(fig.to_json()) < 150_000


def test_the_actions_chart_shows_twelve_agencies_and_adds_up_the_rest() -> None:
    fig = AFTER_CHARTS["actions"]
    assert all(len(trace.y) == AFTER_MAX_BARS for trace in fig.data)
    shown = top_action_agencies(HUGE_AFTER.actions_by_agency)
    assert shown[-1].label == "Other agencies (489)"
    assert sum(a.actions for a in shown) == sum(a.actions for a in HUGE_AFTER.actions_by_agency)
    assert sum(a.overdue for a in shown) == sum(a.overdue for a in HUGE_AFTER.actions_by_agency)


def test_the_themes_chart_shows_twelve_themes_and_adds_up_the_rest_year_by_year() -> None:
    fig = AFTER_CHARTS["themes"]
    assert all(len(trace.y) == AFTER_MAX_BARS for trace in fig.data)
    names = HUGE_AFTER.theme_names()
    counts = {(t.theme, t.year): t.reviews for t in HUGE_AFTER.themes}
    kept, merged = top_themes(names, counts, HUGE_AFTER.years)
    assert kept[-1] == "Other themes (189)"
    for year in HUGE_AFTER.years:
        assert sum(merged[(n, year)] for n in kept) == sum(counts[(n, year)] for n in names)


def test_few_themes_are_drawn_as_they_are() -> None:
    counts = {("Neglect", 2026): 3, ("Housing", 2026): 1}
    assert top_themes(["Neglect", "Housing"], counts, [2026]) == (["Neglect", "Housing"], counts)


def test_the_after_tables_keep_every_agency_and_theme() -> None:
    sections = {s.key: s for s in after_sections(HUGE_AFTER)}
    assert len(sections["actions"].rows) >= 500
    assert len(sections["themes"].rows) >= 200
