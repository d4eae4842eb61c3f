"""Issue 30: one hash chain per partnership (each of the three: the daily log, the report versions, the record of
changes).

Before this, migrations 0009 and 0017 kept one head per chain for the whole deployment: every insert of every
partnership took the same head row's lock, and a partnership's chain could not be verified (or later exported) without
every other partnership's rows. Now:
- `record_chain_heads` is keyed by (partnership_id, chain): each chain trigger takes the head of the inserted row's
  own partnership (NEW.partnership_id, migration 0033's default), so two partnerships' writes never wait for each
  other's head, and each partnership's rows are positions 1..n of its own chain;
- `chain_position` is unique per partnership ((partnership_id, chain_position)), no longer across the deployment;
- a partnership inserted gets its three heads at once (position 0, the genesis hash), by a trigger on partnerships
  that fires before the one recording the partnership's own row (AFTER triggers fire in name order), so no insert
  ever finds no head;
- a row written with no partnership (two partnerships, none declared) is refused as the NOT NULL on partnership_id
  refuses it, before any head is looked for.

The existing chains become partnership 1's as they are: its positions and hashes unchanged, nothing rehashed. The
upgrade is refused if a chained row already belongs to another partnership (its rows are interleaved in the one
chain, and splitting them would rehash both); the downgrade is refused while another partnership has chained rows
(its chain cannot be merged into partnership 1's without rehashing), and drops the genesis heads of the others.
Locking order inside one partnership is unchanged: its daily log's head first.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
CHAINS = ("daily_log", "report_versions", "record_history")

# The three chain functions of migrations 0009 and 0017, frozen as they were (for the downgrade) and with the head
# taken by the row's partnership. {head} is the condition choosing a chain's head row, {chain} replaced in it.
_CHAIN_FUNCTION = """
CREATE OR REPLACE FUNCTION chain_{table}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    head record_chain_heads%ROWTYPE;
BEGIN{refuse_none}{log_first}
    SELECT * INTO head FROM record_chain_heads WHERE {head_of_table} FOR UPDATE;{refuse_headless}
    NEW.chain_position := head.position + 1;
    NEW.chain_hash := encode(sha256(convert_to(head.hash || E'\\n' || {table}_canonical(NEW), 'UTF8')), 'hex');
    UPDATE record_chain_heads SET position = NEW.chain_position, hash = NEW.chain_hash WHERE {head_of_table};
    RETURN NEW;
END $$;
"""
_LOG_FIRST = """
    -- The log's head first, as every log insert does: two transactions never wait for each other in a circle.
    PERFORM 1 FROM record_chain_heads WHERE {head_of_log} FOR UPDATE;"""
_REFUSE_NONE = """
    IF NEW.partnership_id IS NULL THEN
        -- As the NOT NULL would, but before a head is looked for: with two partnerships the database never guesses.
        RAISE EXCEPTION 'null value in column "partnership_id" of relation "%" violates not-null constraint',
            TG_TABLE_NAME USING ERRCODE = 'not_null_violation', COLUMN = 'partnership_id', TABLE = TG_TABLE_NAME;
    END IF;"""
_REFUSE_HEADLESS = """
    IF NOT FOUND THEN
        RAISE EXCEPTION 'partnership % has no head for the chain %', NEW.partnership_id, TG_TABLE_NAME;
    END IF;"""


def _chain_functions(*, by_partnership: bool) -> None:
    def head(chain: str) -> str:
        where = f"chain = '{chain}'"
        return f"partnership_id = NEW.partnership_id AND {where}" if by_partnership else where

    for table in CHAINS:
        log_first = _LOG_FIRST.format(head_of_log=head("daily_log")) if table != "daily_log" else ""
        op.execute(_CHAIN_FUNCTION.format(
            table=table, head_of_table=head(table), log_first=log_first,
            refuse_none=_REFUSE_NONE if by_partnership else "",
            refuse_headless=_REFUSE_HEADLESS if by_partnership else ""))


def _position_indexes(*, by_partnership: bool) -> None:
    for table in CHAINS:
        if by_partnership:
            op.drop_index(f"ix_{table}_chain_position", table_name=table)
            op.create_index(f"ix_{table}_partnership_chain_position", table, ["partnership_id", "chain_position"],
                            unique=True)
        else:
            op.drop_index(f"ix_{table}_partnership_chain_position", table_name=table)
            op.create_index(f"ix_{table}_chain_position", table, ["chain_position"], unique=True)


def _others_chained(table: str) -> list[int]:
    return list(op.get_bind().execute(sa.text(
        f"SELECT DISTINCT partnership_id FROM {table} WHERE partnership_id <> 1 ORDER BY 1")).scalars())


def upgrade() -> None:
    for table in CHAINS:
        others = _others_chained(table)
        if others:
            raise RuntimeError(
                f"{table} holds rows of partnership(s) {', '.join(map(str, others))} on the one chain of the "
                "deployment: they cannot become a chain of their own without rehashing, so nothing was changed")
    op.drop_constraint("record_chain_heads_pkey", "record_chain_heads", type_="primary")
    op.create_primary_key("record_chain_heads_pkey", "record_chain_heads", ["partnership_id", "chain"])
    _position_indexes(by_partnership=True)
    _chain_functions(by_partnership=True)
    # Every partnership but the first (none but in a database the owner changed by hand since 0033, with no chained
    # row, as checked above) gets its three genesis heads; so does each partnership made from now on.
    op.execute(f"""
        INSERT INTO record_chain_heads (partnership_id, chain, position, hash)
        SELECT p.id, c.chain, 0, '{GENESIS}' FROM partnerships p
        CROSS JOIN (VALUES {', '.join(f"('{chain}')" for chain in CHAINS)}) AS c (chain)
        ON CONFLICT DO NOTHING
    """)
    op.execute(f"""
        CREATE FUNCTION start_partnership_chains() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        BEGIN
            INSERT INTO record_chain_heads (partnership_id, chain, position, hash)
            SELECT NEW.id, c.chain, 0, '{GENESIS}'
            FROM (VALUES {', '.join(f"('{chain}')" for chain in CHAINS)}) AS c (chain);
            RETURN NULL;
        END $$
    """)
    op.execute("REVOKE ALL ON FUNCTION start_partnership_chains() FROM PUBLIC")
    # Named to fire before partnerships_history (AFTER triggers fire in name order), whose history row is the first
    # link of the new partnership's record of changes.
    op.execute("CREATE TRIGGER partnerships_chain_heads AFTER INSERT ON partnerships"
               " FOR EACH ROW EXECUTE FUNCTION start_partnership_chains()")


def downgrade() -> None:
    others = sorted({p for table in CHAINS for p in _others_chained(table)})
    if others:
        raise RuntimeError(
            f"partnership(s) {', '.join(map(str, others))} have chained rows of their own: their chains cannot be "
            "merged into one chain of the deployment without rehashing, so nothing was changed")
    op.execute("DROP TRIGGER partnerships_chain_heads ON partnerships")
    op.execute("DROP FUNCTION start_partnership_chains()")
    op.execute("DELETE FROM record_chain_heads WHERE partnership_id <> 1")
    _chain_functions(by_partnership=False)
    _position_indexes(by_partnership=False)
    op.drop_constraint("record_chain_heads_pkey", "record_chain_heads", type_="primary")
    op.create_primary_key("record_chain_heads_pkey", "record_chain_heads", ["chain"])
