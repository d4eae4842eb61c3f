"""Issue 30: the settings and the agencies' link settings, one row per partnership.

Before this, `settings` and `agency_exchange_settings` each held one row for the deployment (CHECK id = 1) and the
code read id 1. Now:
- each holds one row per partnership (unique partnership_id), the row of the partnership the transaction is in
  (`current_partnership()`) being the one the code reads; the primary key `id` stays, the existing rows keep id 1 and
  a new row takes the next id of the column's sequence (moved past 1 here: the first migrations inserted id 1 by hand);
- a partnership inserted gets both rows at once, by a trigger on partnerships named to fire after
  partnerships_chain_heads (migration 0034: the new rows' changes are links of the new partnership's record of
  changes, whose head must exist) and after partnerships_history (the partnership's own row stays the first link).
  The settings row is named as the partnership is, its other values the columns' defaults (migrations 0001, 0007,
  0011, 0020, 0026: amber at 1 working day, signed out after 30 idle minutes, local passwords on, not a training copy,
  the LCSPR's timescales as the guidance gives them); the link settings row takes its columns' defaults (10 working
  days, migration 0021).

A partnership made by the owner since 0034 (none but by hand) gets its rows here too. The downgrade is refused while
any row belongs to another partnership than the first or the first's row is not id 1: one row per deployment cannot
hold two partnerships' settings, and dropping theirs would lose them.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

# The columns given a value (the others take their defaults): the two with no default since migration 0001, whose
# first row had 1 and 30.
_SETTINGS_ROW = """
    INSERT INTO settings (partnership_id, partnership_name, amber_threshold_days, idle_timeout_minutes)
    SELECT {id}, {name}, 1, 30 {source}
"""
_LINK_SETTINGS_ROW = "INSERT INTO agency_exchange_settings (partnership_id) SELECT {id} {source}"
TABLES = (("settings", "single_row", "id = 1", "one_settings_row_per_partnership"),
          ("agency_exchange_settings", "agency_exchange_single_row", "id = 1",
           "one_link_settings_row_per_partnership"))


def upgrade() -> None:
    for table, single, _check, unique in TABLES:
        op.drop_constraint(single, table, type_="check")
        op.create_unique_constraint(unique, table, ["partnership_id"])
        # Rows inserted with id 1 by hand left the sequence where nextval gives 1 again.
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), greatest(coalesce(max(id), 0), 1))"
                   f" FROM {table}")
    missing = ("FROM partnerships p WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.partnership_id = p.id)"
               " ORDER BY p.id")
    op.execute(_SETTINGS_ROW.format(id="p.id", name="p.name", source=missing.format(table="settings")))
    op.execute(_LINK_SETTINGS_ROW.format(id="p.id", source=missing.format(table="agency_exchange_settings")))
    op.execute(f"""
        CREATE FUNCTION start_partnership_settings() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        BEGIN
            {_SETTINGS_ROW.format(id="NEW.id", name="NEW.name", source="").strip()};
            {_LINK_SETTINGS_ROW.format(id="NEW.id", source="")};
            RETURN NULL;
        END $$
    """)
    op.execute("REVOKE ALL ON FUNCTION start_partnership_settings() FROM PUBLIC")
    # AFTER triggers fire in name order: partnerships_chain_heads, partnerships_history, then this one.
    op.execute("CREATE TRIGGER partnerships_settings AFTER INSERT ON partnerships"
               " FOR EACH ROW EXECUTE FUNCTION start_partnership_settings()")


def downgrade() -> None:
    for table, *_ in TABLES:
        others = list(op.get_bind().execute(sa.text(
            f"SELECT DISTINCT partnership_id FROM {table} WHERE partnership_id <> 1 OR id <> 1 ORDER BY 1")).scalars())
        if others:
            raise RuntimeError(
                f"{table} holds rows of partnership(s) {', '.join(map(str, others))} besides the first's row 1: one "
                "row for the deployment cannot hold them, so nothing was changed")
    op.execute("DROP TRIGGER partnerships_settings ON partnerships")
    op.execute("DROP FUNCTION start_partnership_settings()")
    for table, single, check, unique in TABLES:
        op.drop_constraint(unique, table, type_="unique")
        op.create_check_constraint(single, table, check)
