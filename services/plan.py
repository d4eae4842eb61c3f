"""The milestone plan: turning plan windows (Day N to Day M) into dates for one review."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import LogCategory, MilestoneKey, Role
from db.models import Account, MilestoneTemplate, ReviewMilestone
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.deadlines import REVIEW_DUE_DAY
from services.errors import InvalidInput
from services.permissions import requires
from services.text import clean_text, max_length_of
from services.working_days import WorkingCalendar

# How a window anchored on another milestone reads in the plan: "meeting + 1 working day".
FOLLOWS_LABELS: dict[str, str] = {MilestoneKey.RR_MEETING: "meeting", MilestoneKey.PANEL_SUBMISSION: "submission"}
# The one condition a plan step may carry: the step applies only when the Day 1 decision said yes.
EXEC_MEETING_CONDITION = "exec_meeting_required"
# "Done when" is unbounded text in the database; the plan keeps it to the length of the other notes.
MAX_DONE_WHEN_CHARS = 4000


class PlanWindow(Protocol):
    """A plan step's window: a template, a review's milestone (row or read object)."""

    @property
    def window_start_day(self) -> int | None: ...
    @property
    def window_end_day(self) -> int | None: ...
    @property
    def follows_key(self) -> str | None: ...
    @property
    def follows_offset_days(self) -> int | None: ...


class HasCondition(Protocol):
    @property
    def condition(self) -> str | None: ...


class HasExecDecision(Protocol):
    @property
    def exec_meeting_required(self) -> bool | None: ...


@dataclass(frozen=True)
class PlannedDates:
    window_start: date | None
    due: date | None


def planned_dates(
    cal: WorkingCalendar,
    received: date,
    *,
    window_start_day: int | None,
    window_end_day: int | None,
    follows_done_date: date | None = None,
    follows_offset_days: int | None = None,
) -> PlannedDates:
    """Dates of one milestone. A milestone that follows another (minutes after the meeting) is due
    `follows_offset_days` working days after that one was done; until then its plan window applies."""
    if follows_offset_days is not None and follows_done_date is not None:
        return PlannedDates(follows_done_date, cal.add_working_days(follows_done_date, follows_offset_days))
    start = cal.day_n(received, window_start_day) if window_start_day else None
    due = cal.day_n(received, window_end_day) if window_end_day else None
    return PlannedDates(start, due)


def review_due_date(cal: WorkingCalendar, received: date) -> date:
    """End of Day 15: the date the review must reach the National Panel."""
    return cal.day_n(received, REVIEW_DUE_DAY)


def milestones_from_templates(templates: list[MilestoneTemplate]) -> list[ReviewMilestone]:
    """A review's own copy of each active plan step (dates are filled by `refresh_due_dates`)."""
    return [
        ReviewMilestone(
            key=t.key,
            title=t.title,
            window_start_day=t.window_start_day,
            window_end_day=t.window_end_day,
            follows_key=t.follows_key,
            follows_offset_days=t.follows_offset_days,
            owner=t.owner,
            done_when=t.done_when,
            optional=t.optional,
            condition=t.condition,
            sort_order=t.sort_order,
        )
        for t in templates
        if t.active
    ]


def refresh_due_dates(cal: WorkingCalendar, received: date, milestones: list[ReviewMilestone]) -> None:
    """Recompute plan dates of every milestone; done dates and agreed dates are left as they are. A milestone that
    follows another (the minutes after the meeting) counts from that one's actual date, or from its agreed date
    while it is not done (domain.md: minutes are due from the meeting's actual date, or its agreed date while it
    has not been held); only with neither does its own plan window apply."""
    done_by_key = {m.key: m.done_date or m.agreed_due_date for m in milestones}
    for m in milestones:
        dates = planned_dates(
            cal,
            received,
            window_start_day=m.window_start_day,
            window_end_day=m.window_end_day,
            follows_done_date=done_by_key.get(m.follows_key) if m.follows_key else None,
            follows_offset_days=m.follows_offset_days,
        )
        m.window_start_date = dates.window_start
        m.due_date = dates.due


def milestone_applies(review: HasExecDecision, milestone: HasCondition) -> bool:
    """Whether the review needs this milestone: the executive findings meeting only when the Day 1 decision
    said one is needed."""
    if milestone.condition == EXEC_MEETING_CONDITION:
        return review.exec_meeting_required is True
    return True


# How a step whose condition the Day 1 decision has not settled reads everywhere (issue 26): never "not needed"
# before the Chair decides.
NOT_DECIDED = "not decided yet"
NOT_NEEDED = "not needed"


