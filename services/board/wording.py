"""The board figures in words, each with its n: rounding, the headline tiles, and each figure's words and table
(shared by the page, the CSV and the board pack). Pure: reads the figures, never the database."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.board.rules import ON_TIME_SPAN, BoardFigures, Headline, PeriodFigures, Rate, ReturnFigures, ReviewFigures
from services.deadlines import RETURN_DUE_WORKING_DAYS, REVIEW_DUE_DAY, SIN_DUE_WORKING_DAYS

SMALL_N = 10                      # below this, the words say how far one case moves a rate


# ---------------------------------------------------------------- numbers


def whole(value: float) -> int:
    """Round half up, as public statistics do (62.5 -> 63), not Python's half to even."""
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def num(value: float | None) -> str:
    """13.0 -> '13', 13.5 -> '13.5', 14.75 -> '14.8'; None -> '—'."""
    if value is None:
        return "—"
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:.0f}" if rounded == rounded.to_integral_value() else f"{rounded}"


def pct(rate: Rate) -> str:
    return "—" if rate.percent is None else f"{whole(rate.percent)}%"


def pct_n(rate: Rate) -> str:
    """'63% (n = 8)'; 'n = 0' when nothing was due (the label of a bar)."""
    return f"{pct(rate)} (n = {rate.counted})" if rate.counted else "n = 0"


def rate_words(rate: Rate) -> str:
    """'63% (5 of 8)'; 'none to count' when nothing was due."""
    return "none to count" if rate.counted == 0 else f"{pct(rate)} ({rate.met} of {rate.counted})"


# ---------------------------------------------------------------- words


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


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _verb(n: int, one: str, many: str) -> str:
    """'was' / 'were', 'is' / 'are', 'has' / 'have' as n asks."""
    return one if n == 1 else many


# ---------------------------------------------------------------- headline tiles


def headline_delta(h: Headline) -> str | None:
    """'+12 points' / '-1.5 working days' against the previous period, or None when either side has no value."""
    if h.current is None or h.previous is None:
        return None
    if h.unit == "%":
        return f"{whole(h.current) - whole(h.previous):+d} points"
    diff = Decimal(num(h.current)) - Decimal(num(h.previous))
    return f"{'+' if diff >= 0 else ''}{num(float(diff))} working day{'' if abs(diff) == 1 else 's'}"


def headline_value(h: Headline, value: float | None, *, days: str = "") -> str:
    """'63%', '14' (or '14' + `days`, e.g. ' working days', for a number of days); '—' when there is none."""
    if value is None:
        return "—"
    return f"{whole(value)}%" if h.unit == "%" else num(value) + days


def headline_words(h: Headline, previous_label: str) -> str:
    now = headline_value(h, h.current, days=" working days")
    before = headline_value(h, h.previous, days=" working days")
    return (f"{h.title}: {now} (n = {h.current_n} {h.noun}); previous period ({previous_label}): {before} "
            f"(n = {h.previous_n}).")


# ---------------------------------------------------------------- sections: words + table (page, pack, CSV)


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


def _percent_cell(rate: Rate) -> float | None:
    return None if rate.percent is None else round(rate.percent, 1)


