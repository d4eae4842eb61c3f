"""Board figures: aggregate timeliness for the partnership board, computed in SQL; numbers only.

Every figure counts the reviews whose notification was **received** in the chosen period (and their agency
returns and meetings), grouped by the financial-year quarter of that date (Q1 = April to June, so
"2026-27 Q3" is October to December 2026). Working days are counted in SQL against a calendar built in the
query (generate_series, minus weekends, minus the England bank holidays and closure days passed in as one
date array), so no case is ever loaded into Python. Nothing returned here carries a case reference,
initials, a date of one case or free text: sent-back reasons are turned into fixed headings inside the
query, and only the heading and a count come out. The rules are written down in docs/board.md.
"""
from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Optional, Sequence

from sqlalchemy import Date, Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from db.models import Account
from services.exports import csv_text
from services.errors import InvalidInput
from services.permissions import requires
from services.calendar import load_calendar, load_settings
from services.deadlines import RETURN_DUE_WORKING_DAYS, REVIEW_DUE_DAY, SIN_DUE_WORKING_DAYS
from services.working_days import WorkingCalendar

BOARD_ROLES = ("board", "manager")
MINUTES_DUE_WORKING_DAYS = 1      # "within 24 hours": by the end of the next working day after the meeting
ON_TIME_SPAN = REVIEW_DUE_DAY - 1  # submitted by Day 15 = at most 14 working days after Day 1
MEETING_KEY = "rr_meeting"
MINUTES_KEY = "minutes"
SMALL_N = 10                      # below this, the words say how far one case moves a rate
NOTIFICATION_TYPES = (("death", "Death"), ("serious_harm", "Serious harm"), ("other", "Other"))
# Sent-back reasons are free text: the board sees only which of these headings a reason falls under (a reason
# may fall under several; one under none counts as "Other reason"). The patterns are POSIX-style regular
# expressions that mean the same in PostgreSQL (~*) and Python (re.IGNORECASE), so a unit test can show them.
REASON_CATEGORIES = (
    ("Not signed by a senior manager", r"(^|[^a-z])(un)?sign(ed|ature|atory|ing|-?off)?([^a-z]|$)"),
    ("Dates missing or unclear", r"(^|[^a-z])(dates?|dated|dating)([^a-z]|$)"),
    ("Chronology without analysis", r"analy|chronolog|reflect"),
    ("Not enough information or detail",
     r"informat|detail|insufficient|incomplete|not enough|too brief|gaps?([^a-z]|$)"),
    ("Learning or actions not identified", r"learning|lessons|(^|[^a-z])actions?([^a-z]|$)|recommendation"),
    ("Wrong form or template", r"template|wrong form|old form|(^|[^a-z])format"),
)
OTHER_REASON = "Other reason"
# A spreadsheet would run a cell starting with one of these as a formula (CSV injection).
_QUARTER_LABEL = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")


# ---------------------------------------------------------------- quarters and periods


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: `year` is the year the financial year starts (2026 for 2026-27)."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise ValueError("A quarter is numbered 1 to 4")

    @classmethod
    def of(cls, day: date) -> "Quarter":
        """The quarter a date falls in: April to June is Q1; January to March is Q4 of the year before."""
        if day.month >= 4:
            return cls(day.year, (day.month - 4) // 3 + 1)
        return cls(day.year - 1, 4)

    @classmethod
    def parse(cls, label: str) -> "Quarter":
        """'2026-27 Q3' -> Quarter(2026, 3)."""
        match = _QUARTER_LABEL.match((label or "").strip())
        if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise InvalidInput(f"'{label}' is not a quarter: write it like 2026-27 Q3.")
        return cls(int(match.group(1)), int(match.group(3)))

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.number}"

    @property
    def index(self) -> int:
        return self.year * 4 + self.number - 1

    def shift(self, quarters: int) -> "Quarter":
        i = self.index + quarters
        return Quarter(i // 4, i % 4 + 1)

    @property
    def start(self) -> date:
        if self.number == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 4 + 3 * (self.number - 1), 1)

    @property
    def end(self) -> date:
        return self.shift(1).start - timedelta(days=1)

    @property
    def months(self) -> str:
        """'Oct to Dec 2026'."""
        return f"{self.start:%b} to {self.end:%b %Y}"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Period:
    """A run of whole quarters, first to last inclusive."""

    first: Quarter
    last: Quarter

    @property
    def quarters(self) -> list[Quarter]:
        return [self.first.shift(i) for i in range(self.last.index - self.first.index + 1)]

    @property
    def start(self) -> date:
        return self.first.start

    @property
    def end(self) -> date:
        return self.last.end

    @property
    def label(self) -> str:
        return self.first.label if self.first == self.last else f"{self.first.label} to {self.last.label}"

    @property
    def dates(self) -> str:
        return f"{_day(self.start)} to {_day(self.end)}"

    def previous(self) -> "Period":
        """The period of the same number of quarters just before this one."""
        n = len(self.quarters)
        return Period(self.first.shift(-n), self.first.shift(-1))


def _day(d: date) -> str:
    """'1 Oct 2025' (no leading zero)."""
    return f"{d.day} {d:%b %Y}"


def default_period(as_of: date) -> Period:
    """The last four complete quarters and the current one."""
    current = Quarter.of(as_of)
    return Period(current.shift(-4), current)


def validate_period(first: Quarter, last: Quarter, as_of: date) -> Period:
    """Refuse a period that runs backwards or ends in a quarter that has not started."""
    if first > last:
        raise InvalidInput(f"The first quarter ({first.label}) comes after the last ({last.label}): choose a "
                           "'from' quarter on or before the 'to' quarter.")
    current = Quarter.of(as_of)
    if last > current:
        raise InvalidInput(f"{last.label} has not started yet (today is in {current.label}): choose "
                           f"{current.label} or an earlier quarter.")
    return Period(first, last)


# ---------------------------------------------------------------- the figures (numbers only)


@dataclass(frozen=True)
class Rate:
    met: int
    counted: int

    @property
    def percent(self) -> Optional[float]:
        return None if self.counted == 0 else 100.0 * self.met / self.counted


