"""The LCSPR's due dates, RAG and refusals (services/lcspr/rules.py), each expected date worked by hand below.

England bank holidays used: 2026 Fri 25 Dec, Mon 28 Dec (Boxing Day substitute); 2027 Fri 1 Jan, Fri 26 Mar (Good
Friday), Mon 29 Mar (Easter Monday), Mon 31 May (spring)."""
from __future__ import annotations

from datetime import date

import pytest

from services.lcspr.rules import (
    STEPS,
    LcsprFacts,
    LcsprStep,
    Timescales,
    add_months,
    due_dates,
    lcspr_rag,
    lcspr_why,
    next_step,
    publication_address_refusal,
    step_date_refusal,
    step_statuses,
    working_day_on_or_before,
    working_days_before,
)
from services.rag import Rag
from services.working_days import WorkingCalendar

CAL = WorkingCalendar()
S = LcsprStep
SMALL = Timescales(commission_days=5, terms_days=3, involvement_days=10, draft_before_days=5, completion_months=6,
                   copies_before_days=7, publication_days=10)


def facts(decided: date, **done: date) -> LcsprFacts:
    return LcsprFacts(decided_on=decided, done={S(k): v for k, v in done.items()})


# ---------------------------------------------------------------- months


@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),  # 31 Aug + 6 months: February 2027 has 28 days -> 28 Feb
    (date(2027, 8, 31), 6, date(2028, 2, 29)),  # 2028 is a leap year -> 29 Feb
    (date(2026, 10, 31), 6, date(2027, 4, 30)),  # April has 30 days -> 30 Apr
    (date(2027, 1, 15), 6, date(2027, 7, 15)),  # the day kept
    (date(2026, 12, 7), 6, date(2027, 6, 7)),  # over the year's end
    (date(2026, 7, 31), 18, date(2028, 1, 31)),  # more than a year
])
def test_months_keep_the_day_or_take_the_months_last(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize("decided, expected", [
    # 31 Aug 2024 + 6 months = Fri 28 Feb 2025, a working day: kept.
    (date(2024, 8, 31), date(2025, 2, 28)),
    # Mon 31 Aug 2026 + 6 months = Sun 28 Feb 2027: Sat 27, then Fri 26 Feb (the working day before).
    (date(2026, 8, 31), date(2027, 2, 26)),
    # Thu 3 Sep 2026 + 6 months = Wed 3 Mar 2027: kept.
    (date(2026, 9, 3), date(2027, 3, 3)),
    # Sat 26 Sep 2026 + 6 months = Fri 26 Mar 2027, Good Friday -> Thu 25 Mar 2027.
    (date(2026, 9, 26), date(2027, 3, 25)),
    # Tue 29 Sep 2026 + 6 months = Mon 29 Mar 2027, Easter Monday; Sun 28, Sat 27, Fri 26 (Good Friday) -> Thu 25 Mar.
    (date(2026, 9, 29), date(2027, 3, 25)),
])
def test_the_final_report_is_due_six_months_after_the_decision_on_a_working_day(decided: date,
                                                                                expected: date) -> None:
    assert due_dates(CAL, facts(decided), Timescales())[S.FINAL_REPORT] == expected


def test_a_closure_day_moves_the_completion_date_back_too() -> None:
    # Thu 3 Sep 2026 + 6 months = Wed 3 Mar 2027, a closure day here -> Tue 2 Mar 2027.
    cal = WorkingCalendar(closures=[date(2027, 3, 3)])
    assert due_dates(cal, facts(date(2026, 9, 3)), Timescales())[S.FINAL_REPORT] == date(2027, 3, 2)


# ---------------------------------------------------------------- working days back and forth


def test_working_day_on_or_before() -> None:
    assert working_day_on_or_before(CAL, date(2026, 12, 28)) == date(2026, 12, 24)  # Mon 28 (holiday), Sun, Sat, Fri 25
    assert working_day_on_or_before(CAL, date(2026, 12, 24)) == date(2026, 12, 24)


def test_working_days_before_skip_the_new_year_and_the_weekend() -> None:
    # Tue 5 Jan 2027 less 3 working days: Mon 4, (Sun 3, Sat 2, Fri 1 New Year's Day) Thu 31 Dec, Wed 30 Dec.
    assert working_days_before(CAL, date(2027, 1, 5), 3) == date(2026, 12, 30)
    # With Thu 31 Dec a closure day: Mon 4, Wed 30, Tue 29 Dec.
    assert working_days_before(WorkingCalendar(closures=[date(2026, 12, 31)]), date(2027, 1, 5), 3) == \
        date(2026, 12, 29)
    with pytest.raises(ValueError):
        working_days_before(CAL, date(2027, 1, 5), -1)


def test_the_reviewer_is_due_over_christmas_and_a_closure_day() -> None:
    # Fri 18 Dec 2026 + 5 working days: Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25 Christmas, Mon 28 Boxing Day
    # substitute) Tue 29 -> Tue 29 Dec.
    assert due_dates(CAL, facts(date(2026, 12, 18)), SMALL)[S.REVIEWER_COMMISSIONED] == date(2026, 12, 29)
    # Tue 29 Dec a closure day: Wed 30 Dec.
    cal = WorkingCalendar(closures=[date(2026, 12, 29)])
    assert due_dates(cal, facts(date(2026, 12, 18)), SMALL)[S.REVIEWER_COMMISSIONED] == date(2026, 12, 30)


def test_the_whole_plan_from_a_decision_on_wed_2_dec_2026() -> None:
    plan = due_dates(CAL, facts(date(2026, 12, 2)), SMALL)
    assert plan == {
        # Wed 2 Dec + 5: Thu 3, Fri 4, Mon 7, Tue 8, Wed 9 -> Wed 9 Dec.
        S.REVIEWER_COMMISSIONED: date(2026, 12, 9),
        # Wed 9 Dec + 3: Thu 10, Fri 11, Mon 14 -> Mon 14 Dec.
        S.TERMS_AGREED: date(2026, 12, 14),
        # Mon 14 Dec + 10: Tue 15, Wed 16, Thu 17, Fri 18, Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25, Mon 28)
        # Tue 29, Wed 30 -> Wed 30 Dec (practitioners and family alike).
        S.PRACTITIONERS_INVOLVED: date(2026, 12, 30),
        S.FAMILY_INVOLVED: date(2026, 12, 30),
        # Final Wed 2 Jun 2027 less 5: Tue 1, (Mon 31 May spring bank holiday, Sun, Sat) Fri 28, Thu 27, Wed 26,
        # Tue 25 -> Tue 25 May.
        S.DRAFT_TO_PARTNERS: date(2027, 5, 25),
        # Wed 2 Dec 2026 + 6 months = Wed 2 Jun 2027, a working day.
        S.FINAL_REPORT: date(2027, 6, 2),
        # Publication Wed 16 Jun less 7: Tue 15, Mon 14, Fri 11, Thu 10, Wed 9, Tue 8, Mon 7 -> Mon 7 Jun.
        S.COPIES_SENT: date(2027, 6, 7),
        # Wed 2 Jun + 10: Thu 3, Fri 4, Mon 7, Tue 8, Wed 9, Thu 10, Fri 11, Mon 14, Tue 15, Wed 16 -> Wed 16 Jun.
        S.PUBLISHED: date(2027, 6, 16),
    }


def test_later_steps_count_from_the_done_dates() -> None:
    plan = due_dates(CAL, facts(date(2026, 12, 2), reviewer_commissioned=date(2026, 12, 11),
                                final_report=date(2027, 5, 20)), SMALL)
    # Commissioned Fri 11 Dec + 3: Mon 14, Tue 15, Wed 16 -> Wed 16 Dec.
    assert plan[S.TERMS_AGREED] == date(2026, 12, 16)
    # Final report Thu 20 May 2027 + 10: Fri 21, Mon 24, Tue 25, Wed 26, Thu 27, Fri 28, (Mon 31 May) Tue 1 Jun,
    # Wed 2, Thu 3, Fri 4 -> Fri 4 Jun; copies 7 before: Thu 3, Wed 2, Tue 1, Fri 28 May, Thu 27, Wed 26, Tue 25 May.
    assert plan[S.PUBLISHED] == date(2027, 6, 4)
    assert plan[S.COPIES_SENT] == date(2027, 5, 25)
    # The completion date stays six months from the decision.
    assert plan[S.FINAL_REPORT] == date(2027, 6, 2)


def test_every_due_date_is_a_working_day_whatever_the_decision_date() -> None:
    for offset in range(0, 400, 7):
        decided = date.fromordinal(date(2026, 1, 1).toordinal() + offset)
        for due in due_dates(CAL, facts(decided), Timescales()).values():
            assert CAL.is_working_day(due), (decided, due)


# ---------------------------------------------------------------- RAG and why


@pytest.mark.parametrize("as_of, rag, why", [
    (date(2026, 12, 7), Rag.GREEN, ""),  # Wed 9 Dec is 2 working days away
    (date(2026, 12, 8), Rag.AMBER, "Reviewer commissioned is due Wed 09 Dec 2026: 1 working day left."),
    (date(2026, 12, 9), Rag.AMBER, "Reviewer commissioned is due today (Wed 09 Dec 2026)."),
    (date(2026, 12, 10), Rag.RED, "Reviewer commissioned was due Wed 09 Dec 2026: 1 working day overdue."),
    # Mon 14 Dec: Thu 10, Fri 11, Mon 14 -> 3 working days overdue.
    (date(2026, 12, 14), Rag.RED, "Reviewer commissioned was due Wed 09 Dec 2026: 3 working days overdue."),
])
def test_the_reviewer_step_goes_amber_then_red(as_of: date, rag: Rag, why: str) -> None:
    steps = step_statuses(CAL, facts(date(2026, 12, 2)), SMALL, as_of=as_of, amber_days=1)
    first = steps[0]
    assert (first.step, first.rag, first.why) == (S.REVIEWER_COMMISSIONED, rag, why)
    assert lcspr_rag(steps) is rag


def test_the_live_lists_why_names_the_overdue_and_the_due_soon_steps() -> None:
    # As of Tue 15 Dec: commissioned on Fri 11 Dec, terms due Wed 16 Dec (amber, 1 working day);
    # nothing red. Then as of Thu 17 Dec: terms 1 day overdue.
    done = facts(date(2026, 12, 2), reviewer_commissioned=date(2026, 12, 11))
    steps = step_statuses(CAL, done, SMALL, as_of=date(2026, 12, 15), amber_days=1)
    assert lcspr_why(steps) == "1 step due soon: Terms of reference agreed (Wed 16 Dec)"
    assert [s.rag for s in steps][:2] == [Rag.COMPLETE, Rag.AMBER]
    steps = step_statuses(CAL, done, SMALL, as_of=date(2026, 12, 17), amber_days=1)
    assert lcspr_why(steps) == "1 step overdue: Terms of reference agreed (Wed 16 Dec)"
    step = next_step(steps)
    assert step is not None and step.step is S.TERMS_AGREED


def test_a_reason_stands_for_the_family_and_the_publication() -> None:
    reasoned = LcsprFacts(decided_on=date(2026, 12, 2), done={s: date(2026, 12, 2) for s in STEPS
                                                                if s not in (S.FAMILY_INVOLVED, S.PUBLISHED)},
                          family_not_involved_reason="The family declined.",
                          not_published_reason="It would identify the child.")
    steps = step_statuses(CAL, reasoned, SMALL, as_of=date(2027, 12, 1), amber_days=1)
    assert all(s.rag is Rag.COMPLETE for s in steps)
    assert reasoned.finished and next_step(steps) is None and lcspr_rag(steps) is Rag.COMPLETE
    assert steps[3].reason == "The family declined."


def test_an_amber_threshold_of_three_days() -> None:
    # As of Fri 4 Dec, Wed 9 Dec is 3 working days away (Mon 7, Tue 8, Wed 9): amber at a threshold of 3.
    steps = step_statuses(CAL, facts(date(2026, 12, 2)), SMALL, as_of=date(2026, 12, 4), amber_days=3)
    assert steps[0].rag is Rag.AMBER


# ---------------------------------------------------------------- refusals


DECIDED = date(2026, 12, 2)


def refusal(step: LcsprStep, on: date | None, as_of: date = date(2027, 7, 1), **done: date) -> str | None:
    return step_date_refusal(CAL, facts(DECIDED, **done), step, on, as_of=as_of, copies_before_days=7)


def test_a_step_in_order_is_accepted() -> None:
    assert refusal(S.REVIEWER_COMMISSIONED, date(2026, 12, 9)) is None
    assert refusal(S.TERMS_AGREED, date(2026, 12, 9), reviewer_commissioned=date(2026, 12, 9)) is None


def test_refusals_name_the_problem_in_one_sentence() -> None:
    assert refusal(S.REVIEWER_COMMISSIONED, None) == "Give the date of 'Reviewer commissioned'."
    assert refusal(S.REVIEWER_COMMISSIONED, date(2027, 7, 2)) == \
        "The date of 'Reviewer commissioned' (Fri 02 Jul 2027) cannot be in the future."
    assert refusal(S.REVIEWER_COMMISSIONED, date(2026, 12, 1)) == (
        "The date of 'Reviewer commissioned' (Tue 01 Dec 2026) cannot be before the decision to carry out the "
        "LCSPR (Wed 02 Dec 2026).")
    assert refusal(S.TERMS_AGREED, date(2026, 12, 9)) == \
        "Record 'Reviewer commissioned' first: 'Terms of reference agreed' comes after it."
    assert refusal(S.TERMS_AGREED, date(2026, 12, 8), reviewer_commissioned=date(2026, 12, 9)) == (
        "'Terms of reference agreed' (Tue 08 Dec 2026) cannot be before 'Reviewer commissioned' (Wed 09 Dec 2026).")
    # Correcting the commissioning to after the terms already recorded.
    assert refusal(S.REVIEWER_COMMISSIONED, date(2026, 12, 11), reviewer_commissioned=date(2026, 12, 9),
                   terms_agreed=date(2026, 12, 10)) == (
        "'Reviewer commissioned' (Fri 11 Dec 2026) cannot be after 'Terms of reference agreed' (Thu 10 Dec 2026).")
    assert refusal(S.FAMILY_INVOLVED, date(2026, 12, 20)) == \
        "Record 'Terms of reference agreed' first: 'Family involved' comes after it."


def test_publication_waits_the_copies_notice() -> None:
    done = dict(reviewer_commissioned=DECIDED, terms_agreed=DECIDED, draft_to_partners=DECIDED,
                final_report=date(2027, 6, 1), copies_sent=date(2027, 6, 7))
    # Copies Mon 7 Jun 2027; Tue 15 Jun is 6 working days later (Tue 8, Wed 9, Thu 10, Fri 11, Mon 14, Tue 15).
    assert refusal(S.PUBLISHED, date(2027, 6, 15), **done) == (
        "The copies to the Panel and the Secretary of State must go at least 7 working days before publication: "
        "copies sent Mon 07 Jun 2027, so published on Wed 16 Jun 2027 at the earliest.")
    # Wed 16 Jun is the 7th.
    assert refusal(S.PUBLISHED, date(2027, 6, 16), **done) is None
    # Correcting the copies to a later date than the notice allows.
    assert refusal(S.COPIES_SENT, date(2027, 6, 9), **done, published=date(2027, 6, 16)) is not None


def test_publication_across_the_spring_bank_holiday() -> None:
    done = dict(reviewer_commissioned=DECIDED, terms_agreed=DECIDED, draft_to_partners=DECIDED,
                final_report=date(2027, 5, 20), copies_sent=date(2027, 5, 24))
    # Copies Mon 24 May + 7: Tue 25, Wed 26, Thu 27, Fri 28, (Mon 31 May) Tue 1, Wed 2, Thu 3 Jun.
    assert refusal(S.PUBLISHED, date(2027, 6, 2), **done) is not None
    assert refusal(S.PUBLISHED, date(2027, 6, 3), **done) is None


@pytest.mark.parametrize("address, accepted", [
    ("https://demoshire.example/lcspr/child-r", True),
    ("https://www.example.org.uk/reports/lcspr.pdf?x=1", True),
    ("http://demoshire.example/lcspr", False),
    ("https://", False),
    ("https://localhost/report", False),
    ("https://demoshire.example/a report", False),
    ("javascript:alert(1)", False),
    ("", False),
    ("https://demoshire.example/" + "a" * 500, False),
])
def test_the_publication_address(address: str, accepted: bool) -> None:
    assert (publication_address_refusal(address) is None) is accepted
