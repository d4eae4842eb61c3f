"""The board figures as plotly charts, one per section: labels are quarters, agencies and fixed headings only,
and no hover text says more than the numbers. Pure: reads the figures, never the database.

Every chart stays the same size in the browser whatever the data (issue 31: one tick per count drew about 500
overlapping labels at national scale and took 23 s): the axes choose their own ticks (never `dtick` or a tick
per category), a category axis that could grow without bound shows its largest `MAX_BARS` and adds the rest up
as one "Other" bar, working days are capped at `SPREAD_CAP`, and text on the bars is left off when there are
more than `MAX_LABELLED` quarters. Every figure's table (services/board/wording.py) keeps every row."""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from services.board.rules import (
    ON_TIME_SPAN,
    BoardFigures,
    PeriodFigures,
    Rate,
    ReasonCount,
    ReturnFigures,
    ReviewFigures,
    SpreadCount,
)
from services.board.wording import pct_n
from services.deadlines import REVIEW_DUE_DAY, SIN_DUE_WORKING_DAYS

PALETTE = {"main": "#0072B2", "second": "#E69F00", "target": "#D55E00", "grey": "#7F7F7F",
           "death": "#332288", "serious_harm": "#0072B2", "other": "#999933", "yes": "#117733", "no": "#CC6677"}
NOTIFICATION_TYPES = (("death", "Death"), ("serious_harm", "Serious harm"), ("other", "Other"))
MAX_BARS = 12          # agencies or headings drawn; the rest are added up as one "Other" bar
MAX_LABELLED = 12      # quarters up to which each bar carries its number as text
SPREAD_CAP = 3 * ON_TIME_SPAN  # working days drawn as "this many or more" (42: three times the time allowed)
COUNT_TICKS = 8        # at most this many ticks on a count axis, chosen by plotly


def count_axis(title: str, highest: float) -> dict[str, Any]:
    """A count axis whose ticks plotly chooses: at most COUNT_TICKS whole numbers, however large the counts. The
    range reaches at least COUNT_TICKS so that plotly's step is never below 1 (no 0.5 ticks), with room for the
    numbers drawn outside the bars."""
    return dict(title=title, range=[0, max(float(COUNT_TICKS), highest * 1.15)], nticks=COUNT_TICKS,
                tickformat=",d")


def _texts(labels: Sequence[str], texts: list[str]) -> list[str] | None:
    """The bars' texts, or none when there are so many quarters that they would overlap (the table has them)."""
    return texts if len(labels) <= MAX_LABELLED else None


def top_agencies(agencies: Sequence[ReturnFigures], limit: int = MAX_BARS) -> list[ReturnFigures]:
    """The `limit` agencies with the most returns (in their given order) and, when there are more, the rest added
    up as one row "Other agencies (k)"."""
    if len(agencies) <= limit:
        return list(agencies)
    ranked = sorted(range(len(agencies)), key=lambda i: (-agencies[i].returns, i))
    kept = sorted(ranked[:limit - 1])
    rest = [agencies[i] for i in ranked[limit - 1:]]
    other = ReturnFigures(
        label=f"Other agencies ({len(rest)})", returns=sum(a.returns for a in rest),
        on_time=sum(a.on_time for a in rest), late_received=sum(a.late_received for a in rest),
        late_outstanding=sum(a.late_outstanding for a in rest), not_yet_due=sum(a.not_yet_due for a in rest),
        qa_decided=sum(a.qa_decided for a in rest), accepted_first=sum(a.accepted_first for a in rest),
        sent_back_returns=sum(a.sent_back_returns for a in rest), send_backs=sum(a.send_backs for a in rest))
    return [*(agencies[i] for i in kept), other]


def top_reasons(reasons: Sequence[ReasonCount], limit: int = MAX_BARS) -> list[ReasonCount]:
    """The `limit` headings with the most returns (largest first) and, when there are more, the rest added up as
    one row "Other headings (k)" (a return may fall under several headings, so it is a count of headings met)."""
    ranked = sorted(reasons, key=lambda r: -r.returns)
    if len(ranked) <= limit:
        return ranked
    rest = ranked[limit - 1:]
    return [*ranked[:limit - 1], ReasonCount(f"Other headings ({len(rest)})", None, sum(r.returns for r in rest))]


