"""The board's pure rules: financial-year quarters and periods, what counts as on time, the figures' shapes.

Nothing here touches the database: the SQL in services.board.reads fills these objects, the words, charts and
exports read them, and unit tests build them by hand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from services.deadlines import REVIEW_DUE_DAY
from services.errors import InvalidInput
from services.working_days import WorkingCalendar

MINUTES_DUE_WORKING_DAYS = 1      # "within 24 hours": by the end of the next working day after the meeting
ON_TIME_SPAN = REVIEW_DUE_DAY - 1  # submitted by Day 15 = at most 14 working days after Day 1
MEETING_KEY = "rr_meeting"
MINUTES_KEY = "minutes"
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
_QUARTER_LABEL = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")


def categorise_reason(reason: str) -> list[str]:
    """The headings a sent-back reason falls under, as the SQL query decides them (for tests and docs)."""
    found = [label for label, pattern in REASON_CATEGORIES if re.search(pattern, reason, re.IGNORECASE)]
    return found or [OTHER_REASON]


# ---------------------------------------------------------------- quarters and periods


def day_label(d: date) -> str:
    """'1 Oct 2025' (no leading zero)."""
    return f"{d.day} {d:%b %Y}"


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: `year` is the year the financial year starts (2026 for 2026-27)."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise ValueError("A quarter is numbered 1 to 4")

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter a date falls in: April to June is Q1; January to March is Q4 of the year before."""
        if day.month >= 4:
            return cls(day.year, (day.month - 4) // 3 + 1)
        return cls(day.year - 1, 4)

    @classmethod
    def parse(cls, label: str) -> Quarter:
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

    def shift(self, quarters: int) -> Quarter:
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
        return f"{day_label(self.start)} to {day_label(self.end)}"

    def previous(self) -> Period:
        """The period of the same number of quarters just before this one."""
        n = len(self.quarters)
        return Period(self.first.shift(-n), self.first.shift(-1))


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


def filter_quarters(earliest_notification: date | None, as_of: date) -> list[Quarter]:
    """The quarters the period filter offers: from the first notification's quarter (or the default period's
    first, if earlier) to the current quarter."""
    first = default_period(as_of).first
    if earliest_notification is not None:
        first = min(first, Quarter.of(earliest_notification))
    return Period(first, Quarter.of(as_of)).quarters


def non_working_weekdays(cal: WorkingCalendar, start: date, end: date) -> list[date]:
    """Weekdays from start to end that are not working days: bank holidays and closure days."""
    days, d = [], start
    while d <= end:
        if d.weekday() < 5 and not cal.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


# ---------------------------------------------------------------- the figures (numbers only)


@dataclass(frozen=True)
class Rate:
    met: int
    counted: int

    @property
    def percent(self) -> float | None:
        return None if self.counted == 0 else 100.0 * self.met / self.counted


@dataclass(frozen=True)
class ReviewFigures:
    """Review-level figures for one quarter, or for the whole period (label = the period's label)."""

    label: str
    notified: int = 0
    # Withdrawn (opened in error, a duplicate, not notified by CSC): counted apart, in no other figure.
    withdrawn: int = 0
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
    wd_min: float | None = None
    wd_lower_quartile: float | None = None
    wd_median: float | None = None
    wd_upper_quartile: float | None = None
    wd_max: float | None = None
    # SIN within 5 working days of CSC becoming aware.
    sin_on_time: int = 0
    sin_late: int = 0
    sin_missing_late: int = 0  # no SIN date recorded and the deadline has passed: late
    sin_not_yet_due: int = 0
    sin_aware_unknown: int = 0  # the date CSC became aware not known yet: no SIN deadline, not counted
    # Minutes by the end of the next working day after each meeting (pre-meets, the Rapid Review meeting, the
    # executive findings meeting): `meetings` counts meetings, not reviews.
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
    median_days_late: float | None = None  # of the late returns received
    max_days_late: int | None = None
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
    agency: str | None  # None: every agency
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
    current: float | None
    previous: float | None
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


def _rate_headline(key: str, title: str, current: Rate, previous: Rate, noun: str) -> Headline:
    return Headline(key, title, "%", current.percent, previous.percent, current.counted, previous.counted, noun,
                    True)


def headlines(current: PeriodFigures, previous: PeriodFigures) -> list[Headline]:
    """The five tiles: this period against the one of equal length before it (reviews first, then returns)."""
    c, p = current.total, previous.total
    cr, pr = current.returns_total, previous.returns_total
    return [
        _rate_headline("on_time", "Reviews at the Panel by Day 15", c.on_time_rate, p.on_time_rate, "reviews due"),
        Headline("median_days", "Median working days to submission", "working days", c.wd_median,
                 p.wd_median, c.submitted, p.submitted, "reviews submitted", False),
        _rate_headline("minutes", "Minutes within 24 hours", c.minutes_rate, p.minutes_rate, "meetings"),
        _rate_headline("returns_on_time", "Agency returns on time", cr.on_time_rate, pr.on_time_rate,
                       "returns due"),
        _rate_headline("first_qa", "Returns accepted at first QA", cr.first_qa_rate, pr.first_qa_rate,
                       "returns decided"),
    ]
