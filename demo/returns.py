"""Fictional demo agency returns for the demo reviews: every state, sent back and late included.

Recorded through the services (so every step has its daily log entry), as the demo officer and manager.
Past reviews get theirs while they are still open (before the Panel's response closes them), so the
board figures have three years of returns: the hospital trust is often late, GP practices are often
sent back, for varied reasons.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from db.enums import FinalQaOutcome, FolderSection, InitialCheckOutcome, ReturnEnding, ReviewState
from db.models import Account, Review
from db.models_returns import AgencyReturn
from demo.cast import DemoCast
from services.agencies import AgencyRead, list_agencies
from services.returns import chasing, service_receipts
from services.returns import service as svc
from services.settings_reads import load_calendar
from services.working_days import WorkingCalendar

Script = tuple[Any, ...]
OnDay = Callable[..., date]

ROLES_BY_KIND = {
    "local authority": "Head of Service",
    "police": "Detective Chief Inspector",
    "health": "Designated Nurse for Safeguarding",
    "education": "Head of Education Safeguarding",
    "justice": "Service Manager",
}
STATUTORY = ("Children's Social Care", "Demoshire Police", "Demoshire Integrated Care Board")
SUMMARY = ("Fictional demo text. The agency knew the family through {n} contacts in the last year. Learning: "
           "information was held but not shared with partners before the incident; the agency has since added a "
           "prompt to its supervision records.")

# What each agency's return has reached, by the review's Day on the working day the demo is set on. Numbers are
# Days of the review; requests go on Day 1, due on Day 6.
# ("awaiting",) | ("awaiting", chase_day) | ("received", day) | ("checked", received, checked, concerns)
# | ("accepted", received, checked, qa, shared) | ("sent back", received, checked, qa, new_due)
# | ("resubmitted", received, checked, qa, new_due, resubmitted, accepted_or_None)
# | ("no return", chase_day, closed_day) | ("withdrawn", closed_day)   (closed by the manager, issue 14)
# A return received before that Day is checked by it (one left unchecked is red), so only the reviews meant to be
# amber or red have a return at risk: Day 5 (returns due on the next working day, one just arrived, unchecked) and
# Day 8 (one never received, after a chase).
PLANS: dict[int, list[Script]] = {
    1: [("awaiting",), ("awaiting",), ("awaiting",), ("awaiting",), ("awaiting",)],
    2: [("awaiting",), ("awaiting",), ("awaiting",), ("awaiting",), ("checked", 2, 2, False)],
    3: [("awaiting",), ("awaiting",), ("accepted", 2, 2, 3, 2), ("checked", 2, 3, True), ("accepted", 3, 3, 3, 3)],
    4: [("awaiting",), ("withdrawn", 2), ("accepted", 2, 2, 3, 2), ("accepted", 3, 3, 4, 3), ("checked", 4, 4, False),
        ("sent back", 3, 3, 4, 7)],
    5: [("awaiting",), ("accepted", 2, 2, 3, 2), ("accepted", 3, 3, 4, 5), ("checked", 4, 4, True),
        ("sent back", 3, 3, 4, 7), ("received", 5)],
    8: [("awaiting", 7), ("no return", 7, 8), ("sent back", 4, 4, 5, 9), ("accepted", 4, 4, 5, 4),
        ("accepted", 7, 7, 8, 7), ("resubmitted", 3, 3, 4, 6, 7, 8)],
}
ALL_ACCEPTED = [("accepted", 3, 3, 4, 3), ("accepted", 5, 5, 6, 5), ("accepted", 7, 7, 8, 8),
                ("resubmitted", 4, 4, 5, 7, 7, 8), ("accepted", 6, 6, 6, 6), ("accepted", 2, 2, 3, 2)]


def _plan_for(day: int, state: str) -> list[Script]:
    if state != ReviewState.OPEN or day >= 9:
        return ALL_ACCEPTED
    return PLANS[max(d for d in PLANS if d <= max(day, 1))]


def _chosen_agencies(rng: random.Random, agencies: list[AgencyRead], count: int) -> list[AgencyRead]:
    statutory = [a for a in agencies if a.name in STATUTORY]
    others = [a for a in agencies if a.name not in STATUTORY]
    rng.shuffle(others)
    return (statutory + others)[:count]


def load_demo_returns(session: Session, cast: DemoCast, live: list[Review], *, as_of: date,
                      seed: int = 2026) -> dict[int, list[int]]:
    """Give the demo's live reviews their returns, in every state; returns the agencies asked, by review (in the
    order they were asked)."""
    rng = random.Random(seed + 5)
    agencies = list_agencies(session, cast.officer, active_only=True)
    cal = load_calendar(session)
    reviews = sorted(live, key=lambda r: r.notification_received_date, reverse=True)
    asked: dict[int, list[int]] = {}
    for review in reviews:
        day_today = cal.day_number(review.notification_received_date, as_of)
        if day_today < 1:
            continue
        plan = _plan_for(day_today, review.state)
        chosen = _chosen_agencies(rng, agencies, len(plan))
        on_day = _day_dates(cal, review, as_of)
        asked[review.id] = [a.id for a in chosen]
        rets = svc.record_returns_requested(session, cast.officer, review_id=review.id, agency_ids=asked[review.id],
                                            requested_on=on_day(1), as_of=as_of)
        by_agency = {r.agency_id: r for r in rets}
        for agency, script in zip(chosen, plan, strict=False):
            _play(session, cast, by_agency[agency.id], review, agency, script, on_day, as_of, rng)
    return asked


# Reasons a past return was sent back (fictional; no case detail), one picked at random.
HISTORY_REASONS = (
    "Not signed by a senior manager: please have it signed and send it again.",
    "A chronology without analysis: add what the agency has learned.",
    "Not enough detail about the agency's contact with the family.",
    "The learning for the agency is not identified.",
    "The old scoping template was used: please use the current form.",
    "Please check the period covered; it stops before the incident.",
)
OFTEN_LATE = "Demoshire Hospitals NHS Trust"
OFTEN_SENT_BACK = "GP practices"


def _history_script(agency: AgencyRead, rng: random.Random) -> Script:
    """What happened to one past return, in Days of its review."""
    if agency.name == OFTEN_LATE and rng.random() < 0.6:
        received = rng.choice([7, 8, 9])
        return ("accepted", received, received, received + 1, received)
    if (agency.name == OFTEN_SENT_BACK and rng.random() < 0.5) or rng.random() < 0.08:
        return ("resubmitted", 5, 5, 6, 8, 8, 9)
    received = rng.choice([3, 4, 5, 6, 6])
    return ("accepted", received, received, min(received + 1, 7), received)


def load_demo_return_history(session: Session, cast: DemoCast, *, review: Review, as_of: date,
                             rng: random.Random) -> None:
    """Returns for a past review, all settled before its submission."""
    agencies = list_agencies(session, cast.officer, active_only=True)
    chosen = _chosen_agencies(rng, agencies, rng.randint(5, 7))
    if not any(a.name == OFTEN_LATE for a in chosen):
        chosen[-1] = next(a for a in agencies if a.name == OFTEN_LATE)
    on_day = _day_dates(load_calendar(session), review, as_of)
    rets = svc.record_returns_requested(session, cast.officer, review_id=review.id,
                                        agency_ids=[a.id for a in chosen], requested_on=on_day(1), as_of=as_of)
    by_agency = {r.agency_id: r for r in rets}
    for agency in chosen:
        _play(session, cast, by_agency[agency.id], review, agency, _history_script(agency, rng), on_day, as_of,
              rng, reason=rng.choice(HISTORY_REASONS))


def _day_dates(cal: WorkingCalendar, review: Review, as_of: date) -> OnDay:
    def on_day(n: int, clip: bool = True) -> date:
        """The date of Day n; a past event is never later than today (a due date may be)."""
        day = cal.day_n(review.notification_received_date, n)
        return min(as_of, day) if clip else day

    return on_day


def _v(ret: AgencyReturn) -> int:
    """The version the next step is made against: each service moves it on in this session's copy of the return."""
    return ret.version


