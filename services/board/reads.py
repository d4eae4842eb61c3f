"""The board's reads: every figure is an aggregate computed in PostgreSQL, so no case is ever loaded into Python;
the role-checked entry points (`board_figures`, `board_quarters`) at the end.

Working days are counted in the query against a calendar built there (generate_series, minus weekends, minus
the England bank holidays and closure days passed in as one date array). Sent-back reasons are turned into fixed
headings inside the query: only the heading and a count leave the database.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import Date, Row, Text, TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from db.enums import MeetingKind
from db.models import Account
from services.board.rules import (
    MEETING_KEY,
    MINUTES_DUE_WORKING_DAYS,
    MINUTES_KEY,
    ON_TIME_SPAN,
    OTHER_REASON,
    REASON_CATEGORIES,
    BoardFigures,
    Period,
    PeriodFigures,
    Quarter,
    ReasonCount,
    ReturnFigures,
    ReviewFigures,
    SpreadCount,
    filter_quarters,
    headlines,
    non_working_weekdays,
    validate_period,
)
from services.deadlines import RETURN_DUE_WORKING_DAYS, SIN_DUE_WORKING_DAYS
from services.permissions import requires
from services.settings_reads import load_calendar, load_settings
from services.working_days import WorkingCalendar

# The calendar: `cum` is the number of working days up to and including d (the ordinal of the last working day
# on or before d); `ord` is the ordinal of the first working day on or after d. With them, "the n-th working day
# after x" has ordinal cum(x) + n and Day 1 of a review has ordinal ord(received). A submission or a receipt on a
# non-working day counts as the last working day on or before it (domain.md: a Saturday submission after a Friday
# Day 15 is on time), so those use cum; the SIN and the minutes use ord, as the review and meetings pages do (on a
# non-working day after their deadline they are late, at least 1 working day).
_CALENDAR = """
WITH days AS (
    SELECT g::date AS d,
           (extract(isodow FROM g) < 6 AND NOT (g::date = ANY(:non_working))) AS working
    FROM generate_series(CAST(:cal_start AS date), CAST(:cal_end AS date), interval '1 day') AS g
),
cal AS (
    SELECT d, cum, cum - working::int + 1 AS ord
    FROM (SELECT d, working, (sum(working::int) OVER (ORDER BY d))::int AS cum FROM days) AS counted
),
today AS (SELECT ord FROM cal WHERE d = CAST(:as_of AS date))
"""
_FY = "(extract(year FROM r.notification_received_date - interval '3 months'))::int"
_FQ = "((extract(month FROM r.notification_received_date - interval '3 months'))::int - 1) / 3 + 1"
_IN_PERIOD = "r.notification_received_date BETWEEN CAST(:start AS date) AND CAST(:end AS date)"

# Every date the figures' queries join to the calendar, for the reviews of the period; the calendar must span
# them (counting from an earlier start changes no difference between two ordinals).
_BOUNDS_SQL = f"""
WITH chosen AS (SELECT r.* FROM reviews r WHERE {_IN_PERIOD}),
dates AS (
    SELECT unnest(ARRAY[csc_aware_date, notification_received_date, submitted_to_panel_date,
                        sin_submitted_date]) AS d FROM chosen
    UNION ALL
    SELECT unnest(ARRAY[ar.requested_date, ar.received_date, ar.ended_on])
    FROM agency_returns ar JOIN chosen r ON r.id = ar.review_id
    UNION ALL
    SELECT m.done_date FROM review_milestones m JOIN chosen r ON r.id = m.review_id
    WHERE m.key IN (:meeting_key, :minutes_key)
    UNION ALL
    SELECT unnest(ARRAY[m.held_on, m.minutes_circulated_on]) FROM meetings m JOIN chosen r ON r.id = m.review_id
)
SELECT min(d) AS low, max(d) AS high FROM dates
"""

_REVIEWS_SQL = _CALENDAR + f""",
-- Minutes of every meeting (domain.md): the Rapid Review meeting's through its two milestones (held; minutes saved
-- and circulated), as the review's RAG counts them; pre-meets' and the executive findings meeting's from their rows.
held AS (
    SELECT meet.review_id, meet.done_date AS held_on, mins.done_date AS circulated_on
    FROM review_milestones meet
    LEFT JOIN review_milestones mins ON mins.review_id = meet.review_id AND mins.key = :minutes_key
    WHERE meet.key = :meeting_key AND meet.done_date IS NOT NULL
    UNION ALL
    SELECT m.review_id, m.held_on, m.minutes_circulated_on FROM meetings m WHERE m.kind <> :rr_kind
),
minutes AS (
    SELECT h.review_id,
           count(*) AS meetings,
           count(*) FILTER (WHERE c_min.ord <= c_held.cum + :minutes_days) AS on_time,
           count(*) FILTER (WHERE c_min.ord > c_held.cum + :minutes_days) AS late,
           count(*) FILTER (WHERE c_min.ord IS NULL AND t.ord > c_held.cum + :minutes_days) AS missing_late,
           count(*) FILTER (WHERE c_min.ord IS NULL AND t.ord <= c_held.cum + :minutes_days) AS not_yet_due
    FROM held h
    JOIN cal c_held ON c_held.d = h.held_on
    LEFT JOIN cal c_min ON c_min.d = h.circulated_on
    CROSS JOIN today t
    GROUP BY h.review_id
),
base AS (
    SELECT {_FY} AS fy, {_FQ} AS fq,
           r.notification_type,
           r.lcspr_decision,
           c_rec.ord AS rec_ord,
           c_sub.cum - c_rec.ord AS wd,
           c_aw.cum + :sin_days AS sin_due_ord,
           c_sin.ord AS sin_ord,
           mi.meetings, mi.on_time AS minutes_on_time, mi.late AS minutes_late,
           mi.missing_late AS minutes_missing_late, mi.not_yet_due AS minutes_not_yet_due,
           t.ord AS today_ord,
           r.state = 'withdrawn' AS withdrawn
    FROM reviews r
    JOIN cal c_rec ON c_rec.d = r.notification_received_date
    LEFT JOIN cal c_aw ON c_aw.d = r.csc_aware_date  -- may be not known yet (migration 0012)
    LEFT JOIN cal c_sub ON c_sub.d = r.submitted_to_panel_date
    LEFT JOIN cal c_sin ON c_sin.d = r.sin_submitted_date
    -- A withdrawn review's meetings count nowhere (domain.md "Putting a review right").
    LEFT JOIN minutes mi ON mi.review_id = r.id AND r.state <> 'withdrawn'
    CROSS JOIN today t
    WHERE {_IN_PERIOD}
)
SELECT GROUPING(fy, fq) AS is_total, fy, fq,
       -- A withdrawn review is counted apart: never notified, late or in any timeliness figure.
       count(*) FILTER (WHERE NOT withdrawn) AS notified,
       count(*) FILTER (WHERE withdrawn) AS withdrawn,
       count(*) FILTER (WHERE NOT withdrawn AND notification_type = 'death') AS death,
       count(*) FILTER (WHERE NOT withdrawn AND notification_type = 'serious_harm') AS serious_harm,
       count(*) FILTER (WHERE NOT withdrawn AND notification_type = 'other') AS other,
       count(wd) AS submitted,  -- a withdrawn review was never submitted (CHECK state_matches_dates)
       count(*) FILTER (WHERE NOT withdrawn AND wd <= :span) AS on_time,
       count(*) FILTER (WHERE NOT withdrawn AND wd > :span) AS submitted_late,
       count(*) FILTER (WHERE NOT withdrawn AND wd IS NULL AND today_ord > rec_ord + :span) AS overdue,
       count(*) FILTER (WHERE NOT withdrawn AND wd IS NULL AND today_ord <= rec_ord + :span) AS in_progress,
       min(wd) AS wd_min,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY wd) AS wd_lower_quartile,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY wd) AS wd_median,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY wd) AS wd_upper_quartile,
       max(wd) AS wd_max,
       count(*) FILTER (WHERE NOT withdrawn AND sin_ord <= sin_due_ord) AS sin_on_time,
       count(*) FILTER (WHERE NOT withdrawn AND sin_ord > sin_due_ord) AS sin_late,
       count(*) FILTER (WHERE NOT withdrawn AND sin_ord IS NULL AND today_ord > sin_due_ord) AS sin_missing_late,
       count(*) FILTER (WHERE NOT withdrawn AND sin_ord IS NULL AND today_ord <= sin_due_ord) AS sin_not_yet_due,
       count(*) FILTER (WHERE NOT withdrawn AND sin_due_ord IS NULL) AS sin_aware_unknown,
       coalesce(sum(meetings), 0)::int AS meetings,
       coalesce(sum(minutes_on_time), 0)::int AS minutes_on_time,
       coalesce(sum(minutes_late), 0)::int AS minutes_late,
       coalesce(sum(minutes_missing_late), 0)::int AS minutes_missing_late,
       coalesce(sum(minutes_not_yet_due), 0)::int AS minutes_not_yet_due,
       count(*) FILTER (WHERE NOT withdrawn AND lcspr_decision) AS lcspr_yes,
       count(*) FILTER (WHERE NOT withdrawn AND NOT lcspr_decision) AS lcspr_no,
       count(*) FILTER (WHERE NOT withdrawn AND lcspr_decision IS NULL) AS lcspr_not_recorded
