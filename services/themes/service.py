"""Writing practice themes. The Administrator keeps the list: adds a theme (its source "Partnership"), renames it or
changes its description (against the version read), retires or restores it, and moves it up or down. Managers and
officers code a review with themes from the active list, each with one sentence of learning, and uncode it. Each
write appends its daily log entry (the list's changes on no review, the coding on the review's own log).

A theme is never deleted: retired, it is no longer offered, and it stays on the reviews already coded with it."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import LogCategory, Role
from db.models import Account, Review
from db.models_after import PracticeTheme, ReviewTheme
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.milestones import refuse_if_withdrawn
from services.permissions import CASE_WRITERS, requires
from services.themes.reads import NO_SUCH_REVIEW, NO_SUCH_THEME, CodedTheme, ThemeRead
from services.themes.rules import PARTNERSHIP_SOURCE, clean_description, clean_learning, clean_name

SORT_STEP = 10


def _read(session: Session, theme: PracticeTheme) -> ThemeRead:
    coded = session.scalar(select(func.count()).select_from(ReviewTheme).where(ReviewTheme.theme_id == theme.id))
    return ThemeRead(theme.id, theme.name, theme.description, theme.source, theme.active, theme.sort_order,
                     theme.version, int(coded or 0))


def _theme(session: Session, theme_id: int, *, lock: bool = True) -> PracticeTheme:
    query = select(PracticeTheme).where(PracticeTheme.id == theme_id)
    theme = session.scalars(query.with_for_update() if lock else query).first()
    if theme is None:
        raise InvalidInput(NO_SUCH_THEME)
    return theme


def _refuse_taken_name(session: Session, name: str, *, other_than: int | None = None) -> None:
    query = select(PracticeTheme).where(func.lower(PracticeTheme.name) == name.lower())
    if other_than is not None:
        query = query.where(PracticeTheme.id != other_than)
    taken = session.scalars(query).first()
    if taken is not None:
        state = "" if taken.active else " (retired: restore it instead)"
        raise InvalidInput(f"There is already a theme called \"{taken.name}\"{state}: theme names are unique, "
                           "whatever their capitals.")


def _log(session: Session, actor: Account, text: str, *, review_id: int | None = None) -> None:
    append_system_entry(session, actor, review_id=review_id, category=LogCategory.SYSTEM, text=text)


@requires(Role.ADMIN, action="add a practice theme")
def add_theme(session: Session, actor: Account, *, name: str | None, description: str | None = None) -> ThemeRead:
    """A theme of the partnership's own, at the end of the active list."""
    cleaned = clean_name(name)
    about = clean_description(description)
    _refuse_taken_name(session, cleaned)
    last = session.scalar(select(func.max(PracticeTheme.sort_order))) or 0
    theme = PracticeTheme(name=cleaned, description=about, source=PARTNERSHIP_SOURCE, active=True,
                          sort_order=last + SORT_STEP)
    session.add(theme)
    session.flush()
    _log(session, actor, f"Practice theme \"{cleaned}\" added to the list (source: {PARTNERSHIP_SOURCE}).")
    return _read(session, theme)


@requires(Role.ADMIN, action="rename a practice theme")
def rename_theme(session: Session, actor: Account, *, theme_id: int, name: str | None,
                 description: str | None = None, expected_version: int | None) -> ThemeRead:
    """A theme's new name and description (the reviews coded with it show the new name)."""
    theme = _theme(session, theme_id)
    check_version(theme, expected_version, f"The theme \"{theme.name}\"")
    cleaned = clean_name(name)
    about = clean_description(description)
    _refuse_taken_name(session, cleaned, other_than=theme.id)
    was = theme.name
    if cleaned == was and about == theme.description:
        raise InvalidInput("Nothing was changed: type the new name or description, then save.")
    theme.name = cleaned
    theme.description = about
    flush_or_stale(session, f"The theme \"{was}\"")
    change = f"renamed \"{cleaned}\"" if cleaned != was else "description changed"
    _log(session, actor, f"Practice theme \"{was}\" {change}.")
    return _read(session, theme)


