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
- a change's row of the record of changes (migration 0017's trigger) belongs to the changed row's partnership (a
  partnership's own row: that partnership), and so does the data version it moves (migration 0029): the scope
  ('partnership', id) is now the changed row's partnership, not always 1;
- what must be unique is unique per partnership: usernames and email addresses, agency names, case references, the
  milestone plan's keys, the scoping form's version numbers, theme names (in any case) and closure days.

Row-level security, one chain and one data version per partnership, the settings' row per partnership and the sign-in
by partnership follow (docs/scaling.md names what is left).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

# Every table of revision 0032 but alembic_version: frozen here (tests/integration/test_partnerships.py fails on a
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


# Migration 0017's record_row_change, frozen as it was (for the downgrade) and with the changed row's partnership.
_RECORD_ROW_CHANGE = """
CREATE OR REPLACE FUNCTION record_row_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    before jsonb;
    after jsonb;
    hidden text;
    account text := nullif(current_setting('rrt.account_id', true), '');
BEGIN
    IF TG_OP <> 'INSERT' THEN before := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN after := to_jsonb(NEW); END IF;
    IF TG_OP = 'UPDATE' AND before = after THEN
        RETURN NULL;
    END IF;
    FOREACH hidden IN ARRAY coalesce(TG_ARGV, '{{}}'::text[]) LOOP
        IF before ? hidden AND before ->> hidden IS NOT NULL THEN
            before := jsonb_set(before, ARRAY[hidden], to_jsonb('sha256:' || encode(sha256(CASE
                WHEN left(before ->> hidden, 2) = '\\x' THEN decode(substr(before ->> hidden, 3), 'hex')
                ELSE convert_to(before ->> hidden, 'UTF8') END), 'hex')));
        END IF;
        IF after ? hidden AND after ->> hidden IS NOT NULL THEN
            after := jsonb_set(after, ARRAY[hidden], to_jsonb('sha256:' || encode(sha256(CASE
                WHEN left(after ->> hidden, 2) = '\\x' THEN decode(substr(after ->> hidden, 3), 'hex')
                ELSE convert_to(after ->> hidden, 'UTF8') END), 'hex')));
        END IF;
    END LOOP;
    INSERT INTO record_history (changed_at, table_name, operation, row_key, review_id, account_id, via,
                                database_user, old_row, new_row, chain_position, chain_hash{partnership_column})
    VALUES (now(), TG_TABLE_NAME, TG_OP, coalesce(after ->> 'id', before ->> 'id', after ->> 'closed_on',
                before ->> 'closed_on', after ->> 'review_id', before ->> 'review_id',
                coalesce(after, before) ->> 'meeting_id' || '/' || (coalesce(after, before) ->> 'agency_id')),
            CASE TG_TABLE_NAME
                WHEN 'reviews' THEN (coalesce(after, before) ->> 'id')::int
                WHEN 'agency_return_send_backs' THEN (SELECT review_id FROM agency_returns
                    WHERE id = (coalesce(after, before) ->> 'agency_return_id')::int)
                WHEN 'agency_return_chases' THEN (SELECT review_id FROM agency_returns
                    WHERE id = (coalesce(after, before) ->> 'agency_return_id')::int)
                WHEN 'milestone_date_corrections' THEN (SELECT review_id FROM review_milestones
                    WHERE id = (coalesce(after, before) ->> 'milestone_id')::int)
                WHEN 'meeting_agencies' THEN (SELECT review_id FROM meetings
                    WHERE id = (coalesce(after, before) ->> 'meeting_id')::int)
                ELSE (coalesce(after, before) ->> 'review_id')::int END,
            CASE WHEN account ~ '^[0-9]{{1,9}}$' THEN account::int END,
            left(nullif(current_setting('rrt.via', true), ''), 40), session_user, before, after, 0, ''{partnership_value});
    RETURN NULL;
END $$
"""
_OF_THE_ROW = (", partnership_id",
               ", CASE TG_TABLE_NAME WHEN 'partnerships' THEN (coalesce(after, before) ->> 'id')::int"
               " ELSE (coalesce(after, before) ->> 'partnership_id')::int END")

# Migration 0029's two functions that move the data versions: {key} is the partnership's scope id and {owned} the
# partnership_id column's value (0029: 1 and none).
_MOVE_OF_CHANGE = """
CREATE OR REPLACE FUNCTION move_data_version_of_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    moved bigint := txid_current();
    kind text := CASE WHEN NEW.review_id IS NULL THEN 'partnership' ELSE 'review' END;
    key integer := coalesce(NEW.review_id, {key});
BEGIN
    -- Once per scope and transaction: a bulk change looks the row up, and writes it only the first time.
    PERFORM 1 FROM data_versions WHERE scope = kind AND scope_id = key AND version = moved;
    IF NOT FOUND THEN
        INSERT INTO data_versions (scope, scope_id, version{owned_column}) VALUES (kind, key, moved{owned})
            ON CONFLICT (scope, scope_id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    RETURN NULL;
END $$
"""
_MOVE_OF_ROWS = """
CREATE OR REPLACE FUNCTION move_data_versions_of_rows() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO data_versions (scope, scope_id, version{owned_column})
        SELECT DISTINCT CASE WHEN review_id IS NULL THEN 'partnership' ELSE 'review' END,
               coalesce(review_id, {key}), txid_current(){owned} FROM added
        ON CONFLICT (scope, scope_id) DO UPDATE SET version = EXCLUDED.version
            WHERE data_versions.version <> EXCLUDED.version;
    RETURN NULL;
END $$
"""


def _triggers(*, by_partnership: bool) -> None:
    column, value = _OF_THE_ROW if by_partnership else ("", "")
    op.execute(_RECORD_ROW_CHANGE.format(partnership_column=column, partnership_value=value))
    owned = {"owned_column": ", partnership_id" if by_partnership else ""}
    op.execute(_MOVE_OF_CHANGE.format(key="NEW.partnership_id" if by_partnership else "1",
                                      owned=", NEW.partnership_id" if by_partnership else "", **owned))
    op.execute(_MOVE_OF_ROWS.format(key="partnership_id" if by_partnership else "1",
                                    owned=", partnership_id" if by_partnership else "", **owned))


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
    _triggers(by_partnership=True)
    # A partnership's name or code changed (by the owner) is on the record too.
    op.execute("CREATE TRIGGER partnerships_history AFTER INSERT OR UPDATE OR DELETE ON partnerships"
               " FOR EACH ROW EXECUTE FUNCTION record_row_change()")


def downgrade() -> None:
    op.execute("DROP TRIGGER partnerships_history ON partnerships")
    _triggers(by_partnership=False)
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