FROM base
GROUP BY GROUPING SETS ((fy, fq), ())
"""

_SPREAD_SQL = _CALENDAR + f"""
SELECT {_FY} AS fy, {_FQ} AS fq, c_sub.cum - c_rec.ord AS wd, count(*) AS reviews
FROM reviews r
JOIN cal c_rec ON c_rec.d = r.notification_received_date
JOIN cal c_sub ON c_sub.d = r.submitted_to_panel_date
WHERE {_IN_PERIOD}
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""

_RETURNS_SQL = _CALENDAR + f""",
base AS (
    SELECT ar.review_id, ag.id AS agency_id, ag.name AS agency, {_FY} AS fy, {_FQ} AS fq,
           c_req.cum + :return_days AS due_ord,
           -- A receipt on a non-working day counts as the last working day on or before it (domain.md).
           c_rcv.cum AS rcv_day,
           t.ord AS today_ord,
           ar.final_qa_outcome,
           ar.sent_back_count,
           ar.ended_as,
           c_end.ord AS end_ord
    FROM agency_returns ar
    JOIN reviews r ON r.id = ar.review_id
    JOIN agencies ag ON ag.id = ar.agency_id
    JOIN cal c_req ON c_req.d = ar.requested_date
    LEFT JOIN cal c_rcv ON c_rcv.d = ar.received_date
    LEFT JOIN cal c_end ON c_end.d = ar.ended_on
    CROSS JOIN today t
    WHERE {_IN_PERIOD}
      -- A return withdrawn (asked in error) is left out of the figures (domain.md "Agency returns"), and so is
      -- every return of a withdrawn review.
      AND ar.ended_as IS DISTINCT FROM 'withdrawn' AND r.state <> 'withdrawn'
),
judged AS (
    SELECT *,
           -- "No return" (closed by the manager) counts as late, by the working days to its closing, at least 1.
           CASE WHEN rcv_day IS NOT NULL THEN greatest(rcv_day - due_ord, 0)
                WHEN ended_as = 'no return' THEN greatest(end_ord - due_ord, 1)
                WHEN today_ord > due_ord THEN today_ord - due_ord END AS days_late
    FROM base
)
SELECT GROUPING(agency_id, agency) AS not_by_agency, GROUPING(fy, fq) AS not_by_quarter, agency, fy, fq,
       count(DISTINCT review_id) AS reviews,
       count(*) AS returns,
       count(*) FILTER (WHERE days_late = 0) AS on_time,
       count(*) FILTER (WHERE days_late > 0 AND rcv_day IS NOT NULL) AS late_received,
       count(*) FILTER (WHERE days_late > 0 AND rcv_day IS NULL) AS late_outstanding,
       count(*) FILTER (WHERE days_late IS NULL) AS not_yet_due,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days_late)
           FILTER (WHERE days_late > 0 AND rcv_day IS NOT NULL) AS median_days_late,
       max(days_late) FILTER (WHERE days_late > 0 AND rcv_day IS NOT NULL) AS max_days_late,
       count(*) FILTER (WHERE final_qa_outcome IS NOT NULL OR sent_back_count > 0) AS qa_decided,
       count(*) FILTER (WHERE final_qa_outcome = 'accepted' AND sent_back_count = 0) AS accepted_first,
       count(*) FILTER (WHERE sent_back_count > 0) AS sent_back_returns,
       coalesce(sum(sent_back_count), 0) AS send_backs
FROM judged
GROUP BY GROUPING SETS ((agency_id, agency), (fy, fq), ())
ORDER BY agency, fy, fq
"""

