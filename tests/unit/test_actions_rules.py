"""The recommendations and actions register's pure rules: the lifecycle's refusals, overdue, RAG on the due date
(worked by hand over weekends, bank holidays and a closure day), the owner, the dates, and the by-agency counts."""
from __future__ import annotations

from datetime import date

import pytest

from db.enums import ActionStatus
from services.actions.rules import (
    CountedAction,
    action_rag,
    check_decide_evidence,
    check_due_dates,
    check_give_evidence,
    check_impact,
    check_made_on,
    check_start,
    clean_evidence,
    clean_owner,
    clean_recommendation,
    clean_source,
    counts_by_agency,
    done_on_time,
    is_overdue,
    judge_documents,
    owner_words,
)
from services.errors import InvalidInput
from services.rag import Rag
from services.working_days import WorkingCalendar

CAL = WorkingCalendar()
NOT_STARTED, IN_PROGRESS, DONE = ActionStatus.NOT_STARTED.value, ActionStatus.IN_PROGRESS.value, ActionStatus.DONE.value
ACCEPTED, CHECKED = ActionStatus.EVIDENCE_ACCEPTED.value, ActionStatus.IMPACT_CHECKED.value
ALL = (NOT_STARTED, IN_PROGRESS, DONE, ACCEPTED, CHECKED)


def _rag(due: date, as_of: date, status: str = NOT_STARTED, cal: WorkingCalendar = CAL, amber: int = 1) -> Rag:
    return action_rag(cal, status=status, due_on=due, as_of=as_of, amber_days=amber)[0]


# ---------------------------------------------------------------- RAG, worked by hand


def test_due_before_today_is_red_and_overdue() -> None:
    # Due Wed 23 Dec 2026, today Thu 24 Dec: one day late.
    assert _rag(date(2026, 12, 23), date(2026, 12, 24)) is Rag.RED
    assert is_overdue(IN_PROGRESS, date(2026, 12, 23), date(2026, 12, 24))


def test_due_today_is_amber_and_not_yet_overdue() -> None:
    rag, why = action_rag(CAL, status=NOT_STARTED, due_on=date(2026, 12, 24), as_of=date(2026, 12, 24), amber_days=1)
    assert (rag, why) == (Rag.AMBER, "Due today.")
    assert not is_overdue(NOT_STARTED, date(2026, 12, 24), date(2026, 12, 24))


def test_over_christmas_the_next_working_day_is_amber() -> None:
    # Today Thu 24 Dec 2026, due Tue 29 Dec: working days after the 24th up to the 29th: (Fri 25 Christmas, Sat 26,
    # Sun 27, Mon 28 Boxing Day substitute) Tue 29 -> 1 -> amber.
    rag, why = action_rag(CAL, status=IN_PROGRESS, due_on=date(2026, 12, 29), as_of=date(2026, 12, 24), amber_days=1)
    assert rag is Rag.AMBER
    assert why == "Due Tue 29 Dec 2026, within 1 working day(s)."


def test_two_working_days_away_over_christmas_is_green() -> None:
    # Today Wed 23 Dec 2026, due Tue 29 Dec: Thu 24, (25, 26, 27, 28 not working) Tue 29 -> 2 -> green.
    rag, why = action_rag(CAL, status=NOT_STARTED, due_on=date(2026, 12, 29), as_of=date(2026, 12, 23), amber_days=1)
    assert rag is Rag.GREEN
    assert why == "Due Tue 29 Dec 2026, more than 1 working day(s) away."


def test_new_year_bank_holiday() -> None:
    # Today Thu 31 Dec 2026, due Mon 4 Jan 2027: (Fri 1 Jan New Year's Day, Sat 2, Sun 3) Mon 4 -> 1 -> amber.
    assert _rag(date(2027, 1, 4), date(2026, 12, 31)) is Rag.AMBER
    # Due Tue 5 Jan: Mon 4, Tue 5 -> 2 -> green.
    assert _rag(date(2027, 1, 5), date(2026, 12, 31)) is Rag.GREEN


def test_easter_bank_holidays() -> None:
    # Today Thu 25 Mar 2027, due Tue 30 Mar: (Fri 26 Good Friday, Sat 27, Sun 28, Mon 29 Easter Monday) Tue 30 -> 1.
    assert _rag(date(2027, 3, 30), date(2027, 3, 25)) is Rag.AMBER