@requires(Role.ADMIN, action="retire or restore a practice theme")
def set_theme_active(session: Session, actor: Account, *, theme_id: int, active: bool,
                     expected_version: int | None) -> ThemeRead:
    """Retire a theme (no longer offered; it stays on the reviews coded with it) or restore it."""
    theme = _theme(session, theme_id)
    check_version(theme, expected_version, f"The theme \"{theme.name}\"")
    if theme.active == active:
        raise InvalidInput(f"The theme \"{theme.name}\" is already {'active' if active else 'retired'}.")
    theme.active = active
    flush_or_stale(session, f"The theme \"{theme.name}\"")
    what = "restored to the list" if active else "retired (it stays on the reviews already coded with it)"
    _log(session, actor, f"Practice theme \"{theme.name}\" {what}.")
    return _read(session, theme)


@requires(Role.ADMIN, action="reorder the practice themes")
def move_theme(session: Session, actor: Account, *, theme_id: int, step: int,
               expected_version: int | None) -> ThemeRead:
    """Move an active theme one place up (`step` -1) or down (+1) among the active themes."""
    if step not in (-1, 1):
        raise InvalidInput("A theme moves one place up or one place down.")
    theme = _theme(session, theme_id)
    check_version(theme, expected_version, f"The theme \"{theme.name}\"")
    if not theme.active:
        raise InvalidInput(f"The theme \"{theme.name}\" is retired: restore it before moving it.")
    ordered = list(session.scalars(select(PracticeTheme).where(PracticeTheme.active)
                                   .order_by(PracticeTheme.sort_order, PracticeTheme.id).with_for_update()))
    at = ordered.index(theme)
    to = at + step
    if not 0 <= to < len(ordered):
        raise InvalidInput(f"The theme \"{theme.name}\" is already {'first' if step < 0 else 'last'}.")
    ordered[at], ordered[to] = ordered[to], ordered[at]
    for position, each in enumerate(ordered, start=1):  # renumbered, so that equal orders never tie
        if each.sort_order != position * SORT_STEP:
            each.sort_order = position * SORT_STEP
    flush_or_stale(session, f"The theme \"{theme.name}\"")
    _log(session, actor, f"Practice theme \"{theme.name}\" moved {'up' if step < 0 else 'down'} to place {to + 1}.")
    return _read(session, theme)


def _writable_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    return review


@requires(*CASE_WRITERS, action="code a review with a practice theme")
def code_review_theme(session: Session, actor: Account, *, review_id: int, theme_id: int | None,
                      learning: str | None) -> CodedTheme:
    """Code the review with an active theme and one sentence of learning (no details of the child)."""
    review = _writable_review(session, review_id)
    if theme_id is None:
        raise InvalidInput("Choose the practice theme.")
    theme = _theme(session, theme_id, lock=False)
    if not theme.active:
        raise InvalidInput(f"The theme \"{theme.name}\" is retired: choose one of the active themes.")
    cleaned = clean_learning(learning)
    if session.get(ReviewTheme, (review.id, theme.id)) is not None:
        raise InvalidInput(f"This review is already coded with \"{theme.name}\": remove it first to change its "
                           "learning.")
    coded = ReviewTheme(review_id=review.id, theme_id=theme.id, learning=cleaned, coded_by_id=actor.id)
    session.add(coded)
    session.flush()
    _log(session, actor, f"Coded with the practice theme \"{theme.name}\". Learning: {cleaned}", review_id=review.id)
    session.refresh(coded, ["coded_at"])
    return CodedTheme(theme.id, theme.name, theme.active, cleaned, actor.display_name, coded.coded_at)


@requires(*CASE_WRITERS, action="remove a practice theme from a review")
def uncode_review_theme(session: Session, actor: Account, *, review_id: int, theme_id: int) -> None:
    """Take a theme (active or retired) off the review; the log keeps what its learning was."""
    review = _writable_review(session, review_id)
    coded = session.scalars(select(ReviewTheme).where(ReviewTheme.review_id == review.id,
                                                      ReviewTheme.theme_id == theme_id).with_for_update()).first()
    if coded is None:
        raise InvalidInput("This review is not coded with that theme (someone may have removed it). Reload the page.")
    theme = _theme(session, theme_id, lock=False)
    learning = coded.learning
    session.delete(coded)
    session.flush()
    _log(session, actor, f"Practice theme \"{theme.name}\" removed from the review (its learning was: {learning}).",
         review_id=review.id)