# The reason text is matched inside the query; only the heading and a count leave the database.
_REASONS_SQL = f"""
WITH headings AS (
    SELECT * FROM unnest(CAST(:labels AS text[]), CAST(:patterns AS text[]))
                  WITH ORDINALITY AS h(label, pattern, position)
),
-- Every round's reason (agency_return_send_backs), and the last one on the return's row (the same as its last
-- round's): a return counts once under each heading any of its rounds falls under.
sent_back AS (
    SELECT ar.id, ag.name AS agency, reason
    FROM agency_returns ar
    JOIN reviews r ON r.id = ar.review_id
    JOIN agencies ag ON ag.id = ar.agency_id
    CROSS JOIN LATERAL (
        SELECT ar.sent_back_reason AS reason
        UNION
        SELECT sb.reason FROM agency_return_send_backs sb WHERE sb.agency_return_id = ar.id
    ) AS rounds
    WHERE ar.sent_back_count > 0 AND {_IN_PERIOD} AND r.state <> 'withdrawn'
),
labelled AS (
    SELECT s.id, s.agency, coalesce(h.label, :other) AS category, coalesce(h.position, 1000) AS position
    FROM sent_back s LEFT JOIN headings h ON s.reason ~* h.pattern
)
SELECT GROUPING(agency) AS every_agency, agency, category, min(position) AS position, count(DISTINCT id) AS returns
FROM labelled
GROUP BY GROUPING SETS ((category, agency), (category))
ORDER BY every_agency DESC, min(position), agency
"""


