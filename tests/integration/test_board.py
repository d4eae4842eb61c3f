"""Board figures on a real PostgreSQL, on a hand-built data set whose answers are worked out here by hand.

Rows are inserted with the models (faster than the services, same database rules). England bank holidays
around the data: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day substitute), Fri 1 Jan 2027.

The period is 2026-27 Q3 (Oct-Dec 2026) to 2026-27 Q4 (Jan-Mar 2027), "today" Mon 1 Feb 2027; the previous
period of equal length is 2026-27 Q1 to Q2 (Apr-Sep 2026).
"""
from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import asdict
from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import Connection, event
from sqlalchemy.engine import ExecutionContext
from sqlalchemy.orm import Session

from db.models import Account, Agency, ClosureDay, Review, ReviewChild, ReviewMilestone
from db.models_report import Meeting
from db.models_returns import AgencyReturn, AgencyReturnSendBack
from services.board.charts import board_charts
from services.board.pack import board_pack_html, figures_csv
from services.board.reads import board_figures, board_quarters
from services.board.rules import OTHER_REASON, BoardFigures, Quarter, categorise_reason
from services.board.wording import board_sections
from services.errors import InvalidInput, NotAllowed
from services.plan import review_due_date
from services.returns.rules import return_due_date
from services.reviews.rules import sin_timeliness
from services.working_days import WorkingCalendar
from tests.types import MakeAccount

D = date
AS_OF = D(2027, 2, 1)  # Mon 1 Feb 2027
Q3, Q4 = Quarter(2026, 3), Quarter(2026, 4)
SECRET_WORD = "Zebedee"  # in every free-text field of the data set: it must never reach an output

# name: (received, type, csc aware, SIN made, submitted, meeting held, minutes done, LCSPR decision)
DEC18, DEC19 = D(2026, 12, 18), D(2026, 12, 19)
REVIEWS = {
    # 2026-27 Q3
    "A": (DEC18, "death", D(2026, 12, 17), D(2026, 12, 24), D(2027, 1, 12), D(2026, 12, 31), D(2027, 1, 4), True),
    "B": (DEC18, "serious_harm", DEC18, D(2026, 12, 30), D(2027, 1, 13), D(2026, 12, 31), D(2027, 1, 5), False),
    "C": (DEC19, "serious_harm", DEC19, D(2026, 12, 29), D(2027, 1, 13), None, None, None),
    "D": (D(2026, 10, 5), "other", D(2026, 10, 2), None, D(2026, 10, 23), D(2026, 10, 14), D(2026, 10, 15), False),
    "E": (D(2026, 11, 2), "death", D(2026, 11, 2), D(2026, 11, 2), D(2026, 11, 30), D(2026, 11, 11), None, True),
    # 2026-27 Q4
    "F": (D(2027, 1, 4), "serious_harm", D(2027, 1, 4), D(2027, 1, 11), D(2027, 1, 22), D(2027, 1, 13),
          D(2027, 1, 13), False),
    "G": (D(2027, 1, 5), "death", D(2027, 1, 5), None, None, D(2027, 1, 14), D(2027, 1, 18), None),
    "H": (D(2027, 1, 25), "other", D(2027, 1, 25), None, None, None, None, None),
    "I": (D(2027, 1, 20), "serious_harm", D(2027, 1, 20), D(2027, 1, 27), None, D(2027, 1, 29), None, None),
    "J": (D(2027, 1, 11), "other", D(2027, 1, 11), D(2027, 1, 18), D(2027, 1, 25), D(2027, 1, 20), D(2027, 1, 21),
          True),
    # the previous period (2026-27 Q2)
    "K": (D(2026, 7, 1), "death", D(2026, 7, 1), D(2026, 7, 2), D(2026, 7, 22), None, None, None),
}
INITIALS = {"A": "QZX", "B": "XQJ", "C": "ZJQ", "D": "JXZ", "E": "QXV", "F": "VZQ", "G": "ZVX", "H": "XVJ",
            "I": "JQV", "J": "VXQ", "K": "QJZ"}


def reference(name: str) -> str:
    return f"{REVIEWS[name][0]:%d%m%y}{INITIALS[name]}"


# ------------------------------------------------------------------ building the data set


def add_review(session: Session, creator: Account, received: date, kind: str, aware: date | None, sin: date | None,
               submitted: date | None, meeting: date | None, minutes: date | None, lcspr: bool | None, *,
               initials: str, suffix: str = "", response: date | None = None) -> Review:
    """A review row with one child, and its meeting and minutes milestones, inserted directly."""
    state = "closed" if response else "submitted" if submitted else "open"
    review = Review(
        case_reference=f"{received:%d%m%y}{initials}{suffix}", notification_type=kind,
        incident_date=aware, csc_aware_date=aware, sin_submitted_date=sin, notification_received_date=received,
        submitted_to_panel_date=submitted, panel_response_date=response, state=state, created_by_id=creator.id,
        lcspr_decision=lcspr,
        lcspr_reason=None if lcspr is None else f"Decision reasons for {SECRET_WORD} ({initials}).",
    )
    review.children.append(ReviewChild(position=1, initials=initials, age_years=7))
    for key, title, order, done in (("rr_meeting", "Rapid Review meeting held", 8, meeting),
                                    ("minutes", "Minutes saved and circulated", 9, minutes)):
        review.milestones.append(ReviewMilestone(
            key=key, title=title, owner="officer", sort_order=order, done_date=done,
            done_by_id=creator.id if done else None, note=f"Note naming {SECRET_WORD}" if done else None))
    session.add(review)
    session.flush()
    return review