@dataclass(frozen=True)
class ReviewFigures:
    """Review-level figures for one quarter, or for the whole period (label = the period's label)."""

    label: str
    notified: int = 0
    death: int = 0
    serious_harm: int = 0
    other: int = 0
    # Panel submission: on time = submitted by the end of Day 15.
    submitted: int = 0
    on_time: int = 0
    submitted_late: int = 0
    overdue: int = 0          # past Day 15 and not submitted: late
    in_progress: int = 0      # not submitted, Day 15 not passed: not counted yet
    # Working days from Day 1 to submission (submitted reviews only).
    wd_min: Optional[float] = None
    wd_lower_quartile: Optional[float] = None
    wd_median: Optional[float] = None
    wd_upper_quartile: Optional[float] = None
    wd_max: Optional[float] = None
    # SIN within 5 working days of CSC becoming aware.
    sin_on_time: int = 0
    sin_late: int = 0
    sin_missing_late: int = 0  # no SIN date recorded and the deadline has passed: late
    sin_not_yet_due: int = 0
    # Minutes by the end of the next working day after the Rapid Review meeting.
    meetings: int = 0
    minutes_on_time: int = 0
    minutes_late: int = 0
    minutes_missing_late: int = 0
    minutes_not_yet_due: int = 0
    lcspr_yes: int = 0
    lcspr_no: int = 0
    lcspr_not_recorded: int = 0

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.on_time, self.on_time + self.submitted_late + self.overdue)

    @property
    def sin_rate(self) -> Rate:
        return Rate(self.sin_on_time, self.sin_on_time + self.sin_late + self.sin_missing_late)

    @property
    def minutes_rate(self) -> Rate:
        return Rate(self.minutes_on_time, self.minutes_on_time + self.minutes_late + self.minutes_missing_late)


@dataclass(frozen=True)
class ReturnFigures:
    """Agency returns of one agency, one quarter or the whole period."""

    label: str
    reviews: int = 0
    returns: int = 0
    on_time: int = 0
    late_received: int = 0
    late_outstanding: int = 0  # past due and not received: late
    not_yet_due: int = 0
    median_days_late: Optional[float] = None  # of the late returns received
    max_days_late: Optional[int] = None
    qa_decided: int = 0
    accepted_first: int = 0
    sent_back_returns: int = 0
    send_backs: int = 0

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.on_time, self.on_time + self.late_received + self.late_outstanding)

    @property
    def first_qa_rate(self) -> Rate:
        return Rate(self.accepted_first, self.qa_decided)


@dataclass(frozen=True)
class ReasonCount:
    category: str
    agency: Optional[str]  # None: every agency
    returns: int


@dataclass(frozen=True)
class SpreadCount:
    quarter: str
    working_days: int
    reviews: int


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    by_quarter: list[ReviewFigures]
    total: ReviewFigures
    spread: list[SpreadCount]
    returns_by_agency: list[ReturnFigures]
    returns_by_quarter: list[ReturnFigures]
    returns_total: ReturnFigures
    reasons: list[ReasonCount]            # every agency, one row per heading used
    reasons_by_agency: list[ReasonCount]


@dataclass(frozen=True)
class Headline:
    key: str
    title: str
    unit: str                 # "%" or "working days"
    current: Optional[float]
    previous: Optional[float]
    current_n: int
    previous_n: int
    noun: str                 # what n counts
    higher_is_better: bool


@dataclass(frozen=True)
class BoardFigures:
    as_of: date
    partnership: str
    current: PeriodFigures
    previous: PeriodFigures
    headlines: list[Headline]


# ---------------------------------------------------------------- SQL

# The calendar: `cum` is the number of working days up to and including d; `ord` is the ordinal of the first
# working day on or after d. With them, "the n-th working day after x" has ordinal cum(x) + n, Day 1 of a
# review has ordinal ord(received), and a thing done on a non-working day counts on the next working day
# (which changes no on-time verdict, and makes "working days late" at least 1 for anything late).
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

_BOUNDS_SQL = f"""
SELECT least(min(r.csc_aware_date), min(r.notification_received_date),
             (SELECT min(ar.requested_date) FROM agency_returns ar JOIN reviews r ON r.id = ar.review_id
              WHERE {_IN_PERIOD}),
             (SELECT min(m.done_date) FROM review_milestones m JOIN reviews r ON r.id = m.review_id
              WHERE m.key IN (:meeting_key, :minutes_key) AND {_IN_PERIOD})) AS low,
       greatest(max(r.notification_received_date), max(r.submitted_to_panel_date), max(r.sin_submitted_date),
                (SELECT max(greatest(ar.requested_date, ar.received_date)) FROM agency_returns ar
                 JOIN reviews r ON r.id = ar.review_id WHERE {_IN_PERIOD}),
                (SELECT max(m.done_date) FROM review_milestones m JOIN reviews r ON r.id = m.review_id
                 WHERE m.key IN (:meeting_key, :minutes_key) AND {_IN_PERIOD})) AS high
FROM reviews r WHERE {_IN_PERIOD}
"""