_QUARTERS_SQL = "SELECT min(notification_received_date) FROM reviews"


def _text(sql: str, *, calendar: bool = True) -> TextClause:
    statement = text(sql)
    if calendar:
        statement = statement.bindparams(bindparam("non_working", type_=ARRAY(Date)))
    return statement


_STATEMENTS = {
    "reviews": _text(_REVIEWS_SQL),
    "spread": _text(_SPREAD_SQL),
    "returns": _text(_RETURNS_SQL),
    "reasons": _text(_REASONS_SQL, calendar=False).bindparams(
        bindparam("labels", type_=ARRAY(Text)), bindparam("patterns", type_=ARRAY(Text))),
    "bounds": _text(_BOUNDS_SQL, calendar=False),
    "quarters": text(_QUARTERS_SQL),
}


def calendar_params(session: Session, cal: WorkingCalendar, periods: Sequence[Period],
                    as_of: date) -> dict[str, Any]:
    """The calendar's range covers every date the queries join (one min/max query over the periods) and today."""
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    row = session.execute(_STATEMENTS["bounds"], dict(
        start=start, end=end, meeting_key=MEETING_KEY, minutes_key=MINUTES_KEY)).one()
    low = min(d for d in (start, as_of, row.low) if d is not None) - timedelta(days=7)
    high = max(d for d in (end, as_of, row.high) if d is not None) + timedelta(days=7)
    return dict(cal_start=low, cal_end=high, non_working=non_working_weekdays(cal, low, high), as_of=as_of)


def earliest_notification(session: Session) -> date | None:
    """The date the first notification on record was received, or None when there is none."""
    earliest: date | None = session.scalar(_STATEMENTS["quarters"])
    return earliest


_Figures = TypeVar("_Figures", ReviewFigures, ReturnFigures)


def _quarter(row: Row[Any]) -> str:
    """The label of the quarter a row is grouped by."""
    return Quarter(row.fy, row.fq).label