def add_return(session: Session, review: Review, agency: Agency, actor: Account, *, requested: date,
               received: date | None = None, qa: str | None = None, sent_back: int = 0, reason: str | None = None,
               resubmitted: date | None = None) -> AgencyReturn:
    """One agency return in a state the database's CHECKs accept.

    qa: None (no final QA yet), "accepted" or "sent back" (the current round). With `sent_back` > 0 and
    qa == "accepted", the return was sent back, resubmitted on `resubmitted` and then accepted."""
    ret = AgencyReturn(review_id=review.id, agency_id=agency.id, requested_date=requested, requested_by_id=actor.id,
                       sent_back_count=sent_back, summary=f"Summary about {SECRET_WORD}")
    if received:
        ret.received_date = received
        ret.signed_by_senior_manager = True
        ret.signatory_role = "Head of Service"
    if qa:
        checked = resubmitted or received
        ret.check_sufficient_information = ret.check_dates_present = ret.check_analysis = ret.check_signed = True
        ret.initial_check_outcome = "satisfactory"
        ret.initial_check_date = checked
        ret.initial_checked_by_id = actor.id
        ret.final_qa_outcome = qa
        ret.final_qa_date = checked
        ret.final_qa_by_id = actor.id
    if sent_back:
        assert received is not None  # only a return received is sent back
        back_on = received if qa == "sent back" else received + timedelta(days=1)
        ret.sent_back_date = back_on
        ret.sent_back_reason = reason
        ret.resubmission_due_date = back_on + timedelta(days=7)
        if qa == "sent back":
            ret.final_qa_date = back_on
        else:
            ret.resubmission_received_date = resubmitted
    session.add(ret)
    session.flush()
    return ret


@pytest.fixture
def board(make_account: MakeAccount) -> Account:
    return make_account("board")


class World:
    """The data set: the officer who made it, and its reviews by name (world["A"])."""

    def __init__(self, officer: Account, reviews: dict[str, Review]) -> None:
        self.officer, self.reviews = officer, reviews

    def __getitem__(self, name: str) -> Review:
        return self.reviews[name]


@pytest.fixture
def world(session: Session, make_account: MakeAccount) -> World:
    """Reviews A-K and their returns (see REVIEWS); agencies Police, Health and School."""
    officer = make_account("officer")
    reviews = {name: add_review(session, officer, *row, initials=INITIALS[name]) for name, row in REVIEWS.items()}
    police, health, school = (Agency(name=n, kind=k, active=True) for n, k in
                              (("Test Police", "police"), ("Test Health", "health"), ("Test School", "education")))
    session.add_all([police, health, school])
    session.flush()
    a, b, g, h, k = (reviews[n] for n in "ABGHK")
    # A: requested Fri 18 Dec, due Tue 29 Dec (25 and 28 Dec are bank holidays).
    add_return(session, a, police, officer, requested=D(2026, 12, 18), received=D(2026, 12, 29), qa="accepted")
    add_return(session, a, health, officer, requested=D(2026, 12, 18), received=D(2026, 12, 30), qa="accepted",
               sent_back=1, resubmitted=D(2027, 1, 4),
               reason=f"Not signed off. It also names {SECRET_WORD} and {INITIALS['A']} ({reference('A')}).")
    add_return(session, a, school, officer, requested=D(2026, 12, 18), received=D(2027, 1, 4))
    # B: requested Mon 21 Dec, due Wed 30 Dec; the Police return came on Sat 2 Jan, which counts as the last working
    # day on or before it, Thu 31 Dec (1 Jan is a bank holiday): 1 working day late.
    add_return(session, b, police, officer, requested=D(2026, 12, 21), received=D(2027, 1, 2), qa="sent back",
               sent_back=2, reason=f"Chronology only, no analysis; dates of contact missing for {SECRET_WORD}.")
    add_return(session, b, health, officer, requested=D(2026, 12, 21), received=D(2026, 12, 23), qa="accepted")
    # G: requested Tue 5 Jan, due Tue 12 Jan; Police never returned it (late by 14 working days on 1 Feb).
    add_return(session, g, police, officer, requested=D(2027, 1, 5))
    add_return(session, g, health, officer, requested=D(2027, 1, 5), received=D(2027, 1, 12), qa="accepted")
    # H: requested Mon 25 Jan, due Mon 1 Feb = today: not yet due.
    add_return(session, h, school, officer, requested=D(2027, 1, 25))
    # K (previous period): requested Wed 1 Jul, due Wed 8 Jul, received Fri 10 Jul: 2 days late.
    add_return(session, k, police, officer, requested=D(2026, 7, 1), received=D(2026, 7, 10), qa="accepted")
    return World(officer, reviews)


def figures_of(session: Session, actor: Account, first: Quarter = Q3, last: Quarter = Q4,
               as_of: date = AS_OF) -> BoardFigures:
    return board_figures(session, actor, first_quarter=first, last_quarter=last, as_of=as_of)


# ------------------------------------------------------------------ the figures, worked by hand


