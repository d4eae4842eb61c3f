"""After the Rapid Review in words and tables, each with its n (the board page and the yearly report share them),
and as plotly charts. Pure: reads the figures, never the database. Labels are years, agencies and the
partnership's theme names only."""
from __future__ import annotations

import html
from collections.abc import Callable

import plotly.graph_objects as go

from services.board.after_rules import (
    ActionFigures,
    AfterFigures,
    YearFigures,
    year_label,
)
from services.board.charts import count_axis as board_count_axis
from services.board.rules import Rate
from services.board.wording import Section, n_words, num, pct, pct_n, rate_words

MAX_BARS = 12  # agencies or themes drawn; the rest are added up as one "Other" bar (every row stays in the table)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7F7F7F")
TARGET = "#D55E00"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _cell(rate: Rate) -> float | None:
    return None if rate.percent is None else round(rate.percent, 1)


def _year_rows(f: AfterFigures, cells: Callable[[YearFigures], list[object]]) -> list[list[object]]:
    rows = [[y.label, *cells(y)] for y in f.by_year]
    if len(f.by_year) > 1:
        rows.append([f"All ({f.total.label})", *cells(f.total)])
    return rows


def funnel_section(f: AfterFigures) -> Section:
    t = f.total
    words = [f"{_plural(t.notified, 'notification')} received in {f.label}: {t.submitted} Rapid "
             f"{'Review' if t.submitted == 1 else 'Reviews'} submitted to the National Panel, {t.lcspr_started} "
             f"{'LCSPR' if t.lcspr_started == 1 else 'LCSPRs'} started and {t.lcspr_published} published.",
             "Withdrawn reviews are not counted. Each review counts in the financial year its notification was "
             "received.",
             n_words(t.notified, "reviews", rate=False)]
    rows = _year_rows(f, lambda y: [y.notified, y.submitted, y.lcspr_started, y.lcspr_published])
    return Section("funnel", "From notification to published LCSPR", words,
                   ["Year", "Notifications", "Rapid Reviews submitted", "LCSPRs started", "LCSPRs published"], rows)


def lcspr_section(f: AfterFigures) -> Section:
    t = f.total
    rate = t.final_rate
    if t.lcspr_started == 0:
        words = [f"No review notified in {f.label} became an LCSPR."]
    elif rate.counted == 0:
        words = [f"{_plural(t.lcspr_started, 'LCSPR')} started; none has reached its final report's due date "
                 f"({f.completion_months} months after the decision) yet."]
    else:
        first = (f"{rate.met} of {_plural(rate.counted, 'LCSPR')} due ({pct(rate)}) had the final report within "
                 f"{f.completion_months} months of the decision.")
        if t.final_overdue:
            first += f" {t.final_overdue} {'has' if t.final_overdue == 1 else 'have'} no final report and are late."
        words = [first]
        if t.median_months is not None:
            words.append(f"Median {num(t.median_months)} months from the decision to the final report "
                         f"(n = {_plural(t.final_reports, 'final report')}).")
    if t.final_not_yet_due:
        words.append(f"{_plural(t.final_not_yet_due, 'LCSPR')} still within the {f.completion_months} months: "
                     "not counted yet.")
    words.append(f"Published: {t.lcspr_published} of {t.lcspr_started}.")
    words.append(n_words(rate.counted, "LCSPRs due"))
    rows = _year_rows(f, lambda y: [y.lcspr_started, y.final_reports, y.final_on_time, y.final_late, y.final_overdue,
                                    y.final_not_yet_due, _cell(y.final_rate), y.median_months, y.lcspr_published])
    return Section("lcspr_timeliness", f"LCSPR final report within {f.completion_months} months", words,
                   ["Year", "LCSPRs", "Final reports", "On time", "Late", "No final report, late", "Not yet due",
                    "On time (%)", "Median months", "Published"], rows)


def panel_section(f: AfterFigures) -> Section:
    t = f.total
    rate = t.agreement_rate
    if rate.counted == 0:
        words = [f"No National Panel response has been recorded for the reviews of {f.label}."]
    else:
        words = [f"The National Panel agreed with the partnership's LCSPR decision in {rate_words(rate)} of its "
                 "responses."]
    words.append(n_words(rate.counted, "responses"))
    rows = _year_rows(f, lambda y: [y.panel_responses, y.panel_agrees, y.panel_responses - y.panel_agrees,
                                    _cell(y.agreement_rate)])
    return Section("panel", "The National Panel's agreement with the LCSPR decisions", words,
                   ["Year", "Panel responses", "Agreed", "Did not agree", "Agreed (%)"], rows)


def _lowest(agencies: list[ActionFigures]) -> ActionFigures | None:
    counted = [a for a in agencies if a.on_time_rate.counted]
    if len(counted) < 2:
        return None
    return min(counted, key=lambda a: (a.on_time_rate.percent or 0.0, -a.on_time_rate.counted, a.label))