def _quarter_rows(f: PeriodFigures, cells: Callable[[ReviewFigures], list[Any]]) -> list[list[Any]]:
    """One row per quarter, then the whole period's: its label first, then `cells`."""
    return [[q.label, *cells(q)] for q in f.by_quarter] + [[f"Whole period ({f.period.label})", *cells(f.total)]]


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
            first += f" {late} {_verb(late, 'was', 'were')} late and {_verb(late, 'is', 'are')} not yet submitted."
        elif late:
            first += f" {late} {_verb(late, 'was', 'were')} late"
            first += f", {t.overdue} of them not yet submitted." if t.overdue else "."
        words = [first]
    if t.in_progress:
        words.append(f"{_plural(t.in_progress, 'more review')} {_verb(t.in_progress, 'is', 'are')} still "
                     "within the 15 working days and not counted yet.")
    words.append("By quarter: " + _by_quarter_list([(q.label, q.on_time_rate) for q in f.by_quarter]) + ".")
    words.append(n_words(rate.counted, "reviews"))
    rows = _quarter_rows(f, lambda q: [q.notified, q.on_time, q.submitted_late, q.overdue, q.in_progress,
                                       _percent_cell(q.on_time_rate)])
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
    rows = _quarter_rows(f, lambda q: [q.submitted, q.wd_min, q.wd_lower_quartile, q.wd_median,
                                       q.wd_upper_quartile, q.wd_max])
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
            first += f" {t.sin_late} {_verb(t.sin_late, 'was', 'were')} made late."
        if t.sin_missing_late:
            first += (f" {t.sin_missing_late} {_verb(t.sin_missing_late, 'has', 'have')} no SIN date recorded "
                      "after the deadline and count as late.")
        words = [first]
    if t.sin_not_yet_due:
        words.append(f"{_plural(t.sin_not_yet_due, 'SIN')} not yet due.")
    if t.sin_aware_unknown:
        words.append(f"{_plural(t.sin_aware_unknown, 'review')} without the date CSC became aware (not known yet): "
                     "not counted.")
    words.append("This is CSC's deadline, not the Partnership's.")
    words.append("By quarter: " + _by_quarter_list([(q.label, q.sin_rate) for q in f.by_quarter]) + ".")
    words.append(n_words(rate.counted, "SINs"))
    rows = _quarter_rows(f, lambda q: [q.sin_on_time, q.sin_late, q.sin_missing_late, q.sin_not_yet_due,
                                       _percent_cell(q.sin_rate)])
    return Section("sin", f"SINs made within {SIN_DUE_WORKING_DAYS} working days of CSC becoming aware", words,
                   ["Quarter", "On time", "Late", "No date, past deadline", "Not yet due", "On time (%)"], rows)


def _on_time(a: ReturnFigures) -> Rate:
    return a.on_time_rate


def _first_qa(a: ReturnFigures) -> Rate:
    return a.first_qa_rate