def test_submissions_by_day_15_across_the_christmas_bank_holidays(session: Session, world: World,
                                                                  board: Account) -> None:
    f = figures_of(session, board).current
    q3, q4 = f.by_quarter
    # Q3: A (Day 15 = Tue 12 Jan, on time, 14 working days after Day 1), B (Wed 13 Jan: late, 15),
    # C (received Sat 19 Dec: Day 1 Mon 21 Dec, due Wed 13 Jan: on time, 14), D (Mon 5 Oct -> Fri 23 Oct: 14),
    # E (Mon 2 Nov -> Mon 30 Nov: 20, late).
    assert (q3.label, q3.notified, q3.submitted, q3.on_time, q3.submitted_late, q3.overdue, q3.in_progress) == \
        ("2026-27 Q3", 5, 5, 3, 2, 0, 0)
    assert q3.on_time_rate.percent == 60.0
    assert (q3.wd_min, q3.wd_lower_quartile, q3.wd_median, q3.wd_upper_quartile, q3.wd_max) == (14, 14, 14, 15, 20)
    # Q4: F (Mon 4 Jan -> Fri 22 Jan = Day 15: on time, 14), J (Mon 11 Jan -> Mon 25 Jan: 10), G (Tue 5 Jan, due
    # Mon 25 Jan, not submitted on 1 Feb: overdue), H and I (received 25 and 20 Jan: still within 15 days).
    assert (q4.notified, q4.submitted, q4.on_time, q4.submitted_late, q4.overdue, q4.in_progress) == (5, 2, 2, 0, 1, 2)
    assert q4.on_time_rate.met == 2 and q4.on_time_rate.counted == 3
    assert q4.wd_median == 12.0
    # The period: 5 of 8 on time; working days 10, 14, 14, 14, 14, 15, 20.
    t = f.total
    assert (t.on_time_rate.met, t.on_time_rate.counted, t.on_time_rate.percent) == (5, 8, 62.5)
    assert (t.wd_min, t.wd_lower_quartile, t.wd_median, t.wd_upper_quartile, t.wd_max) == (10, 14, 14, 14.5, 20)
    counts = {(s.quarter, s.working_days): s.reviews for s in f.spread}
    assert counts == {("2026-27 Q3", 14): 3, ("2026-27 Q3", 15): 1, ("2026-27 Q3", 20): 1,
                      ("2026-27 Q4", 10): 1, ("2026-27 Q4", 14): 1}


def test_sin_within_5_working_days_of_csc_becoming_aware(session: Session, world: World, board: Account) -> None:
    f = figures_of(session, board).current
    q3, q4 = f.by_quarter
    # A aware Thu 17 Dec, due Thu 24 Dec, made 24 Dec: on time. B aware Fri 18 Dec, due Tue 29 Dec, made Wed 30:
    # late. C aware Sat 19 Dec, due Tue 29 Dec, made then: on time. D: no date, due Fri 9 Oct: late. E same day.
    assert (q3.sin_on_time, q3.sin_late, q3.sin_missing_late, q3.sin_not_yet_due) == (3, 1, 1, 0)
    # F, I, J on time; G no date and past Tue 12 Jan: late; H aware Mon 25 Jan, due Mon 1 Feb = today: not yet due.
    assert (q4.sin_on_time, q4.sin_late, q4.sin_missing_late, q4.sin_not_yet_due) == (3, 0, 1, 1)
    assert (f.total.sin_rate.met, f.total.sin_rate.counted) == (6, 9)


def test_a_review_whose_csc_date_is_not_known_yet_still_counts_but_has_no_sin_deadline(session: Session, world: World,
                                                                                       board: Account) -> None:
    # L: received Mon 11 Jan 2027 (Q4), the incident and CSC-awareness dates not known yet (migration 0012).
    review = add_review(session, world.officer, D(2027, 1, 11), "death", None, None, None, None, None, None,
                        initials="LQZ")
    assert review.csc_aware_date is None
    figures = figures_of(session, board)
    f = figures.current
    q4 = f.by_quarter[1]
    # Q4 had 5 notifications (F-J); L is the sixth. Its SIN is in none of the four SIN counts.
    assert q4.notified == 6
    assert (q4.sin_on_time, q4.sin_late, q4.sin_missing_late, q4.sin_not_yet_due, q4.sin_aware_unknown) == \
        (3, 0, 1, 1, 1)
    assert (f.total.sin_rate.met, f.total.sin_rate.counted) == (6, 9)
    sin_words = " ".join(next(s for s in board_sections(figures) if s.key == "sin").words)
    assert "1 review without the date CSC became aware (not known yet): not counted." in sin_words


def test_minutes_within_24_hours_of_the_meeting(session: Session, world: World, board: Account) -> None:
    f = figures_of(session, board).current
    q3, q4 = f.by_quarter
    # A: meeting Thu 31 Dec 2026, minutes Mon 4 Jan 2027 (due that day: 1 Jan is a holiday): on time.
    # B: the same meeting, minutes Tue 5 Jan: late. D on time. E: no minutes, due Thu 12 Nov: late.
    assert (q3.meetings, q3.minutes_on_time, q3.minutes_late, q3.minutes_missing_late) == (4, 2, 1, 1)
    # F same day, J next day: on time; G meeting Thu 14 Jan, minutes Mon 18 Jan: late; I meeting Fri 29 Jan,
    # minutes due Mon 1 Feb = today: not yet due. C and H had no meeting: not counted.
    assert (q4.meetings, q4.minutes_on_time, q4.minutes_late, q4.minutes_not_yet_due) == (4, 2, 1, 1)
    assert (f.total.minutes_rate.met, f.total.minutes_rate.counted) == (4, 7)


def test_notifications_by_type_and_lcspr_decisions(session: Session, world: World, board: Account) -> None:
    f = figures_of(session, board).current
    q3, q4 = f.by_quarter
    assert (q3.death, q3.serious_harm, q3.other, q3.notified) == (2, 2, 1, 5)
    assert (q4.death, q4.serious_harm, q4.other, q4.notified) == (1, 2, 2, 5)
    assert (f.total.death, f.total.serious_harm, f.total.other) == (3, 4, 3)
    assert (q3.lcspr_yes, q3.lcspr_no, q3.lcspr_not_recorded) == (2, 2, 1)
    assert (q4.lcspr_yes, q4.lcspr_no, q4.lcspr_not_recorded) == (1, 1, 3)


