"""After the Rapid Review, for the board: aggregates computed in PostgreSQL (no case is ever loaded into Python),
and the role-checked entry point `board_after_figures`.

Only counts, medians, agency names and the partnership's theme names leave the database: no review id, reference,
initials, date of one case or free text (recommendations, actions, evidence, learning, findings)."""
from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from db.enums import ActionStatus
from db.models import Account
from services.board.after_rules import (
    DAYS_PER_MONTH,
    ActionFigures,
    AfterFigures,
    ThemeCount,
    YearFigures,
    validate_years,
    year_end,
    year_label,
    year_start,
)
from services.permissions import requires
from services.settings_reads import load_settings

_FY = "(extract(year FROM r.notification_received_date - interval '3 months'))::int"
_CHOSEN = ("r.state <> 'withdrawn' AND r.notification_received_date BETWEEN CAST(:start AS date)"
           " AND CAST(:end AS date)")
_SIX = "l.decided_on + make_interval(months => :months)"

YEARS_SQL = text(f"""
SELECT GROUPING(fy) AS is_total, fy,
       count(*) AS notified,
       count(submitted_to_panel_date) AS submitted,
       count(lcspr_id) AS lcspr_started,
       count(published_on) AS lcspr_published,
       count(final_report_on) AS final_reports,
       count(*) FILTER (WHERE final_report_on <= six) AS final_on_time,
       count(*) FILTER (WHERE final_report_on > six) AS final_late,
       count(*) FILTER (WHERE lcspr_id IS NOT NULL AND final_report_on IS NULL
                          AND CAST(:as_of AS date) > six) AS final_overdue,
       count(*) FILTER (WHERE lcspr_id IS NOT NULL AND final_report_on IS NULL
                          AND CAST(:as_of AS date) <= six) AS final_not_yet_due,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY (final_report_on - decided_on) / :days_per_month)
           AS median_months,
       count(panel_agrees) AS panel_responses,
       count(*) FILTER (WHERE panel_agrees) AS panel_agrees,
       count(*) FILTER (WHERE coded) AS coded
FROM (
    SELECT {_FY} AS fy, r.submitted_to_panel_date, l.id AS lcspr_id, l.published_on, l.final_report_on,
           l.decided_on, {_SIX} AS six, p.agrees_with_lcspr AS panel_agrees,
           EXISTS (SELECT 1 FROM review_themes rt WHERE rt.review_id = r.id) AS coded
    FROM reviews r
    LEFT JOIN lcsprs l ON l.review_id = r.id
    LEFT JOIN panel_responses p ON p.review_id = r.id
    WHERE {_CHOSEN}
) AS base
GROUP BY GROUPING SETS ((fy), ())
ORDER BY fy
""")

_DONE = ", ".join(f"'{s.value}'" for s in (ActionStatus.DONE, ActionStatus.EVIDENCE_ACCEPTED,
                                           ActionStatus.IMPACT_CHECKED))
_ACCEPTED = ", ".join(f"'{s.value}'" for s in (ActionStatus.EVIDENCE_ACCEPTED, ActionStatus.IMPACT_CHECKED))
_OPEN = ", ".join(f"'{s.value}'" for s in (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS))

# An action is done when its owner gave evidence: the first round's date is the day it was done.
ACTIONS_SQL = text(f"""
SELECT GROUPING(agency_id, agency) AS every_agency, agency,
       count(*) AS actions,
       count(*) FILTER (WHERE due_on <= CAST(:as_of AS date)) AS due,
       count(*) FILTER (WHERE status IN ({_DONE}) AND done_on <= due_on) AS done_on_time,
       count(*) FILTER (WHERE status IN ({_DONE}) AND (done_on IS NULL OR done_on > due_on)) AS done_late,
       count(*) FILTER (WHERE status IN ({_OPEN}) AND due_on < CAST(:as_of AS date)) AS overdue,
       count(*) FILTER (WHERE status IN ({_ACCEPTED})) AS evidenced,
       count(*) FILTER (WHERE status = '{ActionStatus.IMPACT_CHECKED.value}') AS impact_checked
FROM (
    SELECT ag.id AS agency_id, ag.name AS agency, a.due_on, a.status,
           (SELECT min(e.given_on) FROM action_evidence e WHERE e.action_id = a.id) AS done_on
    FROM review_actions a
    JOIN reviews r ON r.id = a.review_id
    JOIN agencies ag ON ag.id = a.agency_id
    WHERE r.state <> 'withdrawn' AND a.due_on BETWEEN CAST(:start AS date) AND CAST(:end AS date)
) AS base
GROUP BY GROUPING SETS ((agency_id, agency), ())
ORDER BY every_agency, agency
""")

THEMES_SQL = text(f"""
SELECT t.name AS theme, {_FY} AS fy, count(DISTINCT rt.review_id) AS reviews
FROM review_themes rt
JOIN practice_themes t ON t.id = rt.theme_id
JOIN reviews r ON r.id = rt.review_id
WHERE {_CHOSEN}
GROUP BY t.id, t.name, t.sort_order, 2
ORDER BY min(t.sort_order), t.name, 2
""")

_F = TypeVar("_F", YearFigures, ActionFigures)


def _figures(cls: type[_F], label: str, row: Row[Any]) -> _F:
    """One aggregate row as the shape whose fields the query's columns are named after."""
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name != "label"}
    if "median_months" in values and values["median_months"] is not None:
        values["median_months"] = float(values["median_months"])
    return cls(label, **values)


def after_figures(session: Session, years: list[int], as_of: date) -> AfterFigures:
    """The figures for the financial years given (consecutive, oldest first): three aggregate queries."""
    settings = load_settings(session)
    months = settings.lcspr_completion_months
    p = {"start": year_start(years[0]), "end": year_end(years[-1]), "as_of": as_of}
    span = year_label(years[0]) if len(years) == 1 else f"{year_label(years[0])} to {year_label(years[-1])}"
    rows = session.execute(YEARS_SQL, dict(p, days_per_month=DAYS_PER_MONTH, months=months)).all()
    by_fy = {r.fy: _figures(YearFigures, year_label(r.fy), r) for r in rows if not r.is_total}
    totals = [r for r in rows if r.is_total]
    total = _figures(YearFigures, span, totals[0]) if totals else YearFigures(span)
    by_year = [by_fy.get(y, YearFigures(year_label(y))) for y in years]

    rows = session.execute(ACTIONS_SQL, p).all()
    by_agency = [_figures(ActionFigures, r.agency, r) for r in rows if not r.every_agency]
    every = [r for r in rows if r.every_agency]
    actions_total = (_figures(ActionFigures, "All agencies", every[0]) if every
                     else ActionFigures("All agencies"))

    themes = [ThemeCount(r.theme, r.fy, r.reviews) for r in session.execute(THEMES_SQL, p)]
    return AfterFigures(as_of=as_of, partnership=settings.partnership_name, years=years, by_year=by_year, total=total,
                        actions_by_agency=by_agency, actions_total=actions_total, themes=themes,
                        completion_months=months)


BOARD_ROLES = ("board", "manager")


@requires(*BOARD_ROLES, action="see the board figures")
def board_after_figures(session: Session, actor: Account, *, first_year: int, last_year: int,
                        as_of: date) -> AfterFigures:
    """The figures after the Rapid Review for the financial years chosen (numbers only)."""
    years = validate_years(first_year, last_year, as_of)
    return after_figures(session, years, as_of)