_REVIEWS_SQL = _CALENDAR + f""",
base AS (
    SELECT {_FY} AS fy, {_FQ} AS fq,
           r.notification_type,
           r.lcspr_decision,
           c_rec.ord AS rec_ord,
           c_sub.ord - c_rec.ord AS wd,
           c_aw.cum + :sin_days AS sin_due_ord,
           c_sin.ord AS sin_ord,
           c_meet.cum + :minutes_days AS minutes_due_ord,
           c_min.ord AS minutes_ord,
           t.ord AS today_ord
    FROM reviews r
    JOIN cal c_rec ON c_rec.d = r.notification_received_date
    JOIN cal c_aw ON c_aw.d = r.csc_aware_date
    LEFT JOIN cal c_sub ON c_sub.d = r.submitted_to_panel_date
    LEFT JOIN cal c_sin ON c_sin.d = r.sin_submitted_date
    LEFT JOIN review_milestones meet ON meet.review_id = r.id AND meet.key = :meeting_key
    LEFT JOIN cal c_meet ON c_meet.d = meet.done_date
    LEFT JOIN review_milestones mins ON mins.review_id = r.id AND mins.key = :minutes_key
    LEFT JOIN cal c_min ON c_min.d = mins.done_date
    CROSS JOIN today t
    WHERE {_IN_PERIOD}
)
SELECT GROUPING(fy, fq) AS is_total, fy, fq,
       count(*) AS notified,
       count(*) FILTER (WHERE notification_type = 'death') AS death,
       count(*) FILTER (WHERE notification_type = 'serious_harm') AS serious_harm,
       count(*) FILTER (WHERE notification_type = 'other') AS other,
       count(wd) AS submitted,
       count(*) FILTER (WHERE wd <= :span) AS on_time,
       count(*) FILTER (WHERE wd > :span) AS submitted_late,
       count(*) FILTER (WHERE wd IS NULL AND today_ord > rec_ord + :span) AS overdue,
       count(*) FILTER (WHERE wd IS NULL AND today_ord <= rec_ord + :span) AS in_progress,
       min(wd) AS wd_min,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY wd) AS wd_lower_quartile,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY wd) AS wd_median,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY wd) AS wd_upper_quartile,
       max(wd) AS wd_max,
       count(*) FILTER (WHERE sin_ord <= sin_due_ord) AS sin_on_time,
       count(*) FILTER (WHERE sin_ord > sin_due_ord) AS sin_late,
       count(*) FILTER (WHERE sin_ord IS NULL AND today_ord > sin_due_ord) AS sin_missing_late,
       count(*) FILTER (WHERE sin_ord IS NULL AND today_ord <= sin_due_ord) AS sin_not_yet_due,
       count(minutes_due_ord) AS meetings,
       count(*) FILTER (WHERE minutes_ord <= minutes_due_ord) AS minutes_on_time,
       count(*) FILTER (WHERE minutes_ord > minutes_due_ord) AS minutes_late,
       count(*) FILTER (WHERE minutes_ord IS NULL AND today_ord > minutes_due_ord) AS minutes_missing_late,
       count(*) FILTER (WHERE minutes_ord IS NULL AND today_ord <= minutes_due_ord) AS minutes_not_yet_due,
       count(*) FILTER (WHERE lcspr_decision) AS lcspr_yes,
       count(*) FILTER (WHERE NOT lcspr_decision) AS lcspr_no,
       count(*) FILTER (WHERE lcspr_decision IS NULL) AS lcspr_not_recorded
FROM base
GROUP BY GROUPING SETS ((fy, fq), ())
"""

_SPREAD_SQL = _CALENDAR + f"""
SELECT {_FY} AS fy, {_FQ} AS fq, c_sub.ord - c_rec.ord AS wd, count(*) AS reviews
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
           c_rcv.ord AS rcv_ord,
           t.ord AS today_ord,
           ar.final_qa_outcome,
           ar.sent_back_count
    FROM agency_returns ar
    JOIN reviews r ON r.id = ar.review_id
    JOIN agencies ag ON ag.id = ar.agency_id
    JOIN cal c_req ON c_req.d = ar.requested_date
    LEFT JOIN cal c_rcv ON c_rcv.d = ar.received_date
    CROSS JOIN today t
    WHERE {_IN_PERIOD}
),
judged AS (
    SELECT *,
           CASE WHEN rcv_ord IS NOT NULL THEN greatest(rcv_ord - due_ord, 0)
                WHEN today_ord > due_ord THEN today_ord - due_ord END AS days_late
    FROM base
)
SELECT GROUPING(agency_id, agency) AS not_by_agency, GROUPING(fy, fq) AS not_by_quarter, agency, fy, fq,
       count(DISTINCT review_id) AS reviews,
       count(*) AS returns,
       count(*) FILTER (WHERE days_late = 0) AS on_time,
       count(*) FILTER (WHERE days_late > 0 AND rcv_ord IS NOT NULL) AS late_received,
       count(*) FILTER (WHERE days_late > 0 AND rcv_ord IS NULL) AS late_outstanding,
       count(*) FILTER (WHERE days_late IS NULL) AS not_yet_due,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days_late)
           FILTER (WHERE days_late > 0 AND rcv_ord IS NOT NULL) AS median_days_late,
       max(days_late) FILTER (WHERE days_late > 0 AND rcv_ord IS NOT NULL) AS max_days_late,
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
sent_back AS (
    SELECT ar.id, ag.name AS agency, ar.sent_back_reason AS reason
    FROM agency_returns ar
    JOIN reviews r ON r.id = ar.review_id
    JOIN agencies ag ON ag.id = ar.agency_id
    WHERE ar.sent_back_count > 0 AND {_IN_PERIOD}
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


def _text(sql: str, *, calendar: bool = True):
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
}


def non_working_weekdays(cal: WorkingCalendar, start: date, end: date) -> list[date]:
    """Weekdays from start to end that are not working days: bank holidays and closure days."""
    days, d = [], start
    while d <= end:
        if d.weekday() < 5 and not cal.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


def _calendar_params(session: Session, cal: WorkingCalendar, periods: Sequence[Period], as_of: date) -> dict:
    """The calendar's range covers every date the queries join (one min/max query over the periods) and today."""
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    row = session.execute(_STATEMENTS["bounds"], dict(
        start=start, end=end, meeting_key=MEETING_KEY, minutes_key=MINUTES_KEY)).one()
    low = min(d for d in (start, as_of, row.low) if d is not None) - timedelta(days=7)
    high = max(d for d in (end, as_of, row.high) if d is not None) + timedelta(days=7)
    return dict(cal_start=low, cal_end=high, non_working=non_working_weekdays(cal, low, high), as_of=as_of)


def _quarter_key(row) -> Optional[str]:
    return Quarter(row.fy, row.fq).label if row.fy is not None else None


def _review_figures(label: str, row) -> ReviewFigures:
    values = {f.name: getattr(row, f.name) for f in fields(ReviewFigures) if f.name != "label"}
    return ReviewFigures(label=label, **values)