def test_agency_returns_on_time_days_late_and_first_qa_by_agency(session: Session, world: World,
                                                                 board: Account) -> None:
    f = figures_of(session, board).current
    by_agency = {a.label: a for a in f.returns_by_agency}
    police, health, school = by_agency["Test Police"], by_agency["Test Health"], by_agency["Test School"]
    # Police: A on time; B received Sat 2 Jan, due Wed 30 Dec: counts as Thu 31 Dec, 1 working day late;
    # G never received, past due: late. First QA: A accepted, B sent back; G not decided.
    assert (police.returns, police.on_time, police.late_received, police.late_outstanding, police.not_yet_due) == \
        (3, 1, 1, 1, 0)
    assert (police.median_days_late, police.max_days_late) == (1, 1)
    assert (police.qa_decided, police.accepted_first, police.sent_back_returns, police.send_backs) == (2, 1, 1, 2)
    # Health: A one working day late (Wed 30 Dec), then sent back once and accepted; B and G on time and accepted.
    assert (health.on_time, health.late_received, health.median_days_late) == (2, 1, 1)
    assert (health.qa_decided, health.accepted_first) == (3, 2)
    # School: A received Mon 4 Jan for Tue 29 Dec: 3 working days late (30, 31 Dec, 4 Jan); H not due yet.
    assert (school.returns, school.on_time, school.late_received, school.not_yet_due, school.max_days_late) == \
        (2, 0, 1, 1, 3)
    assert school.first_qa_rate.counted == 0 and school.first_qa_rate.percent is None
    t = f.returns_total
    assert (t.reviews, t.returns, t.on_time_rate.met, t.on_time_rate.counted) == (4, 8, 3, 7)
    # Late on receipt: Police B 1, Health A 1, School A 3: median 1.
    assert (t.median_days_late, t.max_days_late) == (1, 3)
    assert (t.first_qa_rate.met, t.first_qa_rate.counted) == (3, 5)
    q3, q4 = f.returns_by_quarter
    assert (q3.on_time_rate.met, q3.on_time_rate.counted) == (2, 5)
    assert (q4.on_time_rate.met, q4.on_time_rate.counted, q4.not_yet_due) == (1, 2, 1)


def test_reasons_sent_back_are_counted_under_fixed_headings(session: Session, world: World, board: Account) -> None:
    f = figures_of(session, board).current
    assert {(r.category, r.returns) for r in f.reasons} == {
        ("Not signed by a senior manager", 1), ("Chronology without analysis", 1), ("Dates missing or unclear", 1)}
    assert {(r.category, r.agency, r.returns) for r in f.reasons_by_agency} == {
        ("Not signed by a senior manager", "Test Health", 1), ("Chronology without analysis", "Test Police", 1),
        ("Dates missing or unclear", "Test Police", 1)}


def test_every_send_back_rounds_reason_is_counted_once_per_return(session: Session, world: World,
                                                                  board: Account) -> None:
    """Issue 14: the reasons of earlier rounds count too. Police B was sent back twice: round 1 'No senior manager's
    signature.' (kept only in its round), round 2 the reason on the row. Each heading counts the return once."""
    b_police = session.query(AgencyReturn).filter_by(review_id=world["B"].id, sent_back_count=2).one()
    session.add_all([
        AgencyReturnSendBack(agency_return_id=b_police.id, round=1, sent_back_on=D(2027, 1, 2),
                             reason="No senior manager's signature.", resubmission_due_date=D(2027, 1, 6)),
        AgencyReturnSendBack(agency_return_id=b_police.id, round=2, sent_back_on=D(2027, 1, 2),
                             reason=b_police.sent_back_reason, resubmission_due_date=D(2027, 1, 9)),
    ])
    session.flush()
    f = figures_of(session, board).current
    # Before: signature 1 (Health A), chronology 1 and dates 1 (Police B). Now Police B also counts under signature.
    assert {(r.category, r.returns) for r in f.reasons} == {
        ("Not signed by a senior manager", 2), ("Chronology without analysis", 1), ("Dates missing or unclear", 1)}
    assert ("Not signed by a senior manager", "Test Police", 1) in {
        (r.category, r.agency, r.returns) for r in f.reasons_by_agency}
    [police] = [a for a in f.returns_by_agency if a.label == "Test Police"]
    assert (police.sent_back_returns, police.send_backs) == (1, 2)


def test_the_sql_headings_match_the_python_rules(session: Session, make_account: MakeAccount, board: Account) -> None:
    """The same REASON_CATEGORIES decide in PostgreSQL (~*) as in Python (re): one return per reason."""
    officer = make_account("officer")
    reasons = ["Please have it SIGNED by the head of service", "A significant gap in the timeline",
               "No dates; chronology only", "Insufficient detail about school contacts",
               "Learning not identified", "Wrong form: use the 2026 template", "Phone me",
               "Unsigned, and no analysis", "Updated version needed"]
    agency = Agency(name="Reasons Agency", kind="health", active=True)
    session.add(agency)
    session.flush()
    for i, reason in enumerate(reasons):
        received = D(2026, 10, 1) + timedelta(days=i)
        review = add_review(session, officer, received, "other", received, None, None, None, None, None,
                            initials="QQ" + "ABCDEFGHJ"[i])
        add_return(session, review, agency, officer, requested=received, received=received, qa="sent back",
                   sent_back=1, reason=reason)
    expected: dict[str, int] = {}
    for reason in reasons:
        for heading in categorise_reason(reason):
            expected[heading] = expected.get(heading, 0) + 1
    f = figures_of(session, board, first=Q3, last=Q3, as_of=D(2026, 12, 31)).current
    assert {r.category: r.returns for r in f.reasons} == expected
    assert expected[OTHER_REASON] == 2  # "Phone me", "Updated version needed"
    assert expected["Not signed by a senior manager"] == 2  # "significant" is not "signed"