def actions_section(f: AfterFigures) -> Section:
    t = f.actions_total
    if t.actions == 0:
        words = [f"No action of a review's recommendations falls due in {f.label}."]
    else:
        rate = t.on_time_rate
        words = [f"{_plural(t.actions, 'action')} due in {f.label} (by their due date); {t.due} due by today.",
                 f"Done on time: {rate_words(rate)}." + (f" {t.overdue} overdue now (not done, due before today)."
                                                         if t.overdue else " None is overdue now."),
                 f"Evidence accepted by the Manager: {t.evidenced}; impact checked: {t.impact_checked}."]
        lowest = _lowest(f.actions_by_agency)
        if lowest is not None:
            words.append(f"Lowest on-time rate: {lowest.label}, {rate_words(lowest.on_time_rate)}.")
    words.append(n_words(t.on_time_rate.counted, "actions due or done"))
    rows = [[a.label, a.actions, a.due, a.done_on_time, a.done_late, a.overdue, _cell(a.on_time_rate), a.evidenced,
             a.impact_checked] for a in [*f.actions_by_agency, t]]
    return Section("actions", "Actions by owning agency", words,
                   ["Agency", "Actions", "Due by today", "Done on time", "Done late", "Overdue now", "On time (%)",
                    "Evidence accepted", "Impact checked"], rows)


def impact_section(f: AfterFigures) -> Section:
    t = f.actions_total
    rate = t.impact_rate
    if rate.counted == 0:
        words = ["No action's evidence has been accepted yet, so no impact could be checked."]
    else:
        words = [f"Impact checked for {rate_words(rate)} of the actions whose evidence was accepted: the partnership "
                 "looked again and recorded whether practice changed."]
    words.append(n_words(rate.counted, "actions evidenced"))
    rows = [[a.label, a.done_on_time + a.done_late, a.evidenced, a.impact_checked, _cell(a.impact_rate)]
            for a in [*f.actions_by_agency, t]]
    return Section("impact", "Impact checked", words,
                   ["Agency", "Done", "Evidence accepted", "Impact checked", "Impact checked (%)"], rows)


def themes_section(f: AfterFigures) -> Section:
    names = f.theme_names()
    counts = {(t.theme, t.year): t.reviews for t in f.themes}
    if not names:
        words = [f"No review notified in {f.label} has been coded with a practice theme yet."]
    else:
        top = sorted(names, key=lambda n: (-sum(counts.get((n, y), 0) for y in f.years), names.index(n)))[:3]
        words = [f"{_plural(f.total.coded, 'review')} coded with practice themes. Most often: "
                 + "; ".join(f"{n} ({sum(counts.get((n, y), 0) for y in f.years)})" for n in top) + ".",
                 "A review is coded with several themes, so the counts add up to more than the reviews."]
    words.append(n_words(f.total.coded, "reviews coded", rate=False))
    rows: list[list[object]] = [[n, *(counts.get((n, y), 0) for y in f.years)] for n in names]
    return Section("themes", "Practice themes by year", words, ["Theme", *(year_label(y) for y in f.years)], rows)


def after_sections(f: AfterFigures) -> list[Section]:
    """Each figure's words and table, in the order the page and the yearly report show them."""
    return [funnel_section(f), lcspr_section(f), panel_section(f), actions_section(f), impact_section(f),
            themes_section(f)]


# ---------------------------------------------------------------- charts


def _label(name: str) -> str:
    """A name as plotly should show it: plotly reads <b>, <br> and &...; in labels as markup."""
    return html.escape(name, quote=False)


def _layout(fig: go.Figure, title: str, height: int = 400) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0), height=height, margin=dict(l=10, r=10, t=60, b=10),
                      legend=dict(orientation="h", x=0, y=-0.15, yanchor="top"), font=dict(size=13))
    return fig


def top_action_agencies(agencies: list[ActionFigures], limit: int = MAX_BARS) -> list[ActionFigures]:
    """The `limit` agencies with the most actions (in their given order) and, when there are more, the rest added
    up as one row "Other agencies (k)": the chart's size is bounded however many agencies own actions."""
    if len(agencies) <= limit:
        return list(agencies)
    ranked = sorted(range(len(agencies)), key=lambda i: (-agencies[i].actions, i))
    kept, rest = sorted(ranked[:limit - 1]), [agencies[i] for i in ranked[limit - 1:]]
    other = ActionFigures(
        label=f"Other agencies ({len(rest)})", actions=sum(a.actions for a in rest), due=sum(a.due for a in rest),
        done_on_time=sum(a.done_on_time for a in rest), done_late=sum(a.done_late for a in rest),
        overdue=sum(a.overdue for a in rest), evidenced=sum(a.evidenced for a in rest),
        impact_checked=sum(a.impact_checked for a in rest))
    return [*(agencies[i] for i in kept), other]


