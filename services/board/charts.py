"""The board figures as plotly charts, one per section: labels are quarters, agencies and fixed headings only,
and no hover text says more than the numbers. Pure: reads the figures, never the database."""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from services.board.rules import ON_TIME_SPAN, BoardFigures, PeriodFigures, Rate, ReviewFigures
from services.board.wording import pct_n
from services.deadlines import REVIEW_DUE_DAY, SIN_DUE_WORKING_DAYS

PALETTE = {"main": "#0072B2", "second": "#E69F00", "target": "#D55E00", "grey": "#7F7F7F",
           "death": "#332288", "serious_harm": "#0072B2", "other": "#999933", "yes": "#117733", "no": "#CC6677"}
NOTIFICATION_TYPES = (("death", "Death"), ("serious_harm", "Serious harm"), ("other", "Other"))


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
        x=labels, y=[v if v is not None else 0 for v in values], text=[pct_n(rate) for rate in rates],
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
    if f.spread:
        fig.add_trace(go.Scatter(
            x=[s.quarter for s in f.spread], y=[s.working_days for s in f.spread], mode="markers+text",
            text=[str(s.reviews) for s in f.spread], textposition="middle center",
            textfont=dict(color="#000000", size=12),
            marker=dict(size=[18 + 4 * min(s.reviews, 8) for s in f.spread], color=PALETTE["second"], opacity=0.9,
                        line=dict(color="#333333", width=1)),
            customdata=[s.reviews for s in f.spread], name="Number of reviews at that many working days",
            hovertemplate="%{x}: %{customdata} review(s) took %{y} working days<extra></extra>"))
    # Whole working days: the line between 14 and 15 separates on time from late.
    fig.add_hline(y=ON_TIME_SPAN + 0.5, line_dash="dash", line_color=PALETTE["target"],
                  annotation_text=f"Above the line: late (after Day {REVIEW_DUE_DAY})",
                  annotation_position="top right")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    fig.update_yaxes(title="Working days, Day 1 to submission", rangemode="tozero")
    return _layout(fig, "Working days from Day 1 to submission, by quarter", height=440)


def _returns_chart(f: PeriodFigures) -> go.Figure:
    agencies = list(reversed(f.returns_by_agency))
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
    reasons = list(reversed(f.reasons))
    fig = go.Figure(go.Bar(
        y=[r.category for r in reasons], x=[r.returns for r in reasons], orientation="h",
        text=[str(r.returns) for r in reasons], textposition="outside", marker_color=PALETTE["main"],
        hovertemplate="%{y}: %{x} return(s)<extra></extra>", name="Returns sent back"))
    fig.update_xaxes(title="Returns sent back", dtick=1, rangemode="tozero")
    return _layout(fig, "Why returns were sent back (fixed headings)", height=max(300, 90 + 45 * max(len(reasons), 1)))


def _stacked_chart(title: str, f: PeriodFigures, series: Sequence[tuple[str, str, str]], axis: str) -> go.Figure:
    """One stacked bar per quarter; `series` is (name, field of ReviewFigures, colour)."""
    labels = [q.label for q in f.by_quarter]
    fig = go.Figure()
    for name, field, colour in series:
        values = [getattr(q, field) for q in f.by_quarter]
        fig.add_trace(go.Bar(x=labels, y=values, name=name, marker_color=colour,
                             text=[str(v) if v else "" for v in values], textposition="inside",
                             hovertemplate=f"%{{x}}: %{{y}} {name.lower()}<extra></extra>"))
    highest = max((sum(getattr(q, field) for _, field, _ in series) for q in f.by_quarter), default=0)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=axis, dtick=1 if highest <= 10 else None, rangemode="tozero")
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
