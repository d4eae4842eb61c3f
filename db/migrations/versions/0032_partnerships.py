"""Issue 30, first step: the partnership as every row's first key.

Before this, one installation served one partnership and nothing in a row said whose it was. Now:
- `partnerships` (id, name, code): one row per partnership on this deployment. The code is what a user types (or an
  address carries) to choose the partnership at sign-in once there are several: lower-case letters, digits and
  hyphens, 2-20 characters. The existing installation becomes partnership 1, named as its settings name it, its code
  made from that name. The app's role may only read it (a partnership is made by `manage.py`, as the owner).
- every other table but alembic_version gets `partnership_id`, NOT NULL, referencing partnerships, its default
  `current_partnership()`: the partnership the transaction declared (`rrt.partnership_id`, set with
  set_config(..., true) like the acting account, db/acting.py), else the only partnership while there is one, else
  NULL, so that with two partnerships a row written without one declared is refused (NOT NULL), never guessed. Added
  with that default every existing row reads partnership 1 at once, without rewriting a table (PostgreSQL keeps a
  non-volatile default in the catalogue): nothing in a row's hashed text changes, so every chain verifies as before.
- what must be unique is unique per partnership: usernames and email addresses, agency names, case references, the
  milestone plan's keys, the scoping form's version numbers, theme names (in any case) and closure days.

Row-level security, one chain and one data version per partnership, the settings' row per partnership and the sign-in
by partnership follow (docs/scaling.md names what is left).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

# Every table of revision 0031 but alembic_version: frozen here (tests/integration/test_partnerships.py fails on a
# table of the schema without the column).
OWNED = (
    "accounts", "action_evidence", "action_evidence_documents", "agencies", "agency_action_links",
    "agency_exchange_settings", "agency_form_sections", "agency_form_versions", "agency_return_answers",
    "agency_return_attachments", "agency_return_chases", "agency_return_links", "agency_return_rounds",
    "agency_return_send_backs", "agency_returns", "calendar_event_states", "calendar_feeds", "case_folder_documents",
    "closure_days", "daily_log", "data_versions", "lcsprs", "meeting_agencies", "meetings",
    "milestone_date_corrections", "milestone_templates", "panel_responses", "practice_themes", "recommendations",
    "record_chain_heads", "record_history", "record_verifications", "report_sections", "report_sign_offs",
    "report_versions", "review_actions", "review_children", "review_fact_corrections", "review_milestones",
    "review_themes", "reviews", "sent_mail", "settings", "sign_in_sessions",
)
# (table, the unique constraint or index made per partnership, its columns before, its name after): a plain unique
# constraint becomes (partnership_id, columns).
PER_PARTNERSHIP = (
    ("accounts", "accounts_username_key", ("username",), "one_username_per_partnership"),
    ("accounts", "accounts_email_key", ("email",), "one_email_per_partnership"),
    ("agencies", "agencies_name_key", ("name",), "one_agency_name_per_partnership"),
    ("reviews", "reviews_case_reference_key", ("case_reference",), "one_case_reference_per_partnership"),
    ("milestone_templates", "milestone_templates_key_key", ("key",), "one_milestone_key_per_partnership"),
    ("agency_form_versions", "agency_form_versions_number_key", ("number",), "one_form_number_per_partnership"),
)
CODE_PATTERN = "^[a-z0-9][a-z0-9-]{1,19}$"


def _app_group() -> str | None:
    return op.get_bind().execute(sa.text(
        "SELECT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r"
        " ON r.oid = a.grantee WHERE c.oid = 'reviews'::regclass AND r.rolname LIKE 'rrt\\_app%' LIMIT 1")).scalar()


def upgrade() -> None:
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint(f"code ~ '{CODE_PATTERN}'", name="partnership_code_form"),
        sa.CheckConstraint("btrim(name) <> ''", name="partnership_name_given"),
        sa.UniqueConstraint("code", name="one_partnership_per_code"),
    )
    group = _app_group()
    if group is not None:
        # The owner's default privileges gave the group full DML: partnerships are made by the owner only.
        op.execute(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON partnerships FROM "{group}"')
        op.execute(f'REVOKE ALL ON SEQUENCE partnerships_id_seq FROM "{group}"')
    # The existing installation: its settings' name (a database made before any settings: "Partnership"), a code from
    # it: lower-case letters and digits, each run of anything else one hyphen, cut after the last whole word within
    # 20 characters (a first word longer than that cut at 20); "partnership" if nothing is left.
    op.execute(
        f"""
        INSERT INTO partnerships (id, name, code)
        SELECT 1, coalesce(nullif(btrim(s.name), ''), 'Partnership'),
               CASE WHEN s.code ~ '{CODE_PATTERN}' THEN s.code ELSE 'partnership' END
        FROM (SELECT w.name, coalesce(substring(w.words FROM '^(.{{1,20}})(-|$)'), left(w.words, 20)) AS code
              FROM (SELECT n.name, btrim(regexp_replace(lower(coalesce(n.name, '')), '[^a-z0-9]+', '-', 'g'), '-')
                           AS words
                    FROM (SELECT (SELECT partnership_name FROM settings WHERE id = 1) AS name) AS n) AS w) AS s
        """
    )
    op.execute("SELECT setval('partnerships_id_seq', 1)")
    op.execute(
        """
        CREATE FUNCTION current_partnership() RETURNS integer LANGUAGE sql STABLE
        SET search_path = public, pg_temp AS $$
            SELECT coalesce(nullif(current_setting('rrt.partnership_id', true), '')::integer,
                            (SELECT min(id) FROM partnerships HAVING count(*) = 1))
        $$
        """
    )
    for table in OWNED:
        op.execute(f"ALTER TABLE {table} ADD COLUMN partnership_id integer NOT NULL DEFAULT current_partnership()"
                   f" CONSTRAINT {table}_partnership_id_fkey REFERENCES partnerships (id)")
    for table, before, columns, after in PER_PARTNERSHIP:
        op.drop_constraint(before, table, type_="unique")
        op.create_unique_constraint(after, table, ["partnership_id", *columns])
    op.drop_index("uq_practice_themes_name", table_name="practice_themes")
    op.create_index("one_theme_name_per_partnership", "practice_themes",
                    ["partnership_id", sa.text("lower(name)")], unique=True)
    op.drop_constraint("closure_days_pkey", "closure_days", type_="primary")
    op.create_primary_key("closure_days_pkey", "closure_days", ["partnership_id", "closed_on"])


def downgrade() -> None:
    op.drop_constraint("closure_days_pkey", "closure_days", type_="primary")
    op.create_primary_key("closure_days_pkey", "closure_days", ["closed_on"])
    op.drop_index("one_theme_name_per_partnership", table_name="practice_themes")
    op.create_index("uq_practice_themes_name", "practice_themes", [sa.text("lower(name)")], unique=True)
    for table, before, columns, after in PER_PARTNERSHIP:
        op.drop_constraint(after, table, type_="unique")
        op.create_unique_constraint(before, table, list(columns))
    for table in OWNED:
        op.drop_column(table, "partnership_id")
    op.execute("DROP FUNCTION current_partnership()")
    op.drop_table("partnerships")