def _figures(cls: type[_Figures], label: str, row: Row[Any]) -> _Figures:
    """One aggregate row as ReviewFigures or ReturnFigures: the query names its columns after their fields."""
    return cls(label, **{f.name: getattr(row, f.name) for f in fields(cls) if f.name != "label"})


def period_figures(session: Session, period: Period, params: dict[str, Any]) -> PeriodFigures:
    """Every figure of one period: four aggregate queries."""
    p = dict(params, start=period.start, end=period.end)
    quarters = [q.label for q in period.quarters]

    rows = session.execute(_STATEMENTS["reviews"], dict(
        p, span=ON_TIME_SPAN, sin_days=SIN_DUE_WORKING_DAYS, minutes_days=MINUTES_DUE_WORKING_DAYS,
        meeting_key=MEETING_KEY, minutes_key=MINUTES_KEY, rr_kind=MeetingKind.RR_MEETING.value)).all()
    by_label = {_quarter(r): _figures(ReviewFigures, _quarter(r), r) for r in rows if not r.is_total}
    totals = [r for r in rows if r.is_total]
    total = _figures(ReviewFigures, period.label, totals[0]) if totals else ReviewFigures(period.label)
    by_quarter = [by_label.get(q, ReviewFigures(q)) for q in quarters]

    spread = [SpreadCount(_quarter(r), r.wd, r.reviews) for r in session.execute(_STATEMENTS["spread"], p)]

    rows = session.execute(_STATEMENTS["returns"], dict(p, return_days=RETURN_DUE_WORKING_DAYS)).all()
    by_agency = [_figures(ReturnFigures, r.agency, r) for r in rows if not r.not_by_agency]
    returns_by_label = {_quarter(r): _figures(ReturnFigures, _quarter(r), r)
                        for r in rows if r.not_by_agency and not r.not_by_quarter}
    returns_totals = [r for r in rows if r.not_by_agency and r.not_by_quarter]
    returns_total = (_figures(ReturnFigures, "All agencies", returns_totals[0]) if returns_totals
                     else ReturnFigures("All agencies"))
    returns_by_quarter = [returns_by_label.get(q, ReturnFigures(q)) for q in quarters]

    rows = session.execute(_STATEMENTS["reasons"], dict(
        start=period.start, end=period.end, labels=[label for label, _ in REASON_CATEGORIES],
        patterns=[pattern for _, pattern in REASON_CATEGORIES], other=OTHER_REASON)).all()
    reasons = [ReasonCount(r.category, None, r.returns) for r in rows if r.every_agency]
    reasons_by_agency = [ReasonCount(r.category, r.agency, r.returns) for r in rows if not r.every_agency]

    return PeriodFigures(period=period, by_quarter=by_quarter, total=total, spread=spread,
                         returns_by_agency=by_agency, returns_by_quarter=returns_by_quarter,
                         returns_total=returns_total, reasons=reasons, reasons_by_agency=reasons_by_agency)


BOARD_ROLES = ("board", "manager")


@requires(*BOARD_ROLES, action="see the board figures")
def board_figures(session: Session, actor: Account, *, first_quarter: Quarter, last_quarter: Quarter,
                  as_of: date) -> BoardFigures:
    """Every board figure for the quarters chosen, and the previous period of equal length (numbers only)."""
    period = validate_period(first_quarter, last_quarter, as_of)
    previous = period.previous()
    params = calendar_params(session, load_calendar(session), [previous, period], as_of)
    current_figures = period_figures(session, period, params)
    previous_figures = period_figures(session, previous, params)
    return BoardFigures(as_of=as_of, partnership=load_settings(session).partnership_name, current=current_figures,
                        previous=previous_figures, headlines=headlines(current_figures, previous_figures))


@requires(*BOARD_ROLES, action="see the board figures")
def board_quarters(session: Session, actor: Account, *, as_of: date) -> list[Quarter]:
    """The quarters the period filter offers: from the first notification's quarter (or the default period's
    first, if earlier) to the current quarter."""
    return filter_quarters(earliest_notification(session), as_of)