def capped_spread(spread: Sequence[SpreadCount], cap: int = SPREAD_CAP) -> list[SpreadCount]:
    """The spread with every review that took more than `cap` working days counted at `cap`: at most cap + 1
    points per quarter, however slow the slowest review."""
    merged: dict[tuple[str, int], int] = {}
    for s in spread:
        key = (s.quarter, min(s.working_days, cap))
        merged[key] = merged.get(key, 0) + s.reviews
    return [SpreadCount(quarter, days, reviews) for (quarter, days), reviews in merged.items()]


def _label(name: str) -> str:
    """An agency's name as plotly should show it: plotly reads <b>, <br>, <a> and &...; in labels as markup."""
    return html.escape(name, quote=False)


def _layout(fig: go.Figure, title: str, height: int = 400) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0), height=height, margin=dict(l=10, r=10, t=60, b=10),
                      legend=dict(orientation="h", x=0, y=-0.12, yanchor="top", traceorder="normal"),
                      font=dict(size=13))
    return fig


def _rate_chart(title: str, f: PeriodFigures, rate_of: Callable[[ReviewFigures], Rate]) -> go.Figure:
    """One bar per quarter against the 100% target."""
    labels = [q.label for q in f.by_quarter]
    rates = [rate_of(q) for q in f.by_quarter]
    values = [rate.percent for rate in rates]
    fig = go.Figure(go.Bar(
        x=labels, y=[v if v is not None else 0 for v in values], text=_texts(labels, [pct_n(rate) for rate in rates]),
        textposition="outside", marker_color=[PALETTE["main"] if v is not None else PALETTE["grey"] for v in values],
        customdata=[[rate.met, rate.counted] for rate in rates],
        hovertemplate="%{x}: %{y:.0f}% (%{customdata[0]} of %{customdata[1]})<extra></extra>", name="% on time"))
    fig.add_hline(y=100, line_dash="dash", line_color=PALETTE["target"], annotation_text="Target 100%",
                  annotation_position="top left")
    fig.update_yaxes(range=[0, 118], title="% on time", ticksuffix="%")
    fig.update_xaxes(type="category")
    return _layout(fig, title)


def _spread_chart(f: PeriodFigures) -> go.Figure:
    labels = [q.label for q in f.by_quarter]
    fig = go.Figure()
    with_data = [q for q in f.by_quarter if q.submitted]
    if with_data:
        fig.add_trace(go.Box(
            x=[q.label for q in with_data], q1=[q.wd_lower_quartile for q in with_data],
            median=[q.wd_median for q in with_data], q3=[q.wd_upper_quartile for q in with_data],
            lowerfence=[q.wd_min for q in with_data], upperfence=[q.wd_max for q in with_data],
            name="Spread: quickest, quartiles, median, slowest", fillcolor="rgba(0,114,178,0.10)",
            line_color=PALETTE["main"], hoverinfo="skip"))
    spread = capped_spread(f.spread)
    if spread:
        labelled = len(labels) <= MAX_LABELLED
        fig.add_trace(go.Scatter(
            x=[s.quarter for s in spread], y=[s.working_days for s in spread],
            mode="markers+text" if labelled else "markers",
            text=[str(s.reviews) for s in spread] if labelled else None, textposition="middle center",
            textfont=dict(color="#000000", size=12),
            marker=dict(size=[(18 if labelled else 8) + (4 if labelled else 2) * min(s.reviews, 8) for s in spread],
                        color=PALETTE["second"], opacity=0.9, line=dict(color="#333333", width=1)),
            customdata=[[s.reviews, "or more " if s.working_days >= SPREAD_CAP else ""] for s in spread],
            name="Number of reviews at that many working days",
            hovertemplate="%{x}: %{customdata[0]} review(s) took %{y} %{customdata[1]}working days<extra></extra>"))
    # Whole working days: the line between 14 and 15 separates on time from late.
    fig.add_hline(y=ON_TIME_SPAN + 0.5, line_dash="dash", line_color=PALETTE["target"],
                  annotation_text=f"Above the line: late (after Day {REVIEW_DUE_DAY})",
                  annotation_position="top right")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    fig.update_yaxes(title="Working days, Day 1 to submission", rangemode="tozero")
    return _layout(fig, "Working days from Day 1 to submission, by quarter", height=440)