def _return_figures(label: str, row) -> ReturnFigures:
    values = {f.name: getattr(row, f.name) for f in fields(ReturnFigures) if f.name != "label"}
    return ReturnFigures(label=label, **values)


def _period_figures(session: Session, period: Period, params: dict) -> PeriodFigures:
    """Every figure of one period: five aggregate queries."""
    p = dict(params, start=period.start, end=period.end)
    quarters = [q.label for q in period.quarters]

    rows = session.execute(_STATEMENTS["reviews"], dict(
        p, span=ON_TIME_SPAN, sin_days=SIN_DUE_WORKING_DAYS, minutes_days=MINUTES_DUE_WORKING_DAYS,
        meeting_key=MEETING_KEY, minutes_key=MINUTES_KEY)).all()
    by_label = {_quarter_key(r): _review_figures(_quarter_key(r), r) for r in rows if not r.is_total}
    totals = [r for r in rows if r.is_total]
    total = _review_figures(period.label, totals[0]) if totals else ReviewFigures(period.label)
    by_quarter = [by_label.get(q, ReviewFigures(q)) for q in quarters]

    spread = [SpreadCount(_quarter_key(r), r.wd, r.reviews)
              for r in session.execute(_STATEMENTS["spread"], p).all()]

    rows = session.execute(_STATEMENTS["returns"], dict(p, return_days=RETURN_DUE_WORKING_DAYS)).all()
    by_agency = [_return_figures(r.agency, r) for r in rows if not r.not_by_agency]
    returns_by_label = {_quarter_key(r): _return_figures(_quarter_key(r), r)
                        for r in rows if r.not_by_agency and not r.not_by_quarter}
    returns_totals = [r for r in rows if r.not_by_agency and r.not_by_quarter]
    returns_total = (_return_figures("All agencies", returns_totals[0]) if returns_totals
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


def headlines(current: PeriodFigures, previous: PeriodFigures) -> list[Headline]:
    """The five tiles: this period against the one of equal length before it (reviews first, then returns)."""
    c, p = current.total, previous.total
    cr, pr = current.returns_total, previous.returns_total
    return [
        Headline("on_time", "Reviews at the Panel by Day 15", "%", c.on_time_rate.percent, p.on_time_rate.percent,
                 c.on_time_rate.counted, p.on_time_rate.counted, "reviews due", True),
        Headline("median_days", "Median working days to submission", "working days", c.wd_median,
                 p.wd_median, c.submitted, p.submitted, "reviews submitted", False),
        Headline("minutes", "Minutes within 24 hours", "%", c.minutes_rate.percent,
                 p.minutes_rate.percent, c.minutes_rate.counted, p.minutes_rate.counted, "meetings", True),
        Headline("returns_on_time", "Agency returns on time", "%", cr.on_time_rate.percent,
                 pr.on_time_rate.percent, cr.on_time_rate.counted, pr.on_time_rate.counted, "returns due", True),
        Headline("first_qa", "Returns accepted at first QA", "%", cr.first_qa_rate.percent,
                 pr.first_qa_rate.percent, cr.first_qa_rate.counted, pr.first_qa_rate.counted, "returns decided",
                 True),
    ]


# ---------------------------------------------------------------- services


@requires(*BOARD_ROLES, action="see the board figures")
def board_figures(session: Session, actor: Account, *, first_quarter: Quarter, last_quarter: Quarter,
                  as_of: date) -> BoardFigures:
    """Every board figure for the quarters chosen, and the previous period of equal length (numbers only)."""
    period = validate_period(first_quarter, last_quarter, as_of)
    previous = period.previous()
    params = _calendar_params(session, load_calendar(session), [previous, period], as_of)
    current_figures = _period_figures(session, period, params)
    previous_figures = _period_figures(session, previous, params)
    return BoardFigures(as_of=as_of, partnership=load_settings(session).partnership_name, current=current_figures,
                        previous=previous_figures, headlines=headlines(current_figures, previous_figures))


@requires(*BOARD_ROLES, action="see the board figures")
def board_quarters(session: Session, actor: Account, *, as_of: date) -> list[Quarter]:
    """The quarters the period filter offers: from the first notification's quarter (or the default period's
    first, if earlier) to the current quarter."""
    earliest = session.scalar(text(_QUARTERS_SQL))
    first = default_period(as_of).first
    if earliest is not None:
        first = min(first, Quarter.of(earliest))
    return Period(first, Quarter.of(as_of)).quarters


# ---------------------------------------------------------------- words


def whole(value: float) -> int:
    """Round half up, as public statistics do (62.5 -> 63), not Python's half to even."""
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def num(value: Optional[float]) -> str:
    """13.0 -> '13', 13.5 -> '13.5', 14.75 -> '14.8'; None -> '—'."""
    if value is None:
        return "—"
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:.0f}" if rounded == rounded.to_integral_value() else f"{rounded}"


def pct(rate: Rate) -> str:
    return "—" if rate.percent is None else f"{whole(rate.percent)}%"


def rate_words(rate: Rate) -> str:
    """'63% (5 of 8)'; 'none to count' when nothing was due."""
    return "none to count" if rate.counted == 0 else f"{pct(rate)} ({rate.met} of {rate.counted})"


def _singular(noun: str) -> str:
    """'reviews submitted' -> 'review submitted'; 'SINs' -> 'SIN'."""
    first, _, rest = noun.partition(" ")
    first = first[:-1] if first.endswith("s") else first
    return f"{first} {rest}" if rest else first


def n_words(n: int, noun: str, *, rate: bool = True) -> str:
    """'n = 3 reviews. Small numbers: one review moves a rate by 33 percentage points.'"""
    text_ = f"n = {n} {_singular(noun) if n == 1 else noun}."
    if 0 < n < SMALL_N:
        one = _singular(noun.partition(" ")[0])
        text_ += (f" Small numbers: one {one} moves a rate by {whole(100 / n)} percentage points." if rate
                  else " Small numbers: read with care.")
    return text_