def _play(session: Session, cast: DemoCast, ret: AgencyReturn, review: Review, agency: AgencyRead, script: Script,
          on_day: OnDay, as_of: date, rng: random.Random,
          reason: str = "Dates of contact are missing and it is a chronology without analysis: add both.") -> None:
    officer, manager = cast.officer, cast.manager
    kind = script[0]
    if kind == "awaiting":
        if len(script) > 1:
            chasing.record_chase(session, officer, return_id=ret.id, as_of=on_day(script[1]))
        return
    if kind == "no return":
        chasing.record_chase(session, officer, return_id=ret.id, as_of=on_day(script[1]))
        svc.close_return_without_receipt(
            session, manager, return_id=ret.id, expected_version=_v(ret), ending=ReturnEnding.NO_RETURN,
            ended_on=on_day(script[2]), as_of=as_of,
            reason="Fictional demo text. No reply by the due date after a chase; the lead was on long-term leave.")
        return
    if kind == "withdrawn":
        svc.close_return_without_receipt(
            session, manager, return_id=ret.id, expected_version=_v(ret), ending=ReturnEnding.WITHDRAWN,
            ended_on=on_day(script[1]), as_of=as_of,
            reason="Fictional demo text. Asked in error: the agency had no involvement with the family.")
        return
    role = ROLES_BY_KIND.get(agency.kind, "Head of Service")
    signed = not (kind == "checked" and script[3])  # the return with concerns came unsigned
    service_receipts.record_return_received(session, officer, return_id=ret.id, expected_version=_v(ret),
                               received_on=on_day(script[1]), signed_by_senior_manager=signed,
                               signatory_role=role if signed else "", as_of=as_of)
    if kind == "received":
        return
    shared_day = script[4] if kind == "accepted" else script[1]
    concerns = kind in ("sent back", "resubmitted") or (kind == "checked" and script[3])
    _check(session, officer, ret, on_day(script[2]), concerns=concerns, signed=signed, as_of=as_of)
    svc.record_shared_with_chair(session, officer, return_id=ret.id, expected_version=_v(ret),
                                 shared_on=on_day(shared_day), as_of=as_of)
    if kind == "checked":
        return
    if kind == "accepted":
        _accept_and_file(session, cast, ret, review, agency, on_day(script[3]), as_of, rng)
        return
    svc.record_final_qa(session, manager, return_id=ret.id, expected_version=_v(ret),
                        decided_on=on_day(script[3]), outcome=FinalQaOutcome.SENT_BACK,
                        reason=reason,
                        new_due_date=on_day(script[4], clip=False), as_of=as_of)
    if kind == "sent back":
        return
    service_receipts.record_resubmission_received(session, officer, return_id=ret.id, expected_version=_v(ret),
                                     received_on=on_day(script[5]), signed_by_senior_manager=True,
                                     signatory_role=role, as_of=as_of)
    if script[6] is None:
        return
    _check(session, officer, ret, on_day(script[5]), concerns=False, signed=True, as_of=as_of)
    svc.record_shared_with_chair(session, officer, return_id=ret.id, expected_version=_v(ret),
                                 shared_on=on_day(script[5]), as_of=as_of)
    _accept_and_file(session, cast, ret, review, agency, on_day(script[6]), as_of, rng)