def top_themes(names: list[str], counts: dict[tuple[str, int], int], years: list[int],
               limit: int = MAX_BARS) -> tuple[list[str], dict[tuple[str, int], int]]:
    """The `limit` themes coded most often (in the partnership's order) and, when there are more, the rest added up
    year by year as "Other themes (k)"; returns the names and the counts with that row added."""
    if len(names) <= limit:
        return names, counts
    total = {n: sum(counts.get((n, y), 0) for y in years) for n in names}
    ranked = sorted(range(len(names)), key=lambda i: (-total[names[i]], i))
    kept, rest = [names[i] for i in sorted(ranked[:limit - 1])], [names[i] for i in ranked[limit - 1:]]
    other = f"Other themes ({len(rest)})"
    merged = dict(counts)
    for y in years:
        merged[(other, y)] = sum(counts.get((n, y), 0) for n in rest)
    return [*kept, other], merged


def _count_bars(title: str, categories: list[str], series: list[tuple[str, list[int]]], axis: str, *,
                horizontal: bool = False) -> go.Figure:
    """Grouped bars of counts; the axis chooses its own ticks (whole numbers only)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series):
        bar = dict(name=name, marker_color=PALETTE[i % len(PALETTE)], text=[str(v) for v in values],
                   textposition="outside", hovertemplate=f"%{{{'y' if horizontal else 'x'}}}: "
                                                         f"%{{{'x' if horizontal else 'y'}}} {_label(name.lower())}"
                                                         "<extra></extra>")
        if horizontal:
            fig.add_trace(go.Bar(y=categories, x=values, orientation="h", **bar))
        else:
            fig.add_trace(go.Bar(x=categories, y=values, **bar))
    fig.update_layout(barmode="group")
    highest = max((v for _, values in series for v in values), default=0)
    count_axis = board_count_axis(axis, highest)
    if horizontal:
        fig.update_xaxes(**count_axis)
        fig.update_yaxes(type="category", autorange="reversed")
    else:
        fig.update_yaxes(**count_axis)
        fig.update_xaxes(type="category")
    height = max(320, 110 + 28 * len(categories) * max(len(series), 1)) if horizontal else 400
    return _layout(fig, title, height)


def _rate_bars(title: str, labels: list[str], rates: list[Rate]) -> go.Figure:
    fig = go.Figure(go.Bar(
        x=labels, y=[r.percent or 0 for r in rates], text=[pct_n(r) for r in rates], textposition="outside",
        marker_color=[PALETTE[0] if r.counted else PALETTE[7] for r in rates], name="% on time",
        customdata=[[r.met, r.counted] for r in rates],
        hovertemplate="%{x}: %{y:.0f}% (%{customdata[0]} of %{customdata[1]})<extra></extra>"))
    fig.add_hline(y=100, line_dash="dash", line_color=TARGET, annotation_text="Target 100%",
                  annotation_position="top left")
    fig.update_yaxes(range=[0, 118], title="% on time", ticksuffix="%")
    fig.update_xaxes(type="category")
    return _layout(fig, title)


def after_charts(f: AfterFigures) -> dict[str, go.Figure]:
    """One plotly figure per section key."""
    years = [y.label for y in f.by_year]
    agencies = top_action_agencies(f.actions_by_agency)
    names, counts = top_themes(f.theme_names(), {(t.theme, t.year): t.reviews for t in f.themes}, f.years)
    return {
        "funnel": _count_bars("From notification to published LCSPR, by year", years, [
            ("Notifications", [y.notified for y in f.by_year]),
            ("Rapid Reviews submitted", [y.submitted for y in f.by_year]),
            ("LCSPRs started", [y.lcspr_started for y in f.by_year]),
            ("LCSPRs published", [y.lcspr_published for y in f.by_year])], "Reviews"),
        "lcspr_timeliness": _rate_bars(f"LCSPR final report within {f.completion_months} months, by year",
                                       years, [y.final_rate for y in f.by_year]),
        "panel": _count_bars("The National Panel's responses, by year", years, [
            ("Agreed with the LCSPR decision", [y.panel_agrees for y in f.by_year]),
            ("Did not agree", [y.panel_responses - y.panel_agrees for y in f.by_year])], "Responses"),
        "actions": _count_bars("Actions by owning agency", [_label(a.label) for a in agencies], [
            ("Done on time", [a.done_on_time for a in agencies]),
            ("Overdue now", [a.overdue for a in agencies]),
            ("Evidence accepted", [a.evidenced for a in agencies]),
            ("Impact checked", [a.impact_checked for a in agencies])], "Actions", horizontal=True),
        "impact": _count_bars("From done to impact checked, every agency", ["All agencies"], [
            ("Done", [f.actions_total.done_on_time + f.actions_total.done_late]),
            ("Evidence accepted", [f.actions_total.evidenced]),
            ("Impact checked", [f.actions_total.impact_checked])], "Actions"),
        "themes": _count_bars("Practice themes by year", [_label(n) for n in names], [
            (year_label(y), [counts.get((n, y), 0) for n in names]) for y in f.years], "Reviews coded",
            horizontal=True),
    }