def _returns_chart(f: PeriodFigures) -> go.Figure:
    agencies = list(reversed(top_agencies(f.returns_by_agency)))
    names = [_label(a.label) for a in agencies]
    fig = go.Figure()
    for label, rates, colour in (("On time", [a.on_time_rate for a in agencies], PALETTE["main"]),
                                 ("Accepted at first QA", [a.first_qa_rate for a in agencies], PALETTE["second"])):
        fig.add_trace(go.Bar(
            y=names, x=[r.percent or 0 for r in rates], orientation="h", name=label, marker_color=colour,
            text=[pct_n(r) for r in rates], textposition="outside", customdata=[[r.met, r.counted] for r in rates],
            hovertemplate=f"%{{y}}: {label.lower()} %{{x:.0f}}% (%{{customdata[0]}} of %{{customdata[1]}})"
                          "<extra></extra>"))
    fig.add_vline(x=100, line_dash="dash", line_color=PALETTE["target"])
    fig.update_xaxes(range=[0, 135], ticksuffix="%", title="% of the agency's returns")
    fig.update_layout(barmode="group")
    return _layout(fig, "Agency returns on time and accepted at first QA",
                   height=max(320, 90 + 60 * max(len(agencies), 1)))


def _reasons_chart(f: PeriodFigures) -> go.Figure:
    reasons = list(reversed(top_reasons(f.reasons)))
    fig = go.Figure(go.Bar(
        y=[_label(r.category) for r in reasons], x=[r.returns for r in reasons], orientation="h",
        text=[f"{r.returns:,}" for r in reasons], textposition="outside", marker_color=PALETTE["main"],
        hovertemplate="%{y}: %{x} return(s)<extra></extra>", name="Returns sent back"))
    fig.update_xaxes(**count_axis("Returns sent back", max((r.returns for r in reasons), default=0)))
    fig.update_yaxes(type="category")
    return _layout(fig, "Why returns were sent back (fixed headings)", height=max(300, 90 + 45 * max(len(reasons), 1)))


def _stacked_chart(title: str, f: PeriodFigures, series: Sequence[tuple[str, str, str]], axis: str) -> go.Figure:
    """One stacked bar per quarter; `series` is (name, field of ReviewFigures, colour)."""
    labels = [q.label for q in f.by_quarter]
    fig = go.Figure()
    for name, field, colour in series:
        values = [getattr(q, field) for q in f.by_quarter]
        fig.add_trace(go.Bar(x=labels, y=values, name=name, marker_color=colour,
                             text=_texts(labels, [str(v) if v else "" for v in values]), textposition="inside",
                             hovertemplate=f"%{{x}}: %{{y}} {name.lower()}<extra></extra>"))
    highest = max((sum(getattr(q, field) for _, field, _ in series) for q in f.by_quarter), default=0)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(**count_axis(axis, highest))
    return _layout(fig, title)


def board_charts(figures: BoardFigures) -> dict[str, Any]:
    """One plotly figure per section key; labels are quarters, agencies and fixed headings only."""
    f = figures.current
    return {
        "on_time": _rate_chart("Rapid reviews at the Panel by Day 15, by quarter", f, lambda q: q.on_time_rate),
        "spread": _spread_chart(f),
        "sin": _rate_chart(f"SINs within {SIN_DUE_WORKING_DAYS} working days, by quarter", f, lambda q: q.sin_rate),
        "returns": _returns_chart(f),
        "reasons": _reasons_chart(f),
        "minutes": _rate_chart("Minutes circulated within 24 hours, by quarter", f, lambda q: q.minutes_rate),
        "notifications": _stacked_chart(
            "Notifications by quarter and type", f,
            [(name, key, PALETTE[key]) for key, name in NOTIFICATION_TYPES], "Notifications"),
        "lcspr": _stacked_chart(
            "LCSPR decisions, by quarter", f,
            [("Yes", "lcspr_yes", PALETTE["yes"]), ("No", "lcspr_no", PALETTE["no"]),
             ("Not recorded yet", "lcspr_not_recorded", PALETTE["grey"])], "Rapid reviews"),
    }