def test_headlines_compare_with_the_previous_period_of_equal_length(session: Session, world: World,
                                                                    board: Account) -> None:
    figures = figures_of(session, board)
    assert figures.previous.period.label == "2026-27 Q1 to 2026-27 Q2"
    h = {x.key: x for x in figures.headlines}
    # K (Wed 1 Jul -> Wed 22 Jul, Day 15 was Tue 21 Jul): late, 15 working days; its return 2 days late.
    assert (h["on_time"].current, h["on_time"].previous, h["on_time"].current_n, h["on_time"].previous_n) == \
        (62.5, 0.0, 8, 1)
    assert (h["median_days"].current, h["median_days"].previous) == (14, 15)
    assert h["median_days"].higher_is_better is False
    assert (h["returns_on_time"].current_n, h["returns_on_time"].previous) == (7, 0.0)
    assert (h["first_qa"].current, h["first_qa"].previous) == (60.0, 100.0)
    assert (h["minutes"].current_n, h["minutes"].previous) == (7, None)


def test_a_receipt_on_a_weekend_or_bank_holiday_counts_as_the_working_day_before(
        session: Session, make_account: MakeAccount, board: Account) -> None:
    """domain.md (issue 14): a receipt on a non-working day counts as the last working day on or before it, so a
    Saturday receipt after a Friday due date is on time, and nothing is ever "late by 0 working days"."""
    officer = make_account("officer")
    agency = Agency(name="Weekend Agency", kind="police", active=True)
    session.add(agency)
    session.flush()
    # (requested, received): due dates worked by hand (25 and 28 Dec 2026 and 1 Jan 2027 are bank holidays).
    cases = [
        (D(2027, 1, 8), D(2027, 1, 16)),     # due Fri 15 Jan; Sat 16 Jan = Fri 15: on time
        (D(2027, 1, 8), D(2027, 1, 17)),     # Sun 17 Jan = Fri 15: on time
        (D(2027, 1, 8), D(2027, 1, 18)),     # Mon 18 Jan: 1 working day late
        (D(2026, 12, 17), D(2026, 12, 25)),  # due Thu 24 Dec; Christmas Day = Thu 24: on time
        (D(2026, 12, 17), D(2026, 12, 28)),  # Mon 28 Dec (bank holiday) = Thu 24: on time
        (D(2026, 12, 17), D(2026, 12, 29)),  # Tue 29 Dec: 1 working day late
        (D(2026, 12, 16), D(2027, 1, 2)),    # due Wed 23 Dec; Sat 2 Jan = Thu 31 Dec: 24, 29, 30, 31 = 4 late
    ]
    for i, (requested, received) in enumerate(cases):
        review = add_review(session, officer, requested, "other", requested, None, None, None, None, None,
                            initials="WQ" + "ABCDEFG"[i])
        add_return(session, review, agency, officer, requested=requested, received=received)
    f = figures_of(session, board).current
    [weekend] = [a for a in f.returns_by_agency if a.label == "Weekend Agency"]
    assert (weekend.returns, weekend.on_time, weekend.late_received) == (7, 4, 3)
    assert (weekend.median_days_late, weekend.max_days_late) == (1, 4)


def test_minutes_of_every_meeting_count_against_the_next_working_day(session: Session, make_account: MakeAccount,
                                                                     board: Account) -> None:
    """domain.md (issue 14): the minutes of pre-meets and of the executive findings meeting count as well as the Rapid
    Review meeting's (whose count comes from its milestones, as the review's RAG reads them)."""
    officer = make_account("officer")

    def meeting(review: Review, kind: str, held: date, circulated: date | None = None) -> None:
        session.add(Meeting(review_id=review.id, kind=kind, held_on=held, minutes_circulated_on=circulated,
                            chair_name=None if kind == "pre_meet" else "JCR Chair", created_by_id=officer.id,
                            updated_by_id=officer.id))

    # X (received Mon 4 Jan 2027, Q4): the Rapid Review meeting Wed 13 Jan, minutes Thu 14 Jan: on time (its row
    # is there too, and counts once); a pre-meet Thu 7 Jan, minutes Fri 8 Jan: on time; a pre-meet Fri 8 Jan,
    # minutes Tue 12 Jan (due Mon 11 Jan): late; the executive findings meeting Thu 14 Jan, no minutes by today
    # (Mon 1 Feb): late.
    x = add_review(session, officer, D(2027, 1, 4), "other", D(2027, 1, 4), None, None, D(2027, 1, 13),
                   D(2027, 1, 14), None, initials="MQX")
    meeting(x, "rr_meeting", D(2027, 1, 13), D(2027, 1, 14))
    meeting(x, "pre_meet", D(2027, 1, 7), D(2027, 1, 8))
    meeting(x, "pre_meet", D(2027, 1, 8), D(2027, 1, 12))
    meeting(x, "exec_meeting", D(2027, 1, 14))
    # Y (received Fri 18 Dec 2026, Q3), no Rapid Review meeting yet: the executive findings meeting Thu 31 Dec,
    # minutes Mon 4 Jan (1 Jan is a bank holiday): on time; a pre-meet Wed 23 Dec, minutes Thu 24 Dec: on time.
    y = add_review(session, officer, D(2026, 12, 18), "other", D(2026, 12, 18), None, None, None, None, None,
                   initials="MQY")
    meeting(y, "exec_meeting", D(2026, 12, 31), D(2027, 1, 4))
    meeting(y, "pre_meet", D(2026, 12, 23), D(2026, 12, 24))
    # Z (received Mon 25 Jan 2027, Q4): a pre-meet Fri 29 Jan, minutes due Mon 1 Feb = today: not yet due.
    z = add_review(session, officer, D(2027, 1, 25), "other", D(2027, 1, 25), None, None, None, None, None,
                   initials="MQZ")
    meeting(z, "pre_meet", D(2027, 1, 29))
    session.flush()
    f = figures_of(session, board).current
    q3, q4 = f.by_quarter
    assert (q3.meetings, q3.minutes_on_time, q3.minutes_late, q3.minutes_missing_late, q3.minutes_not_yet_due) == \
        (2, 2, 0, 0, 0)
    assert (q4.meetings, q4.minutes_on_time, q4.minutes_late, q4.minutes_missing_late, q4.minutes_not_yet_due) == \
        (5, 2, 1, 1, 1)
    assert (f.total.minutes_rate.met, f.total.minutes_rate.counted) == (4, 6)


