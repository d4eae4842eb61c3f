"""What the Administration page changes of the agencies' private links: the scoping form and how long a link works.

- **The scoping form** is changed only by saving a **new version** (its sections in order, with a note of what
  changed and why): a version once saved is never edited, so a request already sent keeps the form it was sent with
  (its link names that version) and new links get the newest. The database refuses any change to a saved version
  or its sections (migration 0023), and checks that a new one holds the senior manager's confirmation once, last.
  The editor starts from the current version; a save made against an older one (another administrator saved
  meanwhile) is refused as stale, with the typing kept.
- **The link expiry setting**: how many working days after its return's due date a link keeps working (1 to 60).
  Links issued from then on get it; a link already issued keeps at least the date it was issued with (the request
  email quotes it) and follows the setting when that gives it longer (services.agency_exchange.rules).

Administrators only, as every setting (README "Roles": the admin keeps the settings, the agencies and the plan and
sees no case data: nothing here is case data). Each change is a system entry of the daily log and is on the record of
changes (the tables' history triggers).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.enums import LogCategory, Role
from db.models import Account
from db.models_agency import AgencyExchangeSettings, AgencyLink, FormSection, FormVersion
from services.agency_exchange.rules import (
    FormSectionDraft,
    FormSectionSpec,
    clean_form_note,
    clean_form_sections,
    clean_link_expiry_days,
    describe_form_change,
)
from services.agency_exchange.service import current_form_version
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput, StaleRecord
from services.permissions import requires


@dataclass(frozen=True)
class FormSectionRead:
    position: int
    key: str
    kind: str
    heading: str
    guidance: str
    required: bool


@dataclass(frozen=True)
class FormVersionRead:
    """One saved version of the scoping form, its sections in order."""

    id: int
    number: int
    created_at: datetime
    created_by: str | None  # None: seeded by the migration (the guide's form)
    note: str | None
    sections: tuple[FormSectionRead, ...]


@dataclass(frozen=True)
class FormVersionSummary:
    """A version in the list of versions: when, by whom, why, and how many links were sent with it."""

    number: int
    created_at: datetime
    created_by: str | None
    note: str | None
    sections: int
    links: int


@dataclass(frozen=True)
class ScopingFormAdmin:
    """What the Administration page shows of the agencies' links: the current form, every version (newest first)
    and the link expiry setting with its version (for a save made against it)."""

    current: FormVersionRead
    versions: tuple[FormVersionSummary, ...]
    link_expiry_working_days: int
    link_expiry_version: int


def _version_read(session: Session, version: FormVersion) -> FormVersionRead:
    sections = tuple(FormSectionRead(s.position, s.key, s.kind, s.heading, s.guidance, s.required)
                     for s in session.scalars(select(FormSection).where(FormSection.form_version_id == version.id)
                                              .order_by(FormSection.position)))
    by = None
    if version.created_by_id is not None:
        by = session.scalar(select(Account.display_name).where(Account.id == version.created_by_id))
    return FormVersionRead(version.id, version.number, version.created_at, by, version.note, sections)


def _settings_row(session: Session) -> AgencyExchangeSettings:
    row = session.scalars(select(AgencyExchangeSettings)
                          .where(AgencyExchangeSettings.partnership_id == func.current_partnership())).first()
    if row is None:  # migrations 0021 and 0035 make each partnership's row; a database without it was changed by hand
        raise InvalidInput("The agencies' link settings are missing from the database: run `manage.py migrate`.")
    return row


@requires(Role.ADMIN, action="see the scoping form and the agencies' link settings")
def scoping_form_admin(session: Session, actor: Account) -> ScopingFormAdmin:
    """The current scoping form, its versions and the link expiry setting."""
    current = current_form_version(session)
    section_counts = dict(session.execute(select(FormSection.form_version_id, func.count())
                                          .group_by(FormSection.form_version_id)).all())
    link_counts = dict(session.execute(select(AgencyLink.form_version_id, func.count())
                                       .group_by(AgencyLink.form_version_id)).all())
    versions = tuple(
        FormVersionSummary(v.number, v.created_at, name, v.note, section_counts.get(v.id, 0), link_counts.get(v.id, 0))
        for v, name in session.execute(
            select(FormVersion, Account.display_name).outerjoin(Account, Account.id == FormVersion.created_by_id)
            .order_by(FormVersion.number.desc())).all())
    settings = _settings_row(session)
    return ScopingFormAdmin(_version_read(session, current), versions, settings.link_expiry_working_days,
                            settings.version)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _specs(version: FormVersionRead) -> tuple[FormSectionSpec, ...]:
    return tuple(FormSectionSpec(s.key, s.kind, s.heading, s.guidance, s.required) for s in version.sections)


@requires(Role.ADMIN, action="change the scoping form")
def save_scoping_form_version(session: Session, actor: Account, *, sections: Sequence[FormSectionDraft],
                              note: str | None, based_on: int | None) -> FormVersionRead:
    """Save the form as a new version (the next number), never over an old one: requests already sent keep theirs,
    requests sent from now on get this one. `based_on` is the number of the version the editing started from: a
    newer one saved meanwhile makes this save stale."""
    cleaned = clean_form_sections(sections)
    why = clean_form_note(note)
    current = current_form_version(session)
    if based_on is not None and based_on != current.number:
        raise StaleRecord(f"The scoping form was changed by someone else since you opened it: version "
                          f"{current.number} is now the current one, and yours started from version {based_on}. "
                          "Start again from the current version, or copy your changes over.")
    before = _version_read(session, current)
    change = describe_form_change(_specs(before), cleaned)
    if not change:
        raise InvalidInput(f"Nothing was changed from version {current.number}: change a section, add one, remove "
                           "one or move one, then save.")
    version = FormVersion(number=current.number + 1, created_by_id=actor.id, note=why)
    session.add(version)
    try:
        session.flush()
    except IntegrityError:  # another save took the same number at the same moment (one_form_number_per_partnership)
        raise StaleRecord("The scoping form was saved by someone else at the same moment. Reload the page and make "
                          "your change again.") from None
    for position, s in enumerate(cleaned, start=1):
        session.add(FormSection(form_version_id=version.id, position=position, key=s.key, kind=s.kind,
                                heading=s.heading, guidance=s.guidance, required=s.required))
    session.flush()
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Scoping form version {version.number} saved (from version {current.number}), "
                        f"{len(cleaned)} sections: {change}. Why: {_sentence(why)} Requests already sent keep the "
                        "version they were sent with (a reissued link too); requests sent from now on use this one.")
    session.refresh(version)
    return _version_read(session, version)


@requires(Role.ADMIN, action="change how long the agencies' links work")
def update_link_expiry(session: Session, actor: Account, *, working_days: int | None,
                       expected_version: int | None = None) -> int:
    """Set how many working days after its return's due date a link keeps working (1 to 60); the new setting."""
    days = clean_link_expiry_days(working_days)
    settings = _settings_row(session)
    check_version(settings, expected_version, "The agencies' link setting")
    before = settings.link_expiry_working_days
    if days == before:
        raise InvalidInput(f"Links already work {days} working day{'s' if days != 1 else ''} after the return's due "
                           "date: nothing to change.")
    settings.link_expiry_working_days = days
    flush_or_stale(session, "The agencies' link setting")
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Agencies' private links: now working {days} working day{'s' if days != 1 else ''} "
                        f"after the return's due date (was {before}). Links issued from now on get it; a link "
                        "already issued keeps at least the date it was issued with.")
    return days
