"""Partner agencies that may be asked for scoping returns."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import LogCategory, Role
from db.models import Account, Agency
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.permissions import requires
from services.text import clean_optional_text, clean_text, max_length_of


@dataclass(frozen=True)
class AgencyRead:
    """An agency as pages and pickers list it (read after the session closed)."""

    id: int
    name: str
    kind: str
    contact_email: str | None
    active: bool
    version: int = 1
    jcr_rep_email: str | None = None  # the agency's JCR Group representative, copied on send-backs and chases

    @classmethod
    def of(cls, agency: Agency) -> AgencyRead:
        return cls(id=agency.id, name=agency.name, kind=agency.kind, contact_email=agency.contact_email,
                   active=agency.active, version=agency.version, jcr_rep_email=agency.jcr_rep_email)


@requires(Role.ADMIN, Role.MANAGER, Role.OFFICER, Role.CHAIR, action="see agencies")
def list_agencies(session: Session, actor: Account, *, active_only: bool = False) -> list[AgencyRead]:
    """Agencies by name."""
    query = select(Agency).order_by(Agency.name)
    if active_only:
        query = query.where(Agency.active.is_(True))
    return [AgencyRead.of(a) for a in session.scalars(query)]


# One plain address, nothing around it: a dot-atom local part without the characters that separate, quote or encode
# addresses in a header or a mailto: link (, ; < > " ( ) \\ % ? & = and spaces), then a domain of two labels or more.
# "a@x.org,b@y.org", "Name <a@x.org>" or "a%2Cb@x.org" would each mail someone the administrator did not name.
_LOCAL = r"[A-Za-z0-9!#$'*+/^_`{|}~-]+(?:\.[A-Za-z0-9!#$'*+/^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ONE_ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}")


def is_one_address(value: str | None) -> bool:
    """Whether `value` is exactly one plain email address (what a contact or JCR representative's email must be)."""
    return bool(value) and len(value or "") <= 254 and ONE_ADDRESS.fullmatch(value or "") is not None


def _clean_email(raw: str | None, label: str, max_length: int | None) -> str | None:
    """An optional email address: one line, the column's length, and exactly one plain address."""
    email = clean_optional_text(raw, label=label, max_length=max_length, multiline=False)
    if email and not is_one_address(email):
        raise InvalidInput(f"The {label} must be one email address and nothing else: no second address, comma, "
                           "name or spaces.")
    return email


def _validate(name: str, kind: str, contact_email: str | None,
              jcr_rep_email: str | None) -> tuple[str, str, str | None, str | None]:
    name = clean_text(name, label="agency's name", max_length=max_length_of(Agency.name), multiline=False)
    kind = clean_text(kind, label="kind of agency", max_length=max_length_of(Agency.kind), multiline=False)
    if not name:
        raise InvalidInput("Give the agency's name.")
    if not kind:
        raise InvalidInput("Give the kind of agency (for example health, police, education).")
    email = _clean_email(contact_email, "contact email", max_length_of(Agency.contact_email))
    rep = _clean_email(jcr_rep_email, "JCR representative's email", max_length_of(Agency.jcr_rep_email))
    return name, kind, email, rep


@requires(Role.ADMIN, action="add agencies")
def add_agency(session: Session, actor: Account, *, name: str, kind: str, contact_email: str | None,
               jcr_rep_email: str | None = None) -> Agency:
    """Add an agency (its JCR Group representative's email is optional)."""
    name, kind, email, rep = _validate(name, kind, contact_email, jcr_rep_email)
    if session.scalar(select(Agency.id).where(Agency.name == name)) is not None:
        raise InvalidInput("There is already an agency with that name: choose another name.")
    agency = Agency(name=name, kind=kind, contact_email=email, jcr_rep_email=rep, active=True)
    session.add(agency)
    session.flush()
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Agency added: {name} ({kind}).")
    return agency


@requires(Role.ADMIN, action="change agencies")
def update_agency(
    session: Session, actor: Account, *, agency_id: int, name: str, kind: str, contact_email: str | None,
    jcr_rep_email: str | None, active: bool, expected_version: int | None = None,
) -> Agency:
    """Change an agency's details (its JCR Group representative's email among them), or deactivate it (it stays on
    past reviews)."""
    agency = session.get(Agency, agency_id, with_for_update=True)
    if agency is None:
        raise InvalidInput("That agency does not exist. Reload the page.")
    check_version(agency, expected_version, f"The agency {agency.name}")
    name, kind, email, rep = _validate(name, kind, contact_email, jcr_rep_email)
    clash = session.scalar(select(Agency.id).where(Agency.name == name, Agency.id != agency_id))
    if clash is not None:
        raise InvalidInput("There is already an agency with that name: choose another name.")
    rep_changed = rep != agency.jcr_rep_email
    agency.name, agency.kind, agency.contact_email, agency.active = name, kind, email, active
    agency.jcr_rep_email = rep
    flush_or_stale(session, "This agency")
    rep_words = ""
    if rep_changed:
        rep_words = f"; JCR representative's email {'set to ' + rep if rep else 'removed'}"
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Agency changed: {name} ({kind}), {'active' if active else 'inactive'}{rep_words}.")
    return agency