def test_closure_days_move_day_15_the_sin_and_the_returns(session: Session, make_account: MakeAccount,
                                                          board: Account) -> None:
    """domain.md: received Fri 18 Dec 2026 with closure days 29-31 Dec: returns due Mon 4 Jan, review due Fri 15 Jan
    (Tue 12 Jan without them)."""
    officer = make_account("officer")
    review = add_review(session, officer, D(2026, 12, 18), "other", D(2026, 12, 18), D(2026, 12, 30),
                        D(2027, 1, 14), None, None, None, initials="QCQ")
    agency = Agency(name="Closure Agency", kind="police", active=True)
    session.add(agency)
    session.flush()
    add_return(session, review, agency, officer, requested=D(2026, 12, 18), received=D(2026, 12, 31))
    before = figures_of(session, board).current
    # Thu 14 Jan = Day 17 (16 working days after Day 1): late. SIN due Tue 29 Dec, made Wed 30: late. The return,
    # due Tue 29 Dec, came Thu 31 Dec: 2 working days late.
    assert (before.total.on_time, before.total.submitted_late, before.total.wd_median) == (0, 1, 16)
    assert (before.total.sin_on_time, before.total.sin_late) == (0, 1)
    assert (before.returns_total.on_time, before.returns_total.max_days_late) == (0, 2)
    session.add_all([ClosureDay(closed_on=D(2026, 12, d), reason="Council closure") for d in (29, 30, 31)])
    session.flush()
    after = figures_of(session, board).current
    # Day 15 is now Fri 15 Jan: Thu 14 Jan is Day 14 (13 working days). SIN due Mon 4 Jan: on time (30 Dec is a
    # closed day, so it counts on Mon 4 Jan). The return is due Mon 4 Jan: on time.
    assert (after.total.on_time, after.total.submitted_late, after.total.wd_median) == (1, 0, 13)
    assert (after.total.sin_on_time, after.total.sin_late) == (1, 0)
    assert (after.returns_total.on_time, after.returns_total.late_received) == (1, 0)


def test_figures_agree_with_the_python_calendar_on_random_data(session: Session, make_account: MakeAccount,
                                                               board: Account) -> None:
    """200 random reviews and returns around two Christmases, with closure days: the SQL counts equal the ones
    the app's own rules (services.working_days, plan, reviews, returns) give case by case."""
    rng = random.Random(7)
    officer = make_account("officer")
    agency = Agency(name="Random Agency", kind="health", active=True)
    session.add(agency)
    closures = [D(2026, 12, 29), D(2026, 12, 30), D(2027, 4, 1)]
    session.add_all([ClosureDay(closed_on=d, reason="closure") for d in closures])
    session.flush()
    cal = WorkingCalendar(closures)
    as_of = D(2027, 6, 30)
    expected = {"on_time": 0, "late": 0, "overdue": 0, "sin_on_time": 0, "ret_on_time": 0, "ret_late": 0}
    wds: list[int] = []
    days_late: list[int] = []
    for i in range(200):
        received = D(2026, 10, 1) + timedelta(days=rng.randint(0, 250))
        aware = received - timedelta(days=rng.randint(0, 6))
        sin = aware + timedelta(days=rng.randint(0, 12))
        submitted = received + timedelta(days=rng.randint(10, 30)) if rng.random() < 0.8 else None
        if submitted and submitted > as_of:
            submitted = None
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(3))
        review = add_review(session, officer, received, "other", aware, sin, submitted, None, None, None,
                            initials=letters, suffix=f"-{i + 2}")
        due = review_due_date(cal, received)
        if submitted:
            # A submission on a non-working day counts as the last working day before it (domain.md, issue 14).
            expected["on_time" if cal.day_number(received, submitted) <= 15 else "late"] += 1
            wds.append(cal.day_number(received, submitted) - 1)
        elif as_of > due:
            expected["overdue"] += 1
        if sin_timeliness(cal, aware, sin, as_of) == "on time":
            expected["sin_on_time"] += 1
        requested = received + timedelta(days=rng.randint(0, 3))
        got = requested + timedelta(days=rng.randint(0, 14))
        add_return(session, review, agency, officer, requested=requested, received=got)
        ret_due = return_due_date(cal, requested)
        # A receipt on a non-working day counts as the last working day on or before it: the working days after
        # the due date up to the receipt.
        late_by = cal.working_days_between(ret_due, got)
        if late_by == 0:
            expected["ret_on_time"] += 1
        else:
            expected["ret_late"] += 1
            days_late.append(late_by)
    f = figures_of(session, board, first=Quarter(2026, 3), last=Quarter(2027, 1), as_of=as_of).current
    t = f.total
    assert (t.on_time, t.submitted_late, t.overdue, t.sin_on_time) == (
        expected["on_time"], expected["late"], expected["overdue"], expected["sin_on_time"])
    assert sorted(w for s in f.spread for w in [s.working_days] * s.reviews) == sorted(wds)
    assert (f.returns_total.on_time, f.returns_total.late_received) == (expected["ret_on_time"], expected["ret_late"])
    assert f.returns_total.max_days_late == max(days_late) and min(days_late) >= 1


# ------------------------------------------------------------------ the aggregation stays in SQL