def exec_meeting_words(review: HasExecDecision) -> str:
    """The executive findings meeting as every page says it: 'needed', 'not needed' or 'not decided yet'."""
    return {True: "needed", False: NOT_NEEDED, None: NOT_DECIDED}[review.exec_meeting_required]


def not_applying_words(review: HasExecDecision, milestone: HasCondition) -> str | None:
    """Why a step does not apply now, in the words shown for it: 'not decided yet' while the Day 1 decision is
    open, 'not needed' once it said no; None when the step applies."""
    if milestone_applies(review, milestone):
        return None
    return NOT_DECIDED if review.exec_meeting_required is None else NOT_NEEDED


def window_label(m: PlanWindow) -> str:
    """The plan window in the guide's words: "Day 1", "Day 2-6", "meeting + 1 working day"."""
    if m.follows_key:
        unit = "working day" if m.follows_offset_days == 1 else "working days"
        anchor = FOLLOWS_LABELS.get(m.follows_key, m.follows_key.replace("_", " "))
        return f"{anchor} + {m.follows_offset_days} {unit}"
    if m.window_end_day is None:
        return "no deadline"
    if m.window_start_day == m.window_end_day:
        return f"Day {m.window_end_day}"
    return f"Day {m.window_start_day}-{m.window_end_day}"


@dataclass(frozen=True)
class PlanTemplateRead:
    """One plan step as the Administration page shows it (read after the session closed)."""

    id: int
    key: str
    title: str
    window_start_day: int | None
    window_end_day: int | None
    follows_key: str | None
    follows_offset_days: int | None
    owner: str
    done_when: str
    optional: bool
    condition: str | None
    sort_order: int
    active: bool
    version: int = 1

    @classmethod
    def of(cls, t: MilestoneTemplate) -> PlanTemplateRead:
        return cls(id=t.id, key=t.key, title=t.title, window_start_day=t.window_start_day,
                   window_end_day=t.window_end_day, follows_key=t.follows_key,
                   follows_offset_days=t.follows_offset_days, owner=t.owner, done_when=t.done_when,
                   optional=t.optional, condition=t.condition, sort_order=t.sort_order, active=t.active,
                   version=t.version)


@requires(Role.ADMIN, Role.MANAGER, action="see the milestone plan")
def list_plan_templates(session: Session, actor: Account) -> list[PlanTemplateRead]:
    """The plan new reviews copy, in order."""
    return [PlanTemplateRead.of(t)
            for t in session.scalars(select(MilestoneTemplate).order_by(MilestoneTemplate.sort_order))]


@requires(Role.ADMIN, action="change the milestone plan")
def update_plan_template(
    session: Session,
    actor: Account,
    *,
    template_id: int,
    title: str,
    window_start_day: int | None,
    window_end_day: int | None,
    owner: str,
    active: bool,
    done_when: str | None = None,
    expected_version: int | None = None,
) -> PlanTemplateRead:
    """Change one plan step for reviews opened from now on; open reviews keep their own copy. A blank owner, or
    `done_when` left out, keeps the step's own."""
    title = clean_text(title, label="plan step's title", max_length=max_length_of(MilestoneTemplate.title),
                       multiline=False, required=True)
    owner = clean_text(owner, label="plan step's owner", max_length=max_length_of(MilestoneTemplate.owner),
                       multiline=False)
    done_when = None if done_when is None else clean_text(
        done_when, label="\"done when\" of the plan step", max_length=MAX_DONE_WHEN_CHARS)
    if (window_start_day is None) != (window_end_day is None):
        raise InvalidInput("Give both the first and the last Day of the window, or neither.")
    if window_start_day is not None and window_end_day is not None \
            and not 1 <= window_start_day <= window_end_day <= 30:
        raise InvalidInput("The window must run from Day 1 to Day 30 at most, first Day before the last.")
    template = session.get(MilestoneTemplate, template_id, with_for_update=True)
    if template is None:
        raise InvalidInput("That plan step no longer exists. Reload the page.")
    check_version(template, expected_version, f"The plan step '{template.title}'")
    template.title = title
    template.window_start_day = window_start_day
    template.window_end_day = window_end_day
    template.owner = owner or template.owner
    if done_when is not None:
        template.done_when = done_when
    template.active = active
    flush_or_stale(session, "This plan step")
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Plan step '{template.title}' changed: {window_label(template)}, owner {template.owner}, "
                        f"{'active' if active else 'inactive'}.")
    return PlanTemplateRead.of(template)