def test_weekend() -> None:
    # Today Fri 4 Dec 2026: due Mon 7 Dec -> (Sat, Sun) Mon 7 -> 1 -> amber; due Tue 8 Dec -> 2 -> green.
    assert _rag(date(2026, 12, 7), date(2026, 12, 4)) is Rag.AMBER
    assert _rag(date(2026, 12, 8), date(2026, 12, 4)) is Rag.GREEN


def test_a_closure_day_counts_as_not_working() -> None:
    # Closed Tue 29 Dec 2026. Today Thu 24 Dec, due Wed 30 Dec: (25, 26, 27, 28 holidays and weekend, 29 closed)
    # Wed 30 -> 1 -> amber; without the closure: Tue 29, Wed 30 -> 2 -> green.
    closed = WorkingCalendar(closures=[date(2026, 12, 29)])
    assert _rag(date(2026, 12, 30), date(2026, 12, 24), cal=closed) is Rag.AMBER
    assert _rag(date(2026, 12, 30), date(2026, 12, 24)) is Rag.GREEN


def test_the_amber_threshold_is_the_setting() -> None:
    # Today Mon 7 Dec 2026, due Wed 9 Dec: Tue 8, Wed 9 -> 2: amber with a threshold of 2, green with 1.
    assert _rag(date(2026, 12, 9), date(2026, 12, 7), amber=2) is Rag.AMBER
    assert _rag(date(2026, 12, 9), date(2026, 12, 7), amber=1) is Rag.GREEN


@pytest.mark.parametrize("status", [DONE, ACCEPTED, CHECKED])
def test_an_action_with_evidence_is_complete_and_never_overdue(status: str) -> None:
    rag, why = action_rag(CAL, status=status, due_on=date(2026, 1, 5), as_of=date(2026, 12, 24), amber_days=1)
    assert rag is Rag.COMPLETE
    assert why.endswith("nothing more is due from the owner.")
    assert not is_overdue(status, date(2026, 1, 5), date(2026, 12, 24))


@pytest.mark.parametrize("status", [NOT_STARTED, IN_PROGRESS])
def test_open_actions_past_due_are_overdue(status: str) -> None:
    assert is_overdue(status, date(2026, 12, 23), date(2026, 12, 24))
    assert not is_overdue(status, date(2026, 12, 24), date(2026, 12, 24))


# ---------------------------------------------------------------- lifecycle


@pytest.mark.parametrize("status", ALL)
def test_only_a_not_started_action_starts(status: str) -> None:
    if status == NOT_STARTED:
        check_start(status)
    else:
        with pytest.raises(InvalidInput, match="Only an action not yet started"):
            check_start(status)


@pytest.mark.parametrize("status", ALL)
def test_evidence_is_given_for_an_open_action_only(status: str) -> None:
    if status in (NOT_STARTED, IN_PROGRESS):
        check_give_evidence(status)
    else:
        with pytest.raises(InvalidInput, match="Evidence is given for an action not started or in progress"):
            check_give_evidence(status)


@pytest.mark.parametrize("status", ALL)
def test_a_decision_needs_evidence_waiting(status: str) -> None:
    if status == DONE:
        check_decide_evidence(status)
    else:
        with pytest.raises(InvalidInput, match="no evidence waiting"):
            check_decide_evidence(status)


@pytest.mark.parametrize("status", [NOT_STARTED, IN_PROGRESS, DONE, CHECKED])
def test_impact_is_checked_only_after_evidence_is_accepted(status: str) -> None:
    with pytest.raises(InvalidInput, match="once the evidence is accepted"):
        check_impact(status, impact_check_on=None, as_of=date(2027, 6, 1))


def test_impact_is_checked_on_or_after_its_date() -> None:
    with pytest.raises(InvalidInput, match="set for Tue 01 Jun 2027"):
        check_impact(ACCEPTED, impact_check_on=date(2027, 6, 1), as_of=date(2027, 5, 31))
    check_impact(ACCEPTED, impact_check_on=date(2027, 6, 1), as_of=date(2027, 6, 1))
    check_impact(ACCEPTED, impact_check_on=None, as_of=date(2027, 6, 1))


# ---------------------------------------------------------------- what is typed


def test_evidence_needs_text() -> None:
    with pytest.raises(InvalidInput, match="evidence needs text"):
        clean_evidence("  \n ")
    with pytest.raises(InvalidInput, match="hidden control character"):
        clean_evidence("done\x00")
    assert clean_evidence(" <script>x</script> ") == "<script>x</script>"