def test_every_query_is_an_aggregate(session: Session, world: World, board: Account) -> None:
    """No statement reads case rows into Python: each one groups or takes min/max, and no result has a column
    that could carry a case (an id, a reference, initials, a reason, a note)."""
    seen: list[tuple[str, list[str], int]] = []

    def capture(conn: Connection, cursor: psycopg.Cursor[tuple[object, ...]], statement: str, parameters: object,
                context: ExecutionContext | None, executemany: bool) -> None:
        seen.append((statement, [c.name for c in cursor.description or []], cursor.rowcount))

    engine = session.get_bind().engine
    event.listen(engine, "after_cursor_execute", capture)
    try:
        figures_of(session, board)
    finally:
        event.remove(engine, "after_cursor_execute", capture)
    case_reads = [(s, cols, n) for s, cols, n in seen if "FROM reviews" in s or "FROM agency_returns" in s]
    assert len(case_reads) == 9  # the calendar's bounds; then reviews, spread, returns, reasons for each period
    forbidden = {"id", "review_id", "case_reference", "initials", "reason", "sent_back_reason", "lcspr_reason",
                 "note", "summary", "notification_received_date", "submitted_to_panel_date"}
    for statement, columns, rows in case_reads:
        assert "GROUP BY" in statement or "min(" in statement, statement[:200]
        assert not forbidden & set(columns), columns
        assert rows <= 12, (rows, statement[:200])  # a few rows per quarter or agency, never one per case


# ------------------------------------------------------------------ nothing of a case leaves the service


def _secrets(world: World) -> list[str]:
    found = [SECRET_WORD]
    for review in world.reviews.values():
        found.append(review.case_reference)
        found.extend(child.initials for child in review.children)
    return found


def test_no_output_carries_a_case_reference_initials_or_free_text(session: Session, world: World,
                                                                  board: Account) -> None:
    from plotly.offline import get_plotlyjs

    figures = figures_of(session, board)
    secrets = _secrets(world)
    assert "181226QZX" in secrets and "QZX" in secrets
    charts = board_charts(figures)
    outputs = {
        "figures": json.dumps(asdict(figures), default=str),
        "sections": json.dumps([asdict(s) for s in board_sections(figures)], default=str),
        "charts": json.dumps([fig.to_plotly_json() for fig in charts.values()], default=str),
        "csv": figures_csv(figures).decode("utf-8-sig"),
        # The pack embeds plotly.js itself (minified library code): look at everything else.
        "pack": board_pack_html(figures).replace(get_plotlyjs(), ""),
    }
    for name, output in outputs.items():
        leaked = [s for s in secrets if s in output]
        assert leaked == [], f"{name} carries {leaked}"
    # ...and they do carry the figures.
    assert "62.5" in outputs["csv"] and "Test Police" in outputs["pack"] and "63%" in outputs["pack"]


def test_the_csv_has_one_number_per_row(session: Session, world: World, board: Account) -> None:
    rows = list(csv.reader(io.StringIO(figures_csv(figures_of(session, board)).decode("utf-8-sig"))))
    assert rows[0] == ["Figure", "Row", "Measure", "Value"]
    lookup = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert lookup[("Rapid reviews at the Panel by Day 15", "2026-27 Q3", "On time")] == "3"
    assert lookup[("Rapid reviews at the Panel by Day 15", "Whole period (2026-27 Q3 to 2026-27 Q4)",
                   "On time (%)")] == "62.5"
    assert lookup[("Agency returns on time and accepted at first QA, by agency", "Test School",
                   "Most working days late")] == "3"
    assert lookup[("Why returns were sent back", "Dates missing or unclear", "Test Police")] == "1"


