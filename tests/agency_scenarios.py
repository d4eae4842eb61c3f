"""Agency-exchange scenarios shared by the tests: one review's returns brought, through the public services, to the
stages the Day 6 pack collates. Used on the integration tests' rolled-back session and on the app tests' committed
databases alike (the caller opens and commits the transaction).

The scenario (review received Fri 18 Dec 2026, case reference 181226AB; the forms sent that day, due Tue 29 Dec):
- Demoshire Police, through its link: round 1 sent Tue 22 Dec without the analysis, sent back that day; round 2
  sent Wed 23 Dec with the analysis and a PDF, accepted Wed 23 Dec;
- GP practices, through its link: sent Tue 22 Dec, the optional section left blank, accepted Tue 22 Dec;
- Schools, asked by email (no link): received by email Tue 22 Dec, accepted Wed 23 Dec, filed in the case folder;
- Youth Offending Service, through its link: nothing sent yet.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Agency
from db.models_agency import FormSection, FormVersion, SectionKind
from services.agency_exchange import (
    ConfirmationInput,
    attach_agency_document,
    record_forms_sent_with_links,
    submit_agency_return,
)
from services.returns import (
    record_file_location,
    record_final_qa,
    record_initial_check,
    record_return_received,
    record_returns_requested,
)
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review

FRI_18_DEC = date(2026, 12, 18)
TUE_22_DEC = date(2026, 12, 22)
WED_23_DEC = date(2026, 12, 23)
TUE_29_DEC = date(2026, 12, 29)
CASE_REFERENCE = "181226AB"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"  # 50 bytes
POLICE, GP, SCHOOLS, YOUTH = "Demoshire Police", "GP practices", "Schools", "Youth Offending Service"
OPTIONAL_KEY, OPTIONAL_HEADING = "other", "Anything else the review should know"
SEND_BACK_REASON = "Add the analysis of practice."
SCHOOLS_FILE = "Scoping/Schools return.pdf"

POLICE_ROUND_1 = {"involvement": "Two call-outs to the home; one referral to CSC.",
                  "key_dates": "12/03/2026: call-out to the home.", "analysis": "",
                  "learning": "Share call-outs with health visiting.", OPTIONAL_KEY: "Nothing further."}
POLICE_ROUND_2 = {**POLICE_ROUND_1, "analysis": "The second call-out was not linked to the first."}
GP_ANSWERS = {"involvement": "Registered since birth; three appointments.",
              "key_dates": "02/02/2026: six-week check.", "analysis": "Appointments were kept; no concerns noted.",
              "learning": "Record who attends with the child."}


def confirmed(on: date) -> ConfirmationInput:
    """The senior manager's confirmation, given in full on `on`."""
    return ConfirmationInput(name="A Jones", role="Head of Safeguarding", confirmed_on=on, confirmed=True)


@dataclass(frozen=True)
class Day6Scenario:
    """The review and its four returns' ids (and the live links' tokens)."""

    review_id: int
    police: int
    gp: int
    schools: int
    youth: int
    youth_token: str


def add_form_with_an_optional_section(session: Session) -> FormVersion:
    """Form version 2: version 1's sections with an optional one before the confirmation (new links are sent with
    the highest version)."""
    first = session.scalars(select(FormVersion).where(FormVersion.number == 1)).one()
    version = FormVersion(number=2, note="With an optional section.")
    session.add(version)
    session.flush()
    position = 0
    for section in session.scalars(select(FormSection).where(FormSection.form_version_id == first.id)
                                   .order_by(FormSection.position)):
        if section.kind == SectionKind.CONFIRMATION:
            position += 1
            session.add(FormSection(form_version_id=version.id, position=position, key=OPTIONAL_KEY,
                                    kind=SectionKind.TEXT, heading=OPTIONAL_HEADING, guidance="", required=False))
        position += 1
        session.add(FormSection(form_version_id=version.id, position=position, key=section.key, kind=section.kind,
                                heading=section.heading, guidance=section.guidance, required=section.required))
    session.flush()
    return version


def _check_and_accept(session: Session, officer: Account, manager: Account, return_id: int, on: date) -> None:
    record_initial_check(session, officer, return_id=return_id, expected_version=None, checked_on=on,
                         sufficient_information=True, dates_present=True, analysis=True, signed=True,
                         outcome="satisfactory", as_of=on)
    record_final_qa(session, manager, return_id=return_id, expected_version=None, decided_on=on, outcome="accepted",
                    as_of=on)


def day6_scenario(session: Session, officer: Account, manager: Account, *,
                  gp_answers: Mapping[str, str] = GP_ANSWERS) -> Day6Scenario:
    """The scenario of the module's docstring; `gp_answers` replaces what the GP practices send."""
    agencies = {name: Agency(name=name, kind="health", contact_email=f"{name.split()[0].lower()}@example.org",
                             active=True) for name in (POLICE, GP, SCHOOLS, YOUTH)}
    session.add_all(agencies.values())
    session.flush()
    add_form_with_an_optional_section(session)
    review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                         csc_aware_date=date(2026, 12, 15), notification_received_date=FRI_18_DEC,
                         children=[ChildEntry("AB", 5)], as_of=FRI_18_DEC)
    police, gp, youth = record_forms_sent_with_links(
        session, officer, review_id=review.id, agency_ids=[agencies[n].id for n in (POLICE, GP, YOUTH)],
        requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    [schools] = record_returns_requested(session, officer, review_id=review.id, agency_ids=[agencies[SCHOOLS].id],
                                         requested_on=FRI_18_DEC, as_of=FRI_18_DEC)

    submit_agency_return(session, token=police.token, author_name="J Smith", answers=POLICE_ROUND_1,
                         confirmation=confirmed(TUE_22_DEC), as_of=TUE_22_DEC)
    record_initial_check(session, officer, return_id=police.return_id, expected_version=None, checked_on=TUE_22_DEC,
                         sufficient_information=False, dates_present=True, analysis=False, signed=True,
                         outcome="concerns", note="No analysis.", as_of=TUE_22_DEC)
    record_final_qa(session, manager, return_id=police.return_id, expected_version=None, decided_on=TUE_22_DEC,
                    outcome="sent back", reason=SEND_BACK_REASON, new_due_date=TUE_29_DEC, as_of=TUE_22_DEC)
    attach_agency_document(session, token=police.token, author_name="K Brown", file_name="Chronology.pdf", data=PDF,
                           as_of=WED_23_DEC)
    submit_agency_return(session, token=police.token, author_name="K Brown", answers=POLICE_ROUND_2,
                         confirmation=confirmed(WED_23_DEC), as_of=WED_23_DEC)
    _check_and_accept(session, officer, manager, police.return_id, WED_23_DEC)

    submit_agency_return(session, token=gp.token, author_name="P Patel", answers=gp_answers,
                         confirmation=confirmed(TUE_22_DEC), as_of=TUE_22_DEC)
    _check_and_accept(session, officer, manager, gp.return_id, TUE_22_DEC)

    record_return_received(session, officer, return_id=schools.id, expected_version=None, received_on=TUE_22_DEC,
                           signed_by_senior_manager=True, signatory_role="Head teacher", as_of=TUE_22_DEC)
    _check_and_accept(session, officer, manager, schools.id, WED_23_DEC)
    record_file_location(session, officer, return_id=schools.id, expected_version=None, file_section="I",
                         file_path=SCHOOLS_FILE)
    return Day6Scenario(review.id, police.return_id, gp.return_id, schools.id, youth.return_id, youth.token)