def _lowest(agencies: Sequence[ReturnFigures], rate_of: Callable[[ReturnFigures], Rate]) -> ReturnFigures | None:
    """The agency with the lowest rate (the one with more counted, then A-Z, on a tie); None unless two or more
    agencies have something counted."""
    counted = [a for a in agencies if rate_of(a).counted]
    if len(counted) < 2:
        return None
    return min(counted, key=lambda a: (rate_of(a).percent or 0.0, -rate_of(a).counted, a.label))


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
                first += f" {t.late_outstanding} {_verb(t.late_outstanding, 'is', 'are')} past due and not received."
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
        for what, rate_of in (("on-time rate", _on_time), ("first-QA acceptance", _first_qa)):
            lowest = _lowest(f.returns_by_agency, rate_of)
            if lowest is not None:
                words.append(f"Lowest {what}: {lowest.label}, {rate_words(rate_of(lowest))}.")
    words.append(f"n = {_plural(t.returns, 'return')} from {_plural(t.reviews, 'review')}; "
                 + n_words(rate.counted, "returns due"))
    rows = [[a.label, a.returns, a.on_time, a.late_received, a.late_outstanding, a.not_yet_due,
             _percent_cell(a.on_time_rate), a.median_days_late, a.max_days_late, a.qa_decided, a.accepted_first,
             _percent_cell(a.first_qa_rate)]
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
        words = [f"{_plural(t.sent_back_returns, 'return')} {_verb(t.sent_back_returns, 'was', 'were')} sent back "
                 f"for more work ({_plural(t.send_backs, 'send-back')} in all)."]
        words.append("Reasons, under fixed headings: " + "; ".join(f"{r.category} {r.returns}" for r in f.reasons)
                     + ".")
        words.append("A reason can fall under more than one heading. The reasons themselves are not shown here: "
                     "they are free text and could identify a case.")
        by_agency = [a for a in f.returns_by_agency if a.sent_back_returns]
        words.append("By agency: " + "; ".join(f"{a.label} {a.sent_back_returns}" for a in by_agency) + ".")
    words.append(n_words(t.sent_back_returns, "returns sent back", rate=False))
    agencies = sorted({r.agency for r in f.reasons_by_agency if r.agency is not None})
    counts = {(r.category, r.agency): r.returns for r in f.reasons_by_agency}
    rows = [[r.category, *(counts.get((r.category, a), 0) for a in agencies), r.returns] for r in f.reasons]
    return Section("reasons", "Why returns were sent back", words, ["Heading", *agencies, "All agencies"], rows)


def _minutes_section(f: PeriodFigures) -> Section:
    t = f.total
    rate = t.minutes_rate
    if rate.counted == 0:
        words = ["No meeting of this period has minutes due yet."]
    else:
        first = (f"Minutes of {rate.met} of {_plural(rate.counted, 'meeting')} ({pct(rate)}) were circulated within "
                 "24 hours (by the end of the next working day). Every meeting counts: pre-meets, the Rapid Review "
                 "meeting and the executive findings meeting.")
        if t.minutes_missing_late:
            first += (f" {t.minutes_missing_late} {_verb(t.minutes_missing_late, 'has', 'have')} no minutes "
                      "recorded after the deadline and count as late.")
        words = [first]
    if t.minutes_not_yet_due:
        words.append(f"{_plural(t.minutes_not_yet_due, 'meeting')} with minutes not yet due.")
    words.append("By quarter: " + _by_quarter_list([(q.label, q.minutes_rate) for q in f.by_quarter]) + ".")
    words.append(n_words(rate.counted, "meetings"))
    rows = _quarter_rows(f, lambda q: [q.meetings, q.minutes_on_time, q.minutes_late, q.minutes_missing_late,
                                       q.minutes_not_yet_due, _percent_cell(q.minutes_rate)])
    return Section("minutes", "Minutes circulated within 24 hours", words,
                   ["Quarter", "Meetings", "On time", "Late", "No minutes, past deadline", "Not yet due",
                    "On time (%)"], rows)


def _notifications_section(f: PeriodFigures) -> Section:
    t = f.total
    words = [f"{_plural(t.notified, 'notification')} received in {f.period.label}: {t.death} death, "
             f"{t.serious_harm} serious harm, {t.other} other."]
    words.append("By quarter: " + "; ".join(f"{q.label} {q.notified}" for q in f.by_quarter) + ".")
    words.append(f"n = {_plural(t.notified, 'review')}.")
    if t.withdrawn:
        words.append(f"Withdrawn, counted apart: {_plural(t.withdrawn, 'review')} (opened in error, a duplicate or not "
                     "notified by CSC), in no other figure: never late, never in the timeliness figures.")
    rows = _quarter_rows(f, lambda q: [q.death, q.serious_harm, q.other, q.notified, q.withdrawn])
    return Section("notifications", "Notifications by quarter and type", words,
                   ["Quarter", "Death", "Serious harm", "Other", "All", "Withdrawn (apart)"], rows)


def _lcspr_section(f: PeriodFigures) -> Section:
    t = f.total
    decided = t.lcspr_yes + t.lcspr_no
    words = [f"Of {_plural(t.notified, 'rapid review')}, {t.lcspr_yes} recommended a Local Child Safeguarding "
             f"Practice Review (LCSPR), {t.lcspr_no} did not, and {t.lcspr_not_recorded} "
             f"{_verb(t.lcspr_not_recorded, 'has', 'have')} no decision recorded yet."]
    words.append(f"n = {_plural(decided, 'decision')} recorded.")
    rows = _quarter_rows(f, lambda q: [q.lcspr_yes, q.lcspr_no, q.lcspr_not_recorded])
    return Section("lcspr", "LCSPR decisions", words, ["Quarter", "Yes", "No", "Not recorded yet"], rows)


def board_sections(figures: BoardFigures) -> list[Section]:
    """Each figure's words and table, in the order the page and the pack show them."""
    f = figures.current
    return [_submission_section(f), _spread_section(f), _sin_section(f), _returns_section(f),
            _reasons_section(f), _minutes_section(f), _notifications_section(f), _lcspr_section(f)]