def test_recommendation_text_and_source() -> None:
    with pytest.raises(InvalidInput, match="Give the recommendation"):
        clean_recommendation(" ")
    with pytest.raises(InvalidInput, match="at most 2,000"):
        clean_recommendation("x" * 10_000)
    with pytest.raises(InvalidInput, match="Choose where the recommendation comes from"):
        clean_source("minutes")
    assert clean_source("lcspr") == "lcspr"


def test_made_on_between_the_notification_and_today() -> None:
    with pytest.raises(InvalidInput, match="in the future"):
        check_made_on(date(2026, 12, 25), notified_on=date(2026, 12, 1), as_of=date(2026, 12, 24))
    with pytest.raises(InvalidInput, match="before the notification was received on Tue 01 Dec 2026"):
        check_made_on(date(2026, 11, 30), notified_on=date(2026, 12, 1), as_of=date(2026, 12, 24))
    with pytest.raises(InvalidInput, match="Give the date"):
        check_made_on(None, notified_on=date(2026, 12, 1), as_of=date(2026, 12, 24))
    assert check_made_on(date(2026, 12, 1), notified_on=date(2026, 12, 1), as_of=date(2026, 12, 24))


def test_due_and_impact_check_dates() -> None:
    made = date(2026, 12, 10)
    with pytest.raises(InvalidInput, match="cannot be due before its recommendation was made"):
        check_due_dates(date(2026, 12, 9), None, made_on=made)
    with pytest.raises(InvalidInput, match="on or after the due date"):
        check_due_dates(date(2027, 3, 1), date(2027, 2, 28), made_on=made)
    assert check_due_dates(made, made, made_on=made) == (made, made)


def test_one_owner() -> None:
    with pytest.raises(InvalidInput, match="not both"):
        clean_owner(3, "J Smith", None)
    with pytest.raises(InvalidInput, match="Give the action's owner"):
        clean_owner(None, "  ", None)
    with pytest.raises(InvalidInput, match="name with their email"):
        clean_owner(None, None, "j@x.example")
    with pytest.raises(InvalidInput, match="is not an email address"):
        clean_owner(None, "J Smith", "j smith")
    owner = clean_owner(None, " J  Smith ", "j@x.example")
    assert (owner.account_id, owner.name, owner.email) == (None, "J Smith", "j@x.example")
    assert owner_words(None, "J Smith", "j@x.example") == "J Smith (j@x.example)"
    assert owner_words("Page Officer", None, None) == "Page Officer"


def test_documents_are_judged_by_content() -> None:
    assert judge_documents([("a.pdf", b"%PDF-1.4\n%%EOF\n")])[0].content_type == "application/pdf"
    with pytest.raises(InvalidInput, match="not a PDF or a Word document"):
        judge_documents([("a.pdf", b"just text, renamed")])
    with pytest.raises(InvalidInput, match="can be at most 10 MB"):
        judge_documents([("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))])


# ---------------------------------------------------------------- counts by agency


def test_done_on_time_is_the_first_evidence_by_the_due_date() -> None:
    assert done_on_time(date(2027, 1, 4), date(2027, 1, 4))
    assert not done_on_time(date(2027, 1, 4), date(2027, 1, 5))
    assert not done_on_time(date(2027, 1, 4), None)


def test_counts_by_agency() -> None:
    today = date(2027, 2, 1)
    actions = [
        CountedAction("Police", NOT_STARTED, date(2027, 1, 29), None),  # overdue
        CountedAction("Police", CHECKED, date(2027, 1, 4), date(2027, 1, 4)),  # on time, evidenced, checked
        CountedAction("Police", ACCEPTED, date(2027, 1, 4), date(2027, 1, 6)),  # late, evidenced
        CountedAction("health board", DONE, date(2027, 3, 1), date(2027, 1, 20)),  # on time, not yet accepted
        CountedAction("health board", IN_PROGRESS, date(2027, 2, 1), None),  # due today: not overdue
    ]
    lines = counts_by_agency(actions, today)
    assert [(c.agency, c.actions, c.overdue, c.done_on_time, c.evidenced, c.impact_checked) for c in lines] == [
        ("health board", 2, 0, 1, 0, 0), ("Police", 3, 1, 1, 2, 1)]
