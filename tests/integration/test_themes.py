"""Practice themes on real PostgreSQL: the seeded national list; the Administrator adds, renames (against the version
read), retires, restores and reorders themes, names unique whatever their case; managers and officers code a review
with several themes, one sentence of learning each, and uncode it, each write logged; a retired theme stays on the
reviews coded with it; every refusal says why; the board's themes by financial year (April to March, counted on the
notification date), withdrawn reviews left out."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, LogEntry
from db.models_after import PracticeTheme, ReviewTheme
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, withdraw_review
from services.themes import (
    add_theme,
    code_review_theme,
    list_themes,
    move_theme,
    rename_theme,
    review_themes,
    set_theme_active,
    uncode_review_theme,
)
from tests.types import MakeAccount

LEARNING = "Agencies did not share the father's history before the baby's discharge."


def _review(session: Session, officer: Account, received: date) -> int:
    review = open_review(session, officer, notification_type="serious_harm", incident_date=received,
                         csc_aware_date=received, notification_received_date=received,
                         children=[ChildEntry("AB", 1)], as_of=received)
    return review.id


def _log_texts(session: Session, review_id: int | None) -> list[str]:
    query = select(LogEntry.text).order_by(LogEntry.id)
    query = query.where(LogEntry.review_id.is_(None) if review_id is None else LogEntry.review_id == review_id)
    return list(session.scalars(query))


def _theme(session: Session, name: str) -> PracticeTheme:
    return session.scalars(select(PracticeTheme).where(PracticeTheme.name == name)).one()


def test_the_national_list_is_seeded_in_order(session: Session, make_account: MakeAccount) -> None:
    themes = list_themes(session, make_account("officer"))
    names = [t.name for t in themes]
    assert len(names) == 21 and names[:2] == ["Multi-agency information sharing",
                                              "Risk assessment and responding to changing risk and need"]
    assert "Domestic abuse" in names and "Children looked after" in names
    assert all(t.active and t.source and t.source != "Partnership" for t in themes)
    assert [t.sort_order for t in themes] == sorted(t.sort_order for t in themes)


def test_the_admin_adds_a_theme_of_the_partnerships_own_logged(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    added = add_theme(session, admin, name="  Young   carers ", description="Children who care for a parent.")
    assert (added.name, added.source, added.active, added.description) == (
        "Young carers", "Partnership", True, "Children who care for a parent.")
    assert list_themes(session, admin)[-1].name == "Young carers"  # last of the active list
    assert _log_texts(session, None)[-1] == 'Practice theme "Young carers" added to the list (source: Partnership).'


@pytest.mark.parametrize("name", ["domestic abuse", "DOMESTIC ABUSE", " Domestic  Abuse "])
def test_names_are_unique_whatever_their_case(session: Session, make_account: MakeAccount, name: str) -> None:
    with pytest.raises(InvalidInput, match='already a theme called "Domestic abuse"'):
        add_theme(session, make_account("admin"), name=name)


def test_a_retired_name_is_taken_too_and_says_restore_it(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    neglect = _theme(session, "Neglect")
    set_theme_active(session, admin, theme_id=neglect.id, active=False, expected_version=neglect.version)
    with pytest.raises(InvalidInput, match="retired: restore it instead"):
        add_theme(session, admin, name="NEGLECT")


@pytest.mark.parametrize("name, problem", [
    ("", "Give the theme's name"),
    ("x" * 121, "at most 120"),
    ("Young\x00carers", "hidden control character"),
    ("x" * 10_000, "10,000 characters long"),
])
def test_bad_names_are_refused(session: Session, make_account: MakeAccount, name: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        add_theme(session, make_account("admin"), name=name)


def test_a_hostile_name_is_stored_as_typed(session: Session, make_account: MakeAccount) -> None:
    added = add_theme(session, make_account("admin"), name="<script>alert(1)</script>")
    assert added.name == "<script>alert(1)</script>"


def test_only_the_admin_keeps_the_list(session: Session, make_account: MakeAccount) -> None:
    for role in ("manager", "officer", "chair", "board"):
        with pytest.raises(NotAllowed, match="Only a Administrator may add a practice theme"):
            add_theme(session, make_account(role), name="Young carers")


def test_rename_checks_the_version_and_the_name(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    theme = _theme(session, "Children not in school")
    read = rename_theme(session, admin, theme_id=theme.id, name="Children not in school or often absent",
                        description="Absence, exclusion, elective home education.", expected_version=theme.version)
    assert (read.name, read.version) == ("Children not in school or often absent", 2)
    assert _log_texts(session, None)[-1] == ('Practice theme "Children not in school" renamed '
                                             '"Children not in school or often absent".')
    with pytest.raises(StaleRecord, match="changed by someone else"):
        rename_theme(session, admin, theme_id=theme.id, name="Another", expected_version=1)
    with pytest.raises(InvalidInput, match='already a theme called "Neglect"'):
        rename_theme(session, admin, theme_id=theme.id, name="neglect", expected_version=2)
    # The same name in other capitals is this theme's own: allowed.
    again = rename_theme(session, admin, theme_id=theme.id, name="CHILDREN NOT IN SCHOOL OR OFTEN ABSENT",
                         description="Absence, exclusion, elective home education.", expected_version=2)
    assert again.name == "CHILDREN NOT IN SCHOOL OR OFTEN ABSENT"
    with pytest.raises(InvalidInput, match="Nothing was changed"):
        rename_theme(session, admin, theme_id=theme.id, name=again.name, description=again.description,
                     expected_version=again.version)
    with pytest.raises(InvalidInput, match="not on the partnership's list"):
        rename_theme(session, admin, theme_id=999_999, name="X", expected_version=None)


def test_retire_and_restore(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    theme = _theme(session, "Parental substance misuse")
    retired = set_theme_active(session, admin, theme_id=theme.id, active=False, expected_version=theme.version)
    assert not retired.active
    assert theme.id not in [t.id for t in list_themes(session, admin, active_only=True)]
    assert list_themes(session, admin)[-1].id == theme.id  # retired themes come last
    with pytest.raises(InvalidInput, match="already retired"):
        set_theme_active(session, admin, theme_id=theme.id, active=False, expected_version=retired.version)
    with pytest.raises(StaleRecord):
        set_theme_active(session, admin, theme_id=theme.id, active=True, expected_version=retired.version - 1)
    restored = set_theme_active(session, admin, theme_id=theme.id, active=True, expected_version=retired.version)
    assert restored.active
    assert _log_texts(session, None)[-2:] == [
        'Practice theme "Parental substance misuse" retired (it stays on the reviews already coded with it).',
        'Practice theme "Parental substance misuse" restored to the list.']


def test_reorder_moves_one_place_and_refuses_past_the_ends(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    names = [t.name for t in list_themes(session, admin)]
    second = _theme(session, names[1])
    move_theme(session, admin, theme_id=second.id, step=-1, expected_version=second.version)
    assert [t.name for t in list_themes(session, admin)][:3] == [names[1], names[0], names[2]]
    assert _log_texts(session, None)[-1] == f'Practice theme "{names[1]}" moved up to place 1.'
    first = _theme(session, names[1])
    with pytest.raises(InvalidInput, match="already first"):
        move_theme(session, admin, theme_id=first.id, step=-1, expected_version=first.version)
    last = _theme(session, names[-1])
    with pytest.raises(InvalidInput, match="already last"):
        move_theme(session, admin, theme_id=last.id, step=1, expected_version=last.version)
    with pytest.raises(InvalidInput, match="one place up or one place down"):
        move_theme(session, admin, theme_id=last.id, step=3, expected_version=last.version)
    with pytest.raises(StaleRecord):
        move_theme(session, admin, theme_id=first.id, step=1, expected_version=first.version - 1)


def test_a_review_is_coded_with_several_themes_and_uncoded_logged(session: Session, make_account: MakeAccount) -> None:
    officer, manager, chair = make_account("officer"), make_account("manager"), make_account("chair")
    review_id = _review(session, officer, date(2026, 5, 4))
    da, babies = _theme(session, "Domestic abuse"), _theme(session, "The vulnerability of babies")
    coded = code_review_theme(session, officer, review_id=review_id, theme_id=da.id, learning=LEARNING)
    assert (coded.name, coded.learning, coded.coded_by) == ("Domestic abuse", LEARNING, officer.display_name)
    code_review_theme(session, manager, review_id=review_id, theme_id=babies.id,
                      learning="The health visitor saw the baby but not where the baby slept.")
    read = review_themes(session, chair, review_id=review_id)
    assert [c.name for c in read.coded] == ["Domestic abuse", "The vulnerability of babies"]
    assert da.id not in [t.id for t in read.choices] and len(read.choices) == 19
    assert _log_texts(session, review_id)[-2] == f'Coded with the practice theme "Domestic abuse". Learning: {LEARNING}'
    with pytest.raises(InvalidInput, match="already coded with \"Domestic abuse\""):
        code_review_theme(session, officer, review_id=review_id, theme_id=da.id, learning=LEARNING)

    uncode_review_theme(session, manager, review_id=review_id, theme_id=da.id)
    assert [c.name for c in review_themes(session, officer, review_id=review_id).coded] == [
        "The vulnerability of babies"]
    assert _log_texts(session, review_id)[-1] == (
        f'Practice theme "Domestic abuse" removed from the review (its learning was: {LEARNING}).')
    with pytest.raises(InvalidInput, match="not coded with that theme"):
        uncode_review_theme(session, manager, review_id=review_id, theme_id=da.id)


@pytest.mark.parametrize("learning, problem", [
    ("", "Give the learning"),
    ("The GP knew. Nobody asked.", "one sentence"),
    ("The child, born 03/04/2019, was not seen.", "date of birth"),
    ("NHS number 943 476 5919 was not checked.", "NHS number"),
    ("The family moved to DE1 3AB unnoticed.", "postcode"),
    ("Information was\x00 shared late.", "hidden control character"),
    ("a" * 10_000, "10,000 characters long"),
    ("a" * 301, "at most 300"),
])
def test_bad_learning_is_refused_and_nothing_is_coded(session: Session, make_account: MakeAccount, learning: str,
                                                      problem: str) -> None:
    officer = make_account("officer")
    review_id = _review(session, officer, date(2026, 5, 4))
    with pytest.raises(InvalidInput, match=problem):
        code_review_theme(session, officer, review_id=review_id, theme_id=_theme(session, "Neglect").id,
                          learning=learning)
    assert session.scalar(select(func.count()).select_from(ReviewTheme)) == 0


def test_hostile_learning_is_stored_as_typed(session: Session, make_account: MakeAccount) -> None:
    officer = make_account("officer")
    review_id = _review(session, officer, date(2026, 5, 4))
    code_review_theme(session, officer, review_id=review_id, theme_id=_theme(session, "Neglect").id,
                      learning="<script>alert(1)</script> was typed as learning.")
    assert review_themes(session, officer, review_id=review_id).coded[0].learning == \
        "<script>alert(1)</script> was typed as learning."


def test_coding_refuses_a_missing_or_retired_theme_a_missing_review_and_the_chair(
        session: Session, make_account: MakeAccount) -> None:
    officer, admin = make_account("officer"), make_account("admin")
    review_id = _review(session, officer, date(2026, 5, 4))
    neglect = _theme(session, "Neglect")
    with pytest.raises(InvalidInput, match="Choose the practice theme"):
        code_review_theme(session, officer, review_id=review_id, theme_id=None, learning=LEARNING)
    with pytest.raises(InvalidInput, match="not on the partnership's list"):
        code_review_theme(session, officer, review_id=review_id, theme_id=999_999, learning=LEARNING)
    with pytest.raises(InvalidInput, match="does not exist"):
        code_review_theme(session, officer, review_id=999_999, theme_id=neglect.id, learning=LEARNING)
    with pytest.raises(NotAllowed):
        code_review_theme(session, make_account("chair"), review_id=review_id, theme_id=neglect.id, learning=LEARNING)
    set_theme_active(session, admin, theme_id=neglect.id, active=False, expected_version=neglect.version)
    with pytest.raises(InvalidInput, match='"Neglect" is retired: choose one of the active themes'):
        code_review_theme(session, officer, review_id=review_id, theme_id=neglect.id, learning=LEARNING)


def test_a_retired_theme_stays_on_the_reviews_already_coded(session: Session, make_account: MakeAccount) -> None:
    officer, admin = make_account("officer"), make_account("admin")
    review_id = _review(session, officer, date(2026, 5, 4))
    neglect = _theme(session, "Neglect")
    code_review_theme(session, officer, review_id=review_id, theme_id=neglect.id, learning=LEARNING)
    set_theme_active(session, admin, theme_id=neglect.id, active=False, expected_version=neglect.version)
    read = review_themes(session, officer, review_id=review_id)
    assert [(c.name, c.active, c.learning) for c in read.coded] == [("Neglect", False, LEARNING)]
    assert neglect.id not in [t.id for t in read.choices]
    [counted] = [t for t in list_themes(session, admin) if t.id == neglect.id]
    assert counted.reviews_coded == 1
    uncode_review_theme(session, officer, review_id=review_id, theme_id=neglect.id)  # a retired theme comes off too
    assert review_themes(session, officer, review_id=review_id).coded == ()


def test_a_withdrawn_review_is_not_coded_and_not_counted(session: Session, make_account: MakeAccount) -> None:
    officer, manager = make_account("officer"), make_account("manager")
    review_id = _review(session, officer, date(2026, 5, 4))
    neglect = _theme(session, "Neglect")
    code_review_theme(session, officer, review_id=review_id, theme_id=neglect.id, learning=LEARNING)
    withdraw_review(session, manager, review_id=review_id, expected_version=None, reason="duplicate",
                    as_of=date(2026, 5, 5))
    with pytest.raises(InvalidInput, match="was withdrawn"):
        code_review_theme(session, officer, review_id=review_id, theme_id=_theme(session, "Domestic abuse").id,
                          learning=LEARNING)
    with pytest.raises(InvalidInput, match="was withdrawn"):
        uncode_review_theme(session, officer, review_id=review_id, theme_id=neglect.id)
    assert not review_themes(session, officer, review_id=review_id).writable
