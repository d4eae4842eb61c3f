"""Administration's free text (agencies, settings, closure days, the plan) through the one gate: a sentence for
every refusal, never a database error; the plan is read as frozen read objects."""
import dataclasses
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Agency, MilestoneTemplate
from services.agencies import add_agency, update_agency
from services.errors import InvalidInput
from services.plan import MAX_DONE_WHEN_CHARS, PlanTemplateRead, list_plan_templates, update_plan_template
from services.settings import add_closure_day, get_settings, update_settings
from tests.types import MakeAccount

NUL = "\x00"


@pytest.fixture
def admin(make_account: MakeAccount) -> Account:
    return make_account("admin")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "N" * 201}, "agency's name is 201 characters long; it can be at most 200"),
        ({"name": f"North{NUL}Trust"}, "agency's name contains a hidden control character"),
        ({"name": " \t "}, "Give the agency's name"),
        ({"kind": "k" * 81}, "kind of agency is 81 characters long; it can be at most 80"),
        ({"kind": f"health{NUL}"}, "kind of agency contains a hidden control character"),
        ({"contact_email": "a@" + "b" * 199}, "contact email is 201 characters long; it can be at most 200"),
        ({"contact_email": f"a@b{NUL}.example"}, "contact email contains a hidden control character"),
        ({"contact_email": "not an email"}, "contact email must be one email address"),
        ({"contact_email": "a@x.org,b@y.org"}, "contact email must be one email address"),
        ({"contact_email": "a@x,b@y"}, "contact email must be one email address"),
        ({"contact_email": "a@x.org; b@y.org"}, "contact email must be one email address"),
        ({"contact_email": "Police <a@x.org>"}, "contact email must be one email address"),
        ({"contact_email": "a%2Cb@x.org"}, "contact email must be one email address"),
        ({"contact_email": "a@x.org?cc=b@y.org"}, "contact email must be one email address"),
        ({"jcr_rep_email": "a@" + "b" * 199}, "JCR representative's email is 201 characters long; it can be at most"),
        ({"jcr_rep_email": f"rep@b{NUL}.example"}, "JCR representative's email contains a hidden control character"),
        ({"jcr_rep_email": "rep at police"}, "JCR representative's email must be one email address"),
        ({"jcr_rep_email": "a@x.org,b@y.org"}, "JCR representative's email must be one email address"),
        ({"jcr_rep_email": "rep@x.org rep2@y.org"}, "JCR representative's email must be one email address"),
    ],
)
def test_agency_text_is_refused_with_a_sentence(session: Session, admin: Account, kwargs: dict[str, str],
                                                message: str) -> None:
    name, kind = kwargs.get("name", "North Trust"), kwargs.get("kind", "health")
    contact_email, jcr_rep_email = kwargs.get("contact_email", "a@b.example"), kwargs.get("jcr_rep_email")
    with pytest.raises(InvalidInput, match=message):
        add_agency(session, admin, name=name, kind=kind, contact_email=contact_email, jcr_rep_email=jcr_rep_email)
    agency = add_agency(session, admin, name="Existing Trust", kind="police", contact_email=None)
    with pytest.raises(InvalidInput, match=message):
        update_agency(session, admin, agency_id=agency.id, active=True, name=name, kind=kind,
                      contact_email=contact_email, jcr_rep_email=jcr_rep_email)


@pytest.mark.parametrize("address", ["a@x.org", "first.last+returns@police.example.org.uk", "o'neil@nhs.example"])
def test_one_plain_address_is_kept(session: Session, admin: Account, address: str) -> None:
    agency = add_agency(session, admin, name="North Trust", kind="health", contact_email=address,
                        jcr_rep_email=address)
    assert (agency.contact_email, agency.jcr_rep_email) == (address, address)


def test_agency_text_is_cleaned_and_a_duplicate_is_refused_without_quoting_it(session: Session, admin: Account) -> None:
    agency = add_agency(session, admin, name="  North\u2028 Trust ", kind="health\v", contact_email="  ")
    assert (agency.name, agency.kind, agency.contact_email) == ("North Trust", "health", None)
    with pytest.raises(InvalidInput, match="already an agency with that name") as refused:
        add_agency(session, admin, name="North Trust", kind="police", contact_email=None)
    assert "North Trust" not in str(refused.value)
    assert session.scalar(select(Agency.name).where(Agency.id == agency.id)) == "North Trust"