def _plural(n: int, one: str, many: Optional[str] = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def headline_delta(h: Headline) -> Optional[str]:
    """'+12 points' / '-1.5 working days' against the previous period, or None when either side has no value."""
    if h.current is None or h.previous is None:
        return None
    if h.unit == "%":
        diff = whole(h.current) - whole(h.previous)
        return f"{diff:+d} points"
    diff = Decimal(num(h.current)) - Decimal(num(h.previous))
    return f"{'+' if diff >= 0 else ''}{num(float(diff))} working day{'' if abs(diff) == 1 else 's'}"


def headline_value(h: Headline, value: Optional[float]) -> str:
    if value is None:
        return "—"
    return f"{whole(value)}%" if h.unit == "%" else num(value)


def headline_words(h: Headline, previous_label: str) -> str:
    now = headline_value(h, h.current)
    before = headline_value(h, h.previous)
    unit = "" if h.unit == "%" or h.current is None else " working days"
    text_ = f"{h.title}: {now}{unit} (n = {h.current_n} {h.noun})"
    text_ += f"; previous period ({previous_label}): {before}" + ("" if h.unit == "%" or h.previous is None
                                                                  else " working days")
    return text_ + f" (n = {h.previous_n})."


# ---------------------------------------------------------------- sections: words + table (page, pack, tests)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    words: list[str]
    columns: list[str]
    rows: list[list[Any]]


def _by_quarter_list(items: Sequence[tuple[str, Rate]]) -> str:
    return "; ".join(f"{label} {pct(rate)} (n = {rate.counted})" if rate.counted else f"{label}: none due"
                     for label, rate in items)


def _submission_section(f: PeriodFigures) -> Section:
    t = f.total
    rate = t.on_time_rate
    late = t.submitted_late + t.overdue
    if rate.counted == 0:
        words = [f"No rapid review received in {f.period.label} has reached its Day 15 yet, so there is no "
                 "on-time rate."]
    else:
        first = (f"{rate.met} of {_plural(rate.counted, 'rapid review')} due ({pct(rate)}) reached the National "
                 f"Panel by the end of Day 15 (the target is all of them).")
        if late and t.overdue == late:
            first += (f" {late} {_was(late)} late and {'is' if late == 1 else 'are'} not yet submitted.")
        elif late:
            first += f" {late} {_was(late)} late"
            first += f", {t.overdue} of them not yet submitted." if t.overdue else "."
        words = [first]
    if t.in_progress:
        words.append(f"{_plural(t.in_progress, 'more review')} {'is' if t.in_progress == 1 else 'are'} still "
                     "within the 15 working days and not counted yet.")
    words.append("By quarter: " + _by_quarter_list([(q.label, q.on_time_rate) for q in f.by_quarter]) + ".")
    words.append(n_words(rate.counted, "reviews"))
    rows = [[q.label, q.notified, q.on_time, q.submitted_late, q.overdue, q.in_progress,
             None if q.on_time_rate.percent is None else round(q.on_time_rate.percent, 1)]
            for q in [*f.by_quarter, t]]
    rows[-1][0] = f"Whole period ({f.period.label})"
    return Section("on_time", "Rapid reviews at the Panel by Day 15", words,
                   ["Quarter", "Notifications", "On time", "Submitted late", "Overdue, not submitted",
                    "Not yet due", "On time (%)"], rows)


def _spread_section(f: PeriodFigures) -> Section:
    t = f.total
    if t.submitted == 0:
        words = [f"No rapid review received in {f.period.label} has been submitted yet."]
    else:
        words = [f"Median {num(t.wd_median)} working days from Day 1 to submission; the quickest took "
                 f"{num(t.wd_min)}, the slowest {num(t.wd_max)}, and the middle half took "
                 f"{num(t.wd_lower_quartile)} to {num(t.wd_upper_quartile)}.",
                 f"On time means {ON_TIME_SPAN} working days or fewer after Day 1 (submitted on Day "
                 f"{REVIEW_DUE_DAY} or earlier)."]
        parts = [f"{q.label} median {num(q.wd_median)} (n = {q.submitted})" for q in f.by_quarter if q.submitted]
        words.append("By quarter: " + "; ".join(parts) + ".")
    words.append(n_words(t.submitted, "reviews submitted", rate=False))
    rows = [[q.label, q.submitted, q.wd_min, q.wd_lower_quartile, q.wd_median, q.wd_upper_quartile, q.wd_max]
            for q in [*f.by_quarter, t]]
    rows[-1][0] = f"Whole period ({f.period.label})"
    return Section("spread", "Working days from Day 1 to submission", words,
                   ["Quarter", "Submitted", "Quickest", "Lower quartile", "Median", "Upper quartile", "Slowest"],
                   rows)


def _sin_section(f: PeriodFigures) -> Section:
    t = f.total
    rate = t.sin_rate
    if rate.counted == 0:
        words = ["No SIN deadline has passed yet for the reviews of this period."]
    else:
        first = (f"Children's Social Care made {rate.met} of {_plural(rate.counted, 'SIN')} ({pct(rate)}) within "
                 f"{SIN_DUE_WORKING_DAYS} working days of becoming aware of the incident.")
        if t.sin_late:
            first += f" {t.sin_late} {_was(t.sin_late)} made late."
        if t.sin_missing_late:
            first += (f" {t.sin_missing_late} {'has' if t.sin_missing_late == 1 else 'have'} no SIN date recorded "
                      "after the deadline and count as late.")
        words = [first]
    if t.sin_not_yet_due:
        words.append(f"{_plural(t.sin_not_yet_due, 'SIN')} not yet due.")
    words.append("This is CSC's deadline, not the Partnership's.")
    words.append("By quarter: " + _by_quarter_list([(q.label, q.sin_rate) for q in f.by_quarter]) + ".")
    words.append(n_words(rate.counted, "SINs"))
    rows = [[q.label, q.sin_on_time, q.sin_late, q.sin_missing_late, q.sin_not_yet_due,
             None if q.sin_rate.percent is None else round(q.sin_rate.percent, 1)] for q in [*f.by_quarter, t]]
    rows[-1][0] = f"Whole period ({f.period.label})"
    return Section("sin", f"SINs made within {SIN_DUE_WORKING_DAYS} working days of CSC becoming aware", words,
                   ["Quarter", "On time", "Late", "No date, past deadline", "Not yet due", "On time (%)"], rows)


def _returns_section(f: PeriodFigures) -> Section:
    t = f.returns_total
    rate, qa = t.on_time_rate, t.first_qa_rate
    if t.returns == 0:
        words = [f"No agency return was asked for on the reviews of {f.period.label}."]
    else:
        words = []
        if rate.counted:
            first = (f"{rate.met} of {_plural(rate.counted, 'agency return')} due ({pct(rate)}) arrived within "
                     f"{RETURN_DUE_WORKING_DAYS} working days of the request.")
            if t.late_received:
                first += (f" {t.late_received} arrived late: median {num(t.median_days_late)} working "
                          f"day{'' if t.median_days_late == 1 else 's'} late, at most {num(t.max_days_late)}.")
            if t.late_outstanding:
                first += (f" {t.late_outstanding} {'is' if t.late_outstanding == 1 else 'are'} past due and not "
                          "received.")
            words.append(first)
        else:
            words.append("No agency return has reached its due date yet.")
        if t.not_yet_due:
            words.append(f"{_plural(t.not_yet_due, 'return')} not yet due.")
        if qa.counted:
            words.append(f"{qa.met} of {_plural(qa.counted, 'return')} through final QA ({pct(qa)}) were accepted "
                         "at the Partnership Manager's first QA.")
        else:
            words.append("No return has been through final QA yet.")
        counted = [a for a in f.returns_by_agency if a.on_time_rate.counted]
        if len(counted) > 1:
            low = min(counted, key=lambda a: (a.on_time_rate.percent, -a.on_time_rate.counted, a.label))
            words.append(f"Lowest on-time rate: {low.label}, {rate_words(low.on_time_rate)}.")
        decided = [a for a in f.returns_by_agency if a.first_qa_rate.counted]
        if len(decided) > 1:
            low = min(decided, key=lambda a: (a.first_qa_rate.percent, -a.first_qa_rate.counted, a.label))
            words.append(f"Lowest first-QA acceptance: {low.label}, {rate_words(low.first_qa_rate)}.")
    words.append(f"n = {_plural(t.returns, 'return')} from {_plural(t.reviews, 'review')}; "
                 + n_words(rate.counted, "returns due"))
    rows = [[a.label, a.returns, a.on_time, a.late_received, a.late_outstanding, a.not_yet_due,
             None if a.on_time_rate.percent is None else round(a.on_time_rate.percent, 1),
             a.median_days_late, a.max_days_late, a.qa_decided, a.accepted_first,
             None if a.first_qa_rate.percent is None else round(a.first_qa_rate.percent, 1)]
            for a in [*f.returns_by_agency, t]]
    return Section("returns", "Agency returns on time and accepted at first QA, by agency", words,
                   ["Agency", "Returns", "On time", "Late (received)", "Late (not received)", "Not yet due",
                    "On time (%)", "Median working days late", "Most working days late", "Through final QA",
                    "Accepted at first QA", "Accepted at first QA (%)"], rows)


def _reasons_section(f: PeriodFigures) -> Section:
    t = f.returns_total
    if t.sent_back_returns == 0:
        words = ["No agency return of this period was sent back."]
    else:
        words = [f"{_plural(t.sent_back_returns, 'return')} {_was(t.sent_back_returns)} sent back for more work "
                 f"({_plural(t.send_backs, 'send-back')} in all)."]
        words.append("Reasons, under fixed headings: " + "; ".join(f"{r.category} {r.returns}" for r in f.reasons)
                     + ".")
        words.append("A reason can fall under more than one heading. The reasons themselves are not shown here: "
                     "they are free text and could identify a case.")
        by_agency = [a for a in f.returns_by_agency if a.sent_back_returns]
        words.append("By agency: " + "; ".join(f"{a.label} {a.sent_back_returns}" for a in by_agency) + ".")
    words.append(n_words(t.sent_back_returns, "returns sent back", rate=False))
    agencies = sorted({r.agency for r in f.reasons_by_agency})
    counts = {(r.category, r.agency): r.returns for r in f.reasons_by_agency}
    rows = [[r.category, *(counts.get((r.category, a), 0) for a in agencies), r.returns] for r in f.reasons]
    return Section("reasons", "Why returns were sent back", words, ["Heading", *agencies, "All agencies"], rows)


def _minutes_section(f: PeriodFigures) -> Section:
    t = f.total
    rate = t.minutes_rate
    if rate.counted == 0:
        words = ["No Rapid Review meeting of this period has minutes due yet."]
    else:
        first = (f"Minutes of {rate.met} of {_plural(rate.counted, 'Rapid Review meeting')} ({pct(rate)}) were "
                 "circulated within 24 hours (by the end of the next working day).")
        if t.minutes_missing_late:
            first += (f" {t.minutes_missing_late} {'has' if t.minutes_missing_late == 1 else 'have'} no minutes "
                      "recorded after the deadline and count as late.")
        words = [first]
    if t.minutes_not_yet_due:
        words.append(f"{_plural(t.minutes_not_yet_due, 'meeting')} with minutes not yet due.")
    words.append("By quarter: " + _by_quarter_list([(q.label, q.minutes_rate) for q in f.by_quarter]) + ".")
    words.append(n_words(rate.counted, "meetings"))
    rows = [[q.label, q.meetings, q.minutes_on_time, q.minutes_late, q.minutes_missing_late, q.minutes_not_yet_due,
             None if q.minutes_rate.percent is None else round(q.minutes_rate.percent, 1)]
            for q in [*f.by_quarter, t]]
    rows[-1][0] = f"Whole period ({f.period.label})"
    return Section("minutes", "Minutes circulated within 24 hours", words,
                   ["Quarter", "Meetings", "On time", "Late", "No minutes, past deadline", "Not yet due",
                    "On time (%)"], rows)


def _notifications_section(f: PeriodFigures) -> Section:
    t = f.total
    words = [f"{_plural(t.notified, 'notification')} received in {f.period.label}: {t.death} death, "
             f"{t.serious_harm} serious harm, {t.other} other."]
    words.append("By quarter: " + "; ".join(f"{q.label} {q.notified}" for q in f.by_quarter) + ".")
    words.append(f"n = {_plural(t.notified, 'review')}.")
    rows = [[q.label, q.death, q.serious_harm, q.other, q.notified] for q in [*f.by_quarter, t]]
    rows[-1][0] = f"Whole period ({f.period.label})"
    return Section("notifications", "Notifications by quarter and type", words,
                   ["Quarter", "Death", "Serious harm", "Other", "All"], rows)


def _lcspr_section(f: PeriodFigures) -> Section:
    t = f.total
    decided = t.lcspr_yes + t.lcspr_no
    words = [f"Of {_plural(t.notified, 'rapid review')}, {t.lcspr_yes} recommended a Local Child Safeguarding "
             f"Practice Review (LCSPR), {t.lcspr_no} did not, and {t.lcspr_not_recorded} "
             f"{'has' if t.lcspr_not_recorded == 1 else 'have'} no decision recorded yet."]
    words.append(f"n = {_plural(decided, 'decision')} recorded.")
    rows = [[q.label, q.lcspr_yes, q.lcspr_no, q.lcspr_not_recorded] for q in [*f.by_quarter, t]]
    rows[-1][0] = f"Whole period ({f.period.label})"
    return Section("lcspr", "LCSPR decisions", words, ["Quarter", "Yes", "No", "Not recorded yet"], rows)


def board_sections(figures: BoardFigures) -> list[Section]:
    """Each figure's words and table, in the order the page and the pack show them."""
    f = figures.current
    return [_submission_section(f), _spread_section(f), _sin_section(f), _returns_section(f),
            _reasons_section(f), _minutes_section(f), _notifications_section(f), _lcspr_section(f)]


# ---------------------------------------------------------------- charts (plotly; no hover text but numbers)

PALETTE = {"main": "#0072B2", "second": "#E69F00", "target": "#D55E00", "grey": "#7F7F7F",
           "death": "#332288", "serious_harm": "#0072B2", "other": "#999933", "yes": "#117733", "no": "#CC6677"}


def _layout(fig, title: str, height: int = 400):
    fig.update_layout(title=dict(text=title, x=0), height=height, margin=dict(l=10, r=10, t=60, b=10),
                      legend=dict(orientation="h", x=0, y=-0.12, yanchor="top", traceorder="normal"),
                      font=dict(size=13))
    return fig


def _rate_chart(title: str, items: Sequence[tuple[str, Rate]], axis: str):
    import plotly.graph_objects as go

    labels = [label for label, _ in items]
    values = [rate.percent for _, rate in items]
    texts = [f"{pct(rate)} (n = {rate.counted})" if rate.counted else "n = 0" for _, rate in items]
    fig = go.Figure(go.Bar(
        x=labels, y=[v if v is not None else 0 for v in values], text=texts, textposition="outside",
        marker_color=[PALETTE["main"] if v is not None else PALETTE["grey"] for v in values],
        customdata=[[rate.met, rate.counted] for _, rate in items],
        hovertemplate="%{x}: %{y:.0f}% (%{customdata[0]} of %{customdata[1]})<extra></extra>", name=axis))
    fig.add_hline(y=100, line_dash="dash", line_color=PALETTE["target"], annotation_text="Target 100%",
                  annotation_position="top left")
    fig.update_yaxes(range=[0, 118], title=axis, ticksuffix="%")
    fig.update_xaxes(type="category")
    return _layout(fig, title)


def _spread_chart(f: PeriodFigures):
    import plotly.graph_objects as go

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


def _returns_chart(f: PeriodFigures):
    import plotly.graph_objects as go

    agencies = list(reversed(f.returns_by_agency))
    names = [a.label for a in agencies]
    fig = go.Figure()
    for label, rates, colour in (("On time", [a.on_time_rate for a in agencies], PALETTE["main"]),
                                 ("Accepted at first QA", [a.first_qa_rate for a in agencies], PALETTE["second"])):
        fig.add_trace(go.Bar(
            y=names, x=[r.percent or 0 for r in rates], orientation="h", name=label, marker_color=colour,
            text=[f"{pct(r)} (n = {r.counted})" if r.counted else "n = 0" for r in rates], textposition="outside",
            customdata=[[r.met, r.counted] for r in rates],
            hovertemplate=f"%{{y}}: {label.lower()} %{{x:.0f}}% (%{{customdata[0]}} of %{{customdata[1]}})"
                          "<extra></extra>"))
    fig.add_vline(x=100, line_dash="dash", line_color=PALETTE["target"])
    fig.update_xaxes(range=[0, 135], ticksuffix="%", title="% of the agency's returns")
    fig.update_layout(barmode="group")
    return _layout(fig, "Agency returns on time and accepted at first QA",
                   height=max(320, 90 + 60 * max(len(agencies), 1)))


def _reasons_chart(f: PeriodFigures):
    import plotly.graph_objects as go

    reasons = list(reversed(f.reasons))
    fig = go.Figure(go.Bar(
        y=[r.category for r in reasons], x=[r.returns for r in reasons], orientation="h",
        text=[str(r.returns) for r in reasons], textposition="outside", marker_color=PALETTE["main"],
        hovertemplate="%{y}: %{x} return(s)<extra></extra>", name="Returns sent back"))
    fig.update_xaxes(title="Returns sent back", dtick=1, rangemode="tozero")
    return _layout(fig, "Why returns were sent back (fixed headings)", height=max(300, 90 + 45 * max(len(reasons), 1)))


def _stacked_chart(title: str, labels: list[str], series: Sequence[tuple[str, list[int], str]], axis: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, values, colour in series:
        fig.add_trace(go.Bar(x=labels, y=values, name=name, marker_color=colour,
                             text=[str(v) if v else "" for v in values], textposition="inside",
                             hovertemplate=f"%{{x}}: %{{y}} {name.lower()}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=axis, dtick=1 if max((sum(v) for v in zip(*[s[1] for s in series])), default=0) <= 10
                     else None, rangemode="tozero")
    return _layout(fig, title)


def board_charts(figures: BoardFigures) -> dict:
    """One plotly figure per section key; labels are quarters, agencies and fixed headings only."""
    f = figures.current
    labels = [q.label for q in f.by_quarter]
    return {
        "on_time": _rate_chart("Rapid reviews at the Panel by Day 15, by quarter",
                               [(q.label, q.on_time_rate) for q in f.by_quarter], "% on time"),
        "spread": _spread_chart(f),
        "sin": _rate_chart(f"SINs within {SIN_DUE_WORKING_DAYS} working days, by quarter",
                           [(q.label, q.sin_rate) for q in f.by_quarter], "% on time"),
        "returns": _returns_chart(f),
        "reasons": _reasons_chart(f),
        "minutes": _rate_chart("Minutes circulated within 24 hours, by quarter",
                               [(q.label, q.minutes_rate) for q in f.by_quarter], "% on time"),
        "notifications": _stacked_chart(
            "Notifications by quarter and type", labels,
            [(name, [getattr(q, key) for q in f.by_quarter], PALETTE[key]) for key, name in NOTIFICATION_TYPES],
            "Notifications"),
        "lcspr": _stacked_chart(
            "LCSPR decisions, by quarter", labels,
            [("Yes", [q.lcspr_yes for q in f.by_quarter], PALETTE["yes"]),
             ("No", [q.lcspr_no for q in f.by_quarter], PALETTE["no"]),
             ("Not recorded yet", [q.lcspr_not_recorded for q in f.by_quarter], PALETTE["grey"])],
            "Rapid reviews"),
    }


# ---------------------------------------------------------------- exports


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return num(value) if value != int(value) else int(value)
    return value


def figures_csv(figures: BoardFigures) -> bytes:
    """Every section's table, one row per number: figure, row, column, value (UTF-8 with BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Figure", "Row", "Measure", "Value"])
    period = figures.current.period
    writer.writerow(["About these figures", "Period", "Quarters", f"{period.label} ({period.dates})"])
    writer.writerow(["About these figures", "Figures as at", "Date", figures.as_of.isoformat()])
    previous = figures.previous.period
    for h in figures.headlines:
        writer.writerow(["Headline: " + h.title, period.label, h.unit, _csv_value(h.current)])
        writer.writerow(["Headline: " + h.title, period.label, "n (" + h.noun + ")", h.current_n])
        writer.writerow(["Headline: " + h.title, "Previous period " + previous.label, h.unit,
                         _csv_value(h.previous)])
        writer.writerow(["Headline: " + h.title, "Previous period " + previous.label, "n (" + h.noun + ")",
                         h.previous_n])
    for section in board_sections(figures):
        for row in section.rows:
            for column, value in zip(section.columns[1:], row[1:]):
                writer.writerow([csv_text(section.title), csv_text(str(row[0])), csv_text(column), _csv_value(value)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_PACK_CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #1a1a1a; max-width: 900px; margin: 2em auto;
       line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 2px solid #0072B2; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 3px 7px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef3f8; }
.note { color: #444; font-size: 0.9em; }
section, .chart { page-break-inside: avoid; break-inside: avoid; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; break-after: avoid; } }
"""


def _html_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return num(value)
    return html.escape(str(value))


def _html_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_html_value(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def board_pack_html(figures: BoardFigures, *, include_charts: bool = True) -> str:
    """A self-contained HTML board pack that prints on A4: headline figures, then each figure's words,
    chart (plotly.js embedded once, so it works offline) and table."""
    period, previous = figures.current.period, figures.previous.period
    charts = board_charts(figures) if include_charts else {}
    first_chart = True
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Board pack: rapid review timeliness, {html.escape(period.label)}</title>",
        f"<style>{_PACK_CSS}</style></head><body>",
        "<h1>Rapid review timeliness: board pack</h1>",
        f"<p><strong>{html.escape(figures.partnership)}</strong><br>Period: {html.escape(period.label)} "
        f"({html.escape(period.dates)}), by financial-year quarter (Q1 = April to June). Figures as at "
        f"{_day(figures.as_of)}.</p>",
        "<p class='note'>Aggregate figures only: this pack holds no case reference, initials or free text. Each "
        "figure counts the reviews whose notification was received in the period. Small numbers are marked "
        "with n; with few reviews, one review moves a rate a long way.</p>",
        "<section><h2>Headline figures</h2>",
        _html_table(["Figure", period.label, f"Previous period ({previous.label})", "Change"],
                    [[h.title, f"{headline_value(h, h.current)} (n = {h.current_n})",
                      f"{headline_value(h, h.previous)} (n = {h.previous_n})", headline_delta(h) or "—"]
                     for h in figures.headlines]),
        "<p class='note'>Median working days: lower is better. Percentages: higher is better; the target is "
        "100%. A dash means there was nothing to count.</p></section>",
    ]
    for section in board_sections(figures):
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        parts.extend(f"<p>{html.escape(w)}</p>" for w in section.words)
        if section.key in charts:
            fig = charts[section.key]
            fig.update_layout(width=680, template="plotly_white")  # the page uses Streamlit's theme instead
            parts.append("<div class='chart'>" + fig.to_html(
                full_html=False, include_plotlyjs=first_chart, config={"staticPlot": True, "displayModeBar": False})
                + "</div>")
            first_chart = False
        if section.rows:
            parts.append(_html_table(section.columns, section.rows))
        parts.append("</section>")
    parts.append("<p class='note'>How each figure is counted: see the Board figures page and docs/board.md of the "
                 "Rapid Review Tracker.</p></body></html>")
    return "".join(parts)


def categorise_reason(reason: str) -> list[str]:
    """The headings a sent-back reason falls under, as the SQL query decides them (for tests and docs)."""
    found = [label for label, pattern in REASON_CATEGORIES if re.search(pattern, reason, re.IGNORECASE)]
    return found or [OTHER_REASON]
