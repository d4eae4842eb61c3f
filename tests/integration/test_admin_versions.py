"""Two administrators never silently overwrite each other: agencies, the settings and plan steps check the version
the form was filled against (issue 11)."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import LogEntry
from services.agencies import add_agency, list_agencies, update_agency
from services.errors import StaleRecord
from services.plan import list_plan_templates, update_plan_template
from services.settings import get_settings, update_settings
from tests.types import MakeAccount


def test_a_second_agency_save_against_the_old_version_is_refused(session: Session, make_account: MakeAccount) -> None:
    first, second = make_account("admin"), make_account("admin")
    agency = add_agency(session, first, name="North Trust", kind="health", contact_email=None)
    [seen] = [a for a in list_agencies(session, second) if a.id == agency.id]
    update_agency(session, first, agency_id=agency.id, name="North Trust", kind="NHS trust", contact_email=None,
                  jcr_rep_email=None, active=True, expected_version=seen.version)
    with pytest.raises(StaleRecord, match="The agency North Trust was changed by someone else"):
        update_agency(session, second, agency_id=agency.id, name="North Health", kind="health", contact_email=None,
                      jcr_rep_email=None, active=True, expected_version=seen.version)
    [now] = [a for a in list_agencies(session, second) if a.id == agency.id]
    assert (now.name, now.kind, now.version) == ("North Trust", "NHS trust", seen.version + 1)


def test_a_second_settings_save_against_the_old_version_is_refused(session: Session, make_account: MakeAccount) -> None:
    first, second = make_account("admin"), make_account("admin")
    seen = get_settings(session, second)
    update_settings(session, first, partnership_name="Northshire SCP", amber_threshold_days=2,
                    idle_timeout_minutes=30, expected_version=seen.version)
    with pytest.raises(StaleRecord, match="The settings page was changed by someone else"):
        update_settings(session, second, partnership_name="Other", amber_threshold_days=1, idle_timeout_minutes=60,
                        expected_version=seen.version)
    assert get_settings(session, second).partnership_name == "Northshire SCP"


def test_a_second_plan_step_save_against_the_old_version_is_refused(session: Session,
                                                                    make_account: MakeAccount) -> None:
    first, second = make_account("admin"), make_account("admin")
    step = list_plan_templates(session, second)[0]
    update_plan_template(session, first, template_id=step.id, title="Timeline agreed with the Chair",
                         window_start_day=step.window_start_day, window_end_day=step.window_end_day,
                         owner=step.owner, active=True, expected_version=step.version)
    with pytest.raises(StaleRecord, match="was changed by someone else"):
        update_plan_template(session, second, template_id=step.id, title="Something else",
                             window_start_day=step.window_start_day, window_end_day=step.window_end_day,
                             owner=step.owner, active=True, expected_version=step.version)
    assert list_plan_templates(session, second)[0].title == "Timeline agreed with the Chair"


def test_an_agency_keeps_its_jcr_representatives_email(session: Session, make_account: MakeAccount) -> None:
    """Issue 14: each agency may have a JCR Group representative, copied on send-backs and chases."""
    admin = make_account("admin")
    agency = add_agency(session, admin, name="North Police", kind="police", contact_email="scoping@north.example",
                        jcr_rep_email="  rep@north.example ")
    assert agency.jcr_rep_email == "rep@north.example"
    update_agency(session, admin, agency_id=agency.id, name="North Police", kind="police",
                  contact_email="scoping@north.example", jcr_rep_email="new.rep@north.example", active=True,
                  expected_version=agency.version)
    [now] = [a for a in list_agencies(session, admin) if a.id == agency.id]
    assert (now.contact_email, now.jcr_rep_email) == ("scoping@north.example", "new.rep@north.example")
    update_agency(session, admin, agency_id=agency.id, name="North Police", kind="police",
                  contact_email="scoping@north.example", jcr_rep_email="", active=True, expected_version=now.version)
    [cleared] = [a for a in list_agencies(session, admin) if a.id == agency.id]
    assert cleared.jcr_rep_email is None
    texts = session.scalars(select(LogEntry.text).where(LogEntry.text.like("Agency changed: North Police%"))
                            .order_by(LogEntry.id)).all()
    assert texts == ["Agency changed: North Police (police), active; JCR representative's email set to "
                     "new.rep@north.example.",
                     "Agency changed: North Police (police), active; JCR representative's email removed."]