@pytest.mark.parametrize(
    ("name", "message"),
    [("P" * 201, "partnership's name is 201 characters long; it can be at most 200"),
     (f"Safe{NUL}guarding", "partnership's name contains a hidden control character"),
     ("   ", "Give the partnership's name")],
)
def test_partnership_name_is_refused_with_a_sentence(session: Session, admin: Account, name: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        update_settings(session, admin, partnership_name=name, amber_threshold_days=1, idle_timeout_minutes=30)


def test_partnership_name_is_cleaned(session: Session, admin: Account) -> None:
    update_settings(session, admin, partnership_name=" North \t Safeguarding\n", amber_threshold_days=1,
                    idle_timeout_minutes=30)
    assert get_settings(session, admin).partnership_name == "North Safeguarding"


@pytest.mark.parametrize(
    ("reason", "message"),
    [("R" * 201, "reason for the closure is 201 characters long; it can be at most 200"),
     (f"Christmas{NUL}", "reason for the closure contains a hidden control character"),
     ("  ", "Say why the partnership is closed")],
)
def test_closure_reason_is_refused_with_a_sentence(session: Session, admin: Account, reason: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        add_closure_day(session, admin, closed_on=date(2027, 12, 30), reason=reason)


def test_closure_reason_is_cleaned(session: Session, admin: Account) -> None:
    assert add_closure_day(session, admin, closed_on=date(2027, 12, 30), reason=" Christmas\vclosure ").reason \
        == "Christmas closure"


def _step(session: Session) -> MilestoneTemplate:
    return session.scalars(select(MilestoneTemplate).order_by(MilestoneTemplate.sort_order).limit(1)).one()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "T" * 201}, "plan step's title is 201 characters long; it can be at most 200"),
        ({"title": f"Timeline{NUL}"}, "plan step's title contains a hidden control character"),
        ({"title": " "}, "Give the plan step's title"),
        ({"owner": "o" * 81}, "plan step's owner is 81 characters long; it can be at most 80"),
        ({"owner": f"manager{NUL}"}, "plan step's owner contains a hidden control character"),
        ({"done_when": "d" * (MAX_DONE_WHEN_CHARS + 1)}, "at most 4,000"),
        ({"done_when": f"Agreed{NUL}"}, "hidden control character"),
    ],
)
def test_plan_step_text_is_refused_with_a_sentence(session: Session, admin: Account, kwargs: dict[str, str],
                                                   message: str) -> None:
    step = _step(session)
    with pytest.raises(InvalidInput, match=message):
        update_plan_template(session, admin, template_id=step.id, title=kwargs.get("title", "Timeline agreed"),
                             window_start_day=1, window_end_day=1, owner=kwargs.get("owner", "manager"), active=True,
                             done_when=kwargs.get("done_when"))


def test_plan_step_text_is_cleaned_and_done_when_kept_unless_given(session: Session, admin: Account) -> None:
    step = _step(session)
    before = step.done_when
    saved = update_plan_template(session, admin, template_id=step.id, title=" Timeline\v agreed ",
                                 window_start_day=1, window_end_day=2, owner="  ", active=True)
    assert (saved.title, saved.owner, saved.done_when) == ("Timeline agreed", step.owner, before)
    saved = update_plan_template(session, admin, template_id=step.id, title="Timeline agreed", window_start_day=1,
                                 window_end_day=2, owner="chair", active=True, done_when="Dates agreed.\r\nSent.  ")
    assert (saved.owner, saved.done_when) == ("chair", "Dates agreed.\nSent.")


def test_the_plan_is_read_as_frozen_read_objects_usable_after_the_session_closed(session: Session,
                                                                                 admin: Account) -> None:
    templates = list_plan_templates(session, admin)
    assert templates and all(isinstance(t, PlanTemplateRead) for t in templates)
    session.expunge_all()
    first = templates[0]
    assert first.title and first.sort_order <= templates[-1].sort_order
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.title = "changed"  # type: ignore[misc]
