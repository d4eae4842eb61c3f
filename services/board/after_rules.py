"""After the Rapid Review, for the board: the financial years and the figures' frozen shapes (numbers only).

Pure: services.board.after_reads fills these objects in SQL; the words, charts and the yearly report read them, and
unit tests build them by hand. Every figure counts the reviews whose notification was received in the financial
year (April to March), except the actions, which count by the financial year of their due date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.board.rules import Quarter, Rate
from services.errors import InvalidInput

# Working Together 2023 (chapter 5): the LCSPR's final report is expected within six months of the decision to carry
# it out; the setting lcspr_completion_months (default 6) holds it. Calendar months, as PostgreSQL adds them:
# decided 31 Aug 2026 -> due by 28 Feb 2027.
LCSPR_FINAL_REPORT_MONTHS = 6
DAYS_PER_MONTH = 365.25 / 12  # months between two dates = days / 30.4375


def year_label(year: int) -> str:
    """2026 -> '2026-27' (the financial year from 1 April 2026 to 31 March 2027)."""
    return f"{year}-{(year + 1) % 100:02d}"


def year_of(day: date) -> int:
    """The financial year a date falls in: 1 Apr 2026 to 31 Mar 2027 is 2026."""
    return Quarter.of(day).year


def year_start(year: int) -> date:
    return date(year, 4, 1)


def year_end(year: int) -> date:
    return date(year + 1, 3, 31)


def parse_year(label: str) -> int:
    """'2026-27' -> 2026; anything else is refused with a sentence."""
    text = (label or "").strip()
    head, _, tail = text.partition("-")
    if not (head.isdigit() and tail.isdigit() and len(head) == 4 and len(tail) == 2
            and (int(head) + 1) % 100 == int(tail)):
        raise InvalidInput(f"'{label}' is not a financial year: write it like 2026-27.")
    return int(head)


def validate_years(first: int, last: int, as_of: date) -> list[int]:
    """The financial years first to last; refused when they run backwards or end after the current year."""
    if first > last:
        raise InvalidInput(f"The first year ({year_label(first)}) comes after the last ({year_label(last)}): choose "
                           "a 'from' year on or before the 'to' year.")
    current = year_of(as_of)
    if last > current:
        raise InvalidInput(f"{year_label(last)} has not started yet (today is in {year_label(current)}): choose "
                           f"{year_label(current)} or an earlier year.")
    return list(range(first, last + 1))


@dataclass(frozen=True)
class YearFigures:
    """One financial year's reviews (by notification date), or the whole span (label = the span's label)."""

    label: str
    # The funnel: withdrawn reviews are never counted.
    notified: int = 0
    submitted: int = 0          # Rapid Reviews submitted to the National Panel
    lcspr_started: int = 0      # converted into an LCSPR (a row in lcsprs)
    lcspr_published: int = 0
    # LCSPR timeliness: the final report within six months of the decision.
    final_reports: int = 0
    final_on_time: int = 0
    final_late: int = 0
    final_overdue: int = 0      # no final report and the six months have passed: late
    final_not_yet_due: int = 0
    median_months: float | None = None  # decision to final report, final reports only
    # The National Panel's responses: whether it agreed with the partnership's LCSPR decision.
    panel_responses: int = 0
    panel_agrees: int = 0
    # Reviews coded with at least one practice theme.
    coded: int = 0

    @property
    def final_rate(self) -> Rate:
        return Rate(self.final_on_time, self.final_on_time + self.final_late + self.final_overdue)

    @property
    def agreement_rate(self) -> Rate:
        return Rate(self.panel_agrees, self.panel_responses)


@dataclass(frozen=True)
class ActionFigures:
    """The actions of one owning agency (or every agency), due in the years chosen."""

    label: str
    actions: int = 0
    due: int = 0              # due today or earlier
    done_on_time: int = 0     # done (first evidence given) on or before the due date
    done_late: int = 0
    overdue: int = 0          # not done and due before today: red, as on the register
    evidenced: int = 0        # evidence accepted by the Manager (or impact checked since)
    impact_checked: int = 0

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.done_on_time, self.done_on_time + self.done_late + self.overdue)

    @property
    def evidenced_rate(self) -> Rate:
        return Rate(self.evidenced, self.done_on_time + self.done_late)

    @property
    def impact_rate(self) -> Rate:
        return Rate(self.impact_checked, self.evidenced)


@dataclass(frozen=True)
class ThemeCount:
    theme: str
    year: int
    reviews: int


@dataclass(frozen=True)
class AfterFigures:
    as_of: date
    partnership: str
    years: list[int]
    by_year: list[YearFigures]
    total: YearFigures
    actions_by_agency: list[ActionFigures]
    actions_total: ActionFigures
    themes: list[ThemeCount]
    # The LCSPR's completion timescale in months (the setting lcspr_completion_months, docs/lcspr.md).
    completion_months: int = LCSPR_FINAL_REPORT_MONTHS

    @property
    def label(self) -> str:
        first, last = year_label(self.years[0]), year_label(self.years[-1])
        return first if first == last else f"{first} to {last}"

    def theme_names(self) -> list[str]:
        """The themes used, in the partnership's order (the query's)."""
        return list(dict.fromkeys(t.theme for t in self.themes))
