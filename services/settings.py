"""The administrator's changes to the partnership settings and closure days (the calendar reads them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import LogCategory, Role
from db.models import LCSPR_TIMESCALE_RANGES, Account, ClosureDay, Setting
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.milestones import refresh_open_review_dates
from services.permissions import requires
from services.settings_reads import CLOSURE_DAYS_OF_CURRENT_PARTNERSHIP, load_calendar, load_settings
from services.text import clean_text, max_length_of


@dataclass(frozen=True)
class SettingsRead:
    """The partnership settings as the Administration page shows them."""

    partnership_name: str
    amber_threshold_days: int
    idle_timeout_minutes: int
    local_passwords_enabled: bool = True
    version: int = 1

    @classmethod
    def of(cls, setting: Setting) -> SettingsRead:
        return cls(partnership_name=setting.partnership_name, amber_threshold_days=setting.amber_threshold_days,
                   idle_timeout_minutes=setting.idle_timeout_minutes,
                   local_passwords_enabled=setting.local_passwords_enabled, version=setting.version)


@dataclass(frozen=True)
class ClosureDayRead:
    closed_on: date
    reason: str


@requires(Role.ADMIN, action="see the partnership settings")
def get_settings(session: Session, actor: Account) -> SettingsRead:
    """The partnership name, the amber threshold and the idle sign-out time."""
    return SettingsRead.of(load_settings(session))


@requires(Role.ADMIN, action="change the partnership settings")
def update_settings(
    session: Session, actor: Account, *, partnership_name: str, amber_threshold_days: int, idle_timeout_minutes: int,
    local_passwords_enabled: bool | None = None, organisation_sign_in_configured: bool = False,
    expected_version: int | None = None,
) -> SettingsRead:
    """Change the partnership name, the amber threshold, the idle sign-out time and (when given) whether local
    passwords may sign in; they can be switched off only while organisation sign-in is configured (the page edge
    says whether it is: the configuration lives in the server's secrets, not in the database)."""
    partnership_name = clean_text(partnership_name, label="partnership's name",
                                  max_length=max_length_of(Setting.partnership_name), multiline=False)
    if not partnership_name:
        raise InvalidInput("Give the partnership's name.")
    if not 0 <= amber_threshold_days <= 10:
        raise InvalidInput("The amber threshold must be between 0 and 10 working days.")
    if not 5 <= idle_timeout_minutes <= 480:
        raise InvalidInput("The idle sign-out time must be between 5 and 480 minutes.")
    if local_passwords_enabled is False and not organisation_sign_in_configured:
        raise InvalidInput("Local passwords can be switched off only when organisation sign-in is configured "
                           "(the [auth] section of the server's secrets); otherwise nobody could sign in.")
    settings = load_settings(session)
    check_version(settings, expected_version, "The settings page")
    settings.partnership_name = partnership_name
    settings.amber_threshold_days = amber_threshold_days
    settings.idle_timeout_minutes = idle_timeout_minutes
    if local_passwords_enabled is not None:
        settings.local_passwords_enabled = local_passwords_enabled
    flush_or_stale(session, "The settings page")
    passwords = "on" if settings.local_passwords_enabled else "off"
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Settings changed: amber at {amber_threshold_days} working day(s), "
                        f"idle sign-out after {idle_timeout_minutes} minutes, local password sign-in {passwords}.")
    return SettingsRead.of(settings)


@requires(Role.ADMIN, Role.MANAGER, Role.OFFICER, Role.CHAIR, action="see the closure days")
def list_closure_days(session: Session, actor: Account) -> list[ClosureDayRead]:
    """Every closure day, soonest first."""
    return [ClosureDayRead(c.closed_on, c.reason)
            for c in session.scalars(select(ClosureDay).where(CLOSURE_DAYS_OF_CURRENT_PARTNERSHIP)
                                     .order_by(ClosureDay.closed_on))]


def _closure_day(session: Session, closed_on: date) -> ClosureDay | None:
    """The partnership's closure day on `closed_on` (the day is closed per partnership, migration 0033)."""
    return session.scalar(select(ClosureDay).where(CLOSURE_DAYS_OF_CURRENT_PARTNERSHIP,
                                                   ClosureDay.closed_on == closed_on))


