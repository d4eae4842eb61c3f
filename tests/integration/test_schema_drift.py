"""The migrated database and the models say the same thing.

Migrations are frozen history with their own literal SQL; the models generate their CHECK text from db.enums. These
tests compare the two through the database itself: Alembic's autogenerate finds no difference, every table has the
same named CHECK constraints, and each enum's values are exactly what the database accepts.
"""
from __future__ import annotations

import ast
import re
from enum import StrEnum
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Connection, Engine, text

import db.enums as enums
import db.model_registry  # noqa: F401  (every model module, so Base.metadata knows every table)
from db.enums import (
    ActionStatus,
    CorrectedFact,
    FinalQaOutcome,
    FolderSection,
    InitialCheckOutcome,
    LogCategory,
    MailKind,
    MeetingKind,
    MilestoneKey,
    NotificationType,
    RecommendationSource,
    ReportVersionState,
    ReturnEnding,
    ReviewState,
    Role,
    WithdrawalReason,
)
from db.models import Base

MIGRATIONS = Path(__file__).resolve().parents[2] / "db" / "migrations" / "versions"


def _differences(engine: Engine, **opts: bool) -> list[object]:
    with engine.connect() as conn:
        differences: list[object] = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        return differences


def test_autogenerate_finds_no_difference_between_the_migrations_and_the_models(engine: Engine) -> None:
    assert _differences(engine) == []


def test_server_defaults_match_too(engine: Engine) -> None:
    assert _differences(engine, compare_server_default=True) == []


def _database_checks(conn: Connection) -> dict[str, dict[str, str]]:
    """{table: {constraint name: definition}} of the CHECK constraints in the public schema."""
    rows = conn.execute(text(
        "SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con"
        " JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = rel.relnamespace"
        " WHERE con.contype = 'c' AND ns.nspname = 'public'"
    ))
    checks: dict[str, dict[str, str]] = {}
    for table, name, definition in rows:
        checks.setdefault(table, {})[name] = definition
    return checks


def _model_checks() -> dict[str, set[str]]:
    checks: dict[str, set[str]] = {}
    for table in Base.metadata.tables.values():
        names = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
        if names:
            checks[table.name] = names
    return checks


def test_every_table_has_the_named_checks_its_model_declares(engine: Engine) -> None:
    with engine.connect() as conn:
        in_database = {table: set(checks) for table, checks in _database_checks(conn).items()}
    assert in_database == _model_checks()


# Each vocabulary's CHECK: (table, constraint, column, the column's type for the probe, its enum).
ENUM_CHECKS = [
    ("accounts", "known_roles", "roles", "text[]", Role),
    ("reviews", "notification_type_known", "notification_type", "varchar", NotificationType),
    ("reviews", "state_known", "state", "varchar", ReviewState),
    ("daily_log", "category_known", "category", "varchar", LogCategory),
    ("daily_log", "section_known", "folder_section", "varchar", FolderSection),
    ("agency_returns", "initial_check_outcome_known", "initial_check_outcome", "varchar", InitialCheckOutcome),
    ("agency_returns", "final_qa_outcome_known", "final_qa_outcome", "varchar", FinalQaOutcome),
    ("agency_returns", "file_section_known", "file_section", "varchar", FolderSection),
    ("agency_returns", "ended_as_known", "ended_as", "varchar", ReturnEnding),
    ("meetings", "meeting_kind_known", "kind", "varchar", MeetingKind),
    ("report_versions", "version_state_known", "state", "varchar", ReportVersionState),
    ("sent_mail", "mail_kind_known", "kind", "varchar", MailKind),
    ("reviews", "withdrawn_reason_known", "withdrawn_reason", "varchar", WithdrawalReason),
    ("review_fact_corrections", "fact_known", "fact", "varchar", CorrectedFact),
    ("recommendations", "recommendation_source_known", "source", "varchar", RecommendationSource),
    ("review_actions", "action_status_known", "status", "varchar", ActionStatus),
    ("action_evidence", "evidence_outcome_known", "outcome", "varchar", FinalQaOutcome),
]


def test_every_vocabulary_with_a_check_is_probed() -> None:
    vocabularies = {v for v in vars(enums).values() if isinstance(v, type) and issubclass(v, StrEnum)
                    and v.__module__ == enums.__name__}
    # Milestone keys have no CHECK: the plan's seeded rows are their truth (tested below).
    assert vocabularies - {MilestoneKey} == {enum for *_, enum in ENUM_CHECKS}


def _accepts(conn: Connection, definition: str, column: str, sql_type: str, value: str) -> bool:
    """Evaluate the CHECK's own expression, as the database holds it, for a row whose `column` is `value`."""
    check = re.fullmatch(r"CHECK \((.*)\)", definition, re.S)
    assert check is not None, definition
    expression = check.group(1)
    probe = "ARRAY[CAST(:value AS text)]" if sql_type == "text[]" else "CAST(:value AS varchar)"
    # A CHECK passes unless it is false (NULL passes), as when the database checks a row.
    accepted: bool = conn.execute(
        text(f"SELECT ({expression}) IS NOT FALSE FROM (SELECT {probe} AS {column}) AS probe"), {"value": value}
    ).scalar_one()
    return accepted


@pytest.mark.parametrize("table, name, column, sql_type, enum", ENUM_CHECKS,
                         ids=[f"{t}.{n}" for t, n, *_ in ENUM_CHECKS])
def test_the_database_accepts_exactly_the_enums_values(engine: Engine, table: str, name: str, column: str,
                                                       sql_type: str, enum: type[StrEnum]) -> None:
    with engine.connect() as conn:
        definition = _database_checks(conn)[table][name]
        refused = [v.value for v in enum if not _accepts(conn, definition, column, sql_type, v.value)]
        assert refused == [], f"{table}.{name} refuses {refused}: {definition}"
        for stranger in ("", "unknown", *(f"{v.value}x" for v in enum), *(v.value.upper() for v in enum)):
            if stranger not in set(enum):
                assert not _accepts(conn, definition, column, sql_type, stranger), (
                    f"{table}.{name} accepts {stranger!r}, which is no {enum.__name__}")
    # And the constraint names no value beyond the enum's (every quoted literal is one of them).
    literals = {m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", definition)}
    assert literals == {v.value for v in enum}, definition


def test_the_plan_is_seeded_with_exactly_the_milestone_keys(engine: Engine) -> None:
    with engine.connect() as conn:
        keys = set(conn.scalars(text("SELECT key FROM milestone_templates")))
        follows = set(conn.scalars(text("SELECT follows_key FROM milestone_templates WHERE follows_key IS NOT NULL")))
    assert keys == {k.value for k in MilestoneKey}
    assert follows <= keys


def test_migrations_are_frozen_history_and_import_no_model_or_enum() -> None:
    imported: dict[str, list[str]] = {}
    for path in sorted(MIGRATIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name == "db" or name.startswith("db.") or name.startswith("services"):
                    imported.setdefault(path.name, []).append(name)
    assert imported == {}