def test_an_agency_name_that_looks_like_a_formula_is_quoted_in_the_csv(session: Session, world: World,
                                                                       board: Account) -> None:
    agency = Agency(name='=HYPERLINK("x")', kind="health", active=True)
    session.add(agency)
    session.flush()
    add_return(session, world["C"], agency, world.officer, requested=D(2026, 12, 21), received=D(2026, 12, 22))
    text_ = figures_csv(figures_of(session, board)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text_
    assert all(not cell.startswith("=") for row in csv.reader(io.StringIO(text_)) for cell in row)


def test_the_pack_is_self_contained_and_prints_on_a4(session: Session, world: World, board: Account) -> None:
    from plotly.offline import get_plotlyjs

    pack = board_pack_html(figures_of(session, board))
    assert pack.startswith("<!DOCTYPE html>") and "@page { size: A4" in pack
    assert get_plotlyjs() in pack and "<script src=" not in pack  # plotly.js is inside the file, not fetched
    assert pack.replace(get_plotlyjs(), "").count("Plotly.newPlot(") == 8
    assert "5 of 8 rapid reviews due (63%) reached the National Panel" in pack
    words_only = board_pack_html(figures_of(session, board), include_charts=False)
    assert "Plotly" not in words_only and "5 of 8 rapid reviews due" in words_only


# ------------------------------------------------------------------ words, periods and roles


def test_words_say_small_numbers_plainly(session: Session, world: World, board: Account) -> None:
    sections = {s.key: s for s in board_sections(figures_of(session, board))}
    on_time = " ".join(sections["on_time"].words)
    assert "5 of 8 rapid reviews due (63%) reached the National Panel by the end of Day 15" in on_time
    assert "3 were late, 1 of them not yet submitted." in on_time
    assert "2 more reviews are still within the 15 working days" in on_time
    assert "n = 8 reviews. Small numbers: one review moves a rate by 13 percentage points." in on_time
    assert "2026-27 Q3 60% (n = 5); 2026-27 Q4 67% (n = 3)" in on_time
    spread = " ".join(sections["spread"].words)
    assert "Median 14 working days from Day 1 to submission; the quickest took 10, the slowest 20, and the middle " \
           "half took 14 to 14.5." in spread
    returns = " ".join(sections["returns"].words)
    assert "3 of 7 agency returns due (43%) arrived within 5 working days" in returns
    assert "Lowest on-time rate: Test School, 0% (0 of 1)." in returns
    assert "n = 8 returns from 4 reviews" in returns
    reasons = " ".join(sections["reasons"].words)
    assert "2 returns were sent back for more work (3 send-backs in all)." in reasons
    assert "n = 2 returns sent back. Small numbers: read with care." in reasons


def test_an_empty_period_reads_plainly(session: Session, board: Account) -> None:
    figures = figures_of(session, board, first=Quarter(2020, 1), last=Quarter(2020, 1))
    sections = {s.key: s for s in board_sections(figures)}
    assert sections["on_time"].words[0].startswith("No rapid review received in 2020-21 Q1 has reached its Day 15")
    assert sections["returns"].words[0] == "No agency return was asked for on the reviews of 2020-21 Q1."
    assert "n = 0 reviews." in sections["on_time"].words
    figures_csv(figures)
    board_pack_html(figures)


def test_a_period_must_run_forwards_and_have_started(session: Session, board: Account) -> None:
    with pytest.raises(InvalidInput, match="comes after the last"):
        figures_of(session, board, first=Q4, last=Q3)
    with pytest.raises(InvalidInput, match="has not started yet"):
        figures_of(session, board, first=Q3, last=Quarter(2027, 1))


def test_the_filter_offers_quarters_from_the_first_notification(session: Session, world: World, board: Account) -> None:
    quarters = board_quarters(session, board, as_of=AS_OF)
    # The default period (2025-26 Q4 to 2026-27 Q4) starts before the first notification (K, 2026-27 Q2).
    assert quarters[0] == Quarter(2025, 4) and quarters[-1] == Q4 and len(quarters) == 5
    add_review(session, world.officer, D(2024, 5, 1), "other", D(2024, 5, 1), None, None, None, None, None,
               initials="QOQ")
    assert board_quarters(session, board, as_of=AS_OF)[0] == Quarter(2024, 1)


@pytest.mark.parametrize("role", ["officer", "chair", "admin"])
def test_only_the_board_and_the_manager_see_the_figures(session: Session, make_account: MakeAccount, role: str) -> None:
    with pytest.raises(NotAllowed):
        figures_of(session, make_account(role))
    figures_of(session, make_account("manager"))
    figures_of(session, make_account("board"))


# ------------------------------------------------------------------ a withdrawn review (issue 26)


def test_a_withdrawn_review_is_counted_apart_never_late_and_in_no_timeliness_figure(session: Session, world: World,
                                                                                    board: Account,
                                                                                    manager: Account) -> None:
    # W: received Tue 5 Jan 2027 (Q4), a death notification opened in error and withdrawn on Wed 6 Jan. Had it
    # counted, on 1 Feb it would be overdue (Day 15 Mon 25 Jan, not submitted), its SIN missing and late (aware Tue
    # 5 Jan, due Tue 12 Jan), its meeting's minutes missing and late (held Wed 6 Jan), and its Police return
    # (requested Tue 5 Jan) sent back once with a reason of its own.
    reasons_without_w = figures_of(session, board).current.reasons
    w = add_review(session, world.officer, D(2027, 1, 5), "death", D(2027, 1, 5), None, None, D(2027, 1, 6), None,
                   None, initials="WWW")
    police = session.query(Agency).filter_by(name="Test Police").one()
    add_return(session, w, police, world.officer, requested=D(2027, 1, 5), received=D(2027, 1, 6), qa="sent back",
               sent_back=1, reason="Thin: chronology only")
    w.state, w.withdrawn_on, w.withdrawn_by_id, w.withdrawn_reason = "withdrawn", D(2027, 1, 6), manager.id, "duplicate"
    session.flush()
    f = figures_of(session, board).current
    q3, q4 = f.by_quarter
    # Q4 as without W (hand-worked above): 5 notified (F, G, H, I, J), 1 death (G), 1 overdue (G), 2 in progress.
    assert (q4.notified, q4.death, q4.submitted, q4.on_time, q4.submitted_late, q4.overdue, q4.in_progress) == \
        (5, 1, 2, 2, 0, 1, 2)
    assert (q4.sin_on_time, q4.sin_late, q4.sin_missing_late, q4.sin_not_yet_due) == (3, 0, 1, 1)
    assert (q3.withdrawn, q4.withdrawn, f.total.withdrawn) == (0, 1, 1)
    assert (f.total.notified, f.total.sin_rate.met, f.total.sin_rate.counted) == (10, 6, 9)
    assert (f.total.on_time_rate.met, f.total.on_time_rate.counted) == (5, 8)
    # Minutes: Q4 as without W (F and J on time, G late, I not yet due); W's meeting of Wed 6 Jan counts nowhere.
    assert (q4.meetings, q4.minutes_on_time, q4.minutes_late, q4.minutes_missing_late, q4.minutes_not_yet_due) == \
        (4, 2, 1, 0, 1)
    # Its Police return is in no return figure: Police's are A's, B's and G's as before (3 returns; B's sent back
    # twice), and the send-backs are A's Health (1) and B's Police (2): 3, none of W's.
    police_figures = {r.label: r for r in f.returns_by_agency}["Test Police"]
    assert (police_figures.returns, police_figures.qa_decided, police_figures.sent_back_returns,
            police_figures.send_backs) == (3, 2, 1, 2)
    assert f.returns_total.send_backs == 3
    assert f.reasons == reasons_without_w
    words = {s.key: s for s in board_sections(figures_of(session, board))}["notifications"]
    assert any("Withdrawn, counted apart: 1 review" in w for w in words.words)
    assert words.columns[-1] == "Withdrawn (apart)"