@requires(Role.ADMIN, action="add closure days")
def add_closure_day(session: Session, actor: Account, *, closed_on: date, reason: str) -> ClosureDayRead:
    """Add a day the partnership is closed (it stops counting as a working day)."""
    reason = clean_text(reason, label="reason for the closure", max_length=max_length_of(ClosureDay.reason),
                        multiline=False)
    if not reason:
        raise InvalidInput("Say why the partnership is closed that day (for example 'Christmas closure').")
    if _closure_day(session, closed_on) is not None:
        raise InvalidInput(f"{closed_on:%d %b %Y} is already a closure day.")
    if closed_on.weekday() >= 5:
        raise InvalidInput(f"{closed_on:%a %d %b %Y} is a weekend day, which never counts as a working day.")
    day = ClosureDay(closed_on=closed_on, reason=reason)
    session.add(day)
    session.flush()
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Closure day added: {closed_on:%d %b %Y} ({day.reason}).")
    _refresh_open_reviews(session)
    return ClosureDayRead(day.closed_on, day.reason)


@requires(Role.ADMIN, action="remove closure days")
def remove_closure_day(session: Session, actor: Account, *, closed_on: date) -> None:
    """Remove a closure day."""
    day = _closure_day(session, closed_on)
    if day is None:
        raise InvalidInput(f"{closed_on:%d %b %Y} is not a closure day.")
    session.delete(day)
    session.flush()
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Closure day removed: {closed_on:%d %b %Y}.")
    _refresh_open_reviews(session)


def _refresh_open_reviews(session: Session) -> None:
    # Due dates are stored per milestone; a change of calendar moves those of reviews still open.
    refresh_open_review_dates(session, load_calendar(session))


# The LCSPR timescales' ranges, {column: (lowest, highest)}, for the Settings tab (db/models.py holds them).
LCSPR_TIMESCALE_LIMITS: dict[str, tuple[int, int]] = dict(LCSPR_TIMESCALE_RANGES)
# The LCSPR's timescales (docs/lcspr.md): each setting's label, in the order the Settings tab shows them.
LCSPR_TIMESCALE_LABELS: dict[str, str] = {
    "lcspr_commission_days": "Reviewer commissioned within (working days of the decision)",
    "lcspr_terms_days": "Terms of reference agreed within (working days of commissioning)",
    "lcspr_involvement_days": "Practitioners and family involved by (working days after the terms)",
    "lcspr_draft_before_days": "Draft to the partners (working days before the completion date)",
    "lcspr_completion_months": "Final report within (months of the decision; Working Together 2023: 6)",
    "lcspr_copies_before_days": "Copies to the Panel and the Secretary of State at least (working days before "
                                "publication; Working Together 2023: 7)",
    "lcspr_publication_days": "Published within (working days of the final report)",
}


@dataclass(frozen=True)
class LcsprTimescalesRead:
    """The LCSPR's timescales as the Settings tab shows them: {column: value} in the labels' order, and the version."""

    values: dict[str, int]
    version: int


@requires(Role.ADMIN, action="see the partnership settings")
def get_lcspr_timescales(session: Session, actor: Account) -> LcsprTimescalesRead:
    """The LCSPR's timescales (each a setting)."""
    settings = load_settings(session)
    return LcsprTimescalesRead({name: int(getattr(settings, name)) for name in LCSPR_TIMESCALE_LABELS},
                               settings.version)


@requires(Role.ADMIN, action="change the partnership settings")
def update_lcspr_timescales(session: Session, actor: Account, *, values: dict[str, int],
                            expected_version: int | None) -> LcsprTimescalesRead:
    """Change the LCSPR's timescales: each within its range, the publication no sooner than the copies' notice.
    The due dates of every LCSPR follow at once (they are worked out when read, never stored)."""
    if set(values) != set(LCSPR_TIMESCALE_LABELS):
        raise InvalidInput("Give every LCSPR timescale.")
    for name, value in values.items():
        low, high = LCSPR_TIMESCALE_RANGES[name]
        unit = "months" if name.endswith("_months") else "working days"
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidInput(f"{LCSPR_TIMESCALE_LABELS[name].split(' (')[0]} must be between {low} and {high} "
                               f"{unit}.")
    if values["lcspr_publication_days"] < values["lcspr_copies_before_days"]:
        raise InvalidInput("Publication cannot be sooner after the final report than the copies' notice: make the "
                           "publication timescale at least the copies' working days.")
    settings = load_settings(session)
    check_version(settings, expected_version, "The settings page")
    changed = {name: value for name, value in values.items() if getattr(settings, name) != value}
    if not changed:
        raise InvalidInput("Nothing to save: the LCSPR timescales are the same as before.")
    for name, value in changed.items():
        setattr(settings, name, value)
    flush_or_stale(session, "The settings page")
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text="LCSPR timescales changed: " + "; ".join(
                            f"{LCSPR_TIMESCALE_LABELS[name].split(' (')[0]} {value}" for name, value in changed.items())
                        + ".")
    return get_lcspr_timescales(session, actor)