def _check(session: Session, officer: Account, ret: AgencyReturn, checked_on: date, *, concerns: bool, signed: bool,
           as_of: date) -> None:
    svc.record_initial_check(
        session, officer, return_id=ret.id, expected_version=_v(ret), checked_on=checked_on,
        sufficient_information=True, dates_present=not concerns, analysis=not concerns, signed=signed,
        outcome=InitialCheckOutcome.CONCERNS if concerns or not signed else InitialCheckOutcome.SATISFACTORY,
        note="Contact dates missing; mostly a chronology." if concerns else ("Not signed." if not signed else ""),
        as_of=as_of,
    )


def _accept_and_file(session: Session, cast: DemoCast, ret: AgencyReturn, review: Review, agency: AgencyRead,
                     decided_on: date, as_of: date, rng: random.Random) -> None:
    officer = cast.officer
    svc.record_final_qa(session, cast.manager, return_id=ret.id, expected_version=_v(ret), decided_on=decided_on,
                        outcome=FinalQaOutcome.ACCEPTED, as_of=as_of)
    svc.record_file_location(session, officer, return_id=ret.id, expected_version=_v(ret),
                             file_section=FolderSection.NOTIFICATION_AND_SCOPING,
                             file_path=f"I. Notification and scoping/{review.case_reference} {agency.name} "
                             "scoping return.docx")
    svc.record_summary(session, officer, return_id=ret.id, expected_version=_v(ret),
                       summary=SUMMARY.format(n=rng.randint(2, 9)))
