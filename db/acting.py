"""Who is acting in a transaction, for the database's record of changes (migration 0017).

`act_as` sets two settings for the current transaction only (set_config(..., true): SET LOCAL, so they end with the
transaction and work behind a transaction-mode pooler): `rrt.account_id`, the signed-in account (blank for none),
and `rrt.via`, how the change came (`page`, `route`, `command`, `demo`). The history trigger writes both beside each
change, with the database user and the database's own time; the daily log's trigger refuses an entry whose author is
not the account set here. They are what the app declares: the database cannot prove them (the app's role could set
another account), so the history also keeps the database user, and the time is never the app's.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

_ACT_AS = text("SELECT set_config('rrt.account_id', :account, true), set_config('rrt.via', :via, true)")


def act_as(session: Session | Connection, account_id: int | None, *, via: str) -> None:
    """Declare the acting account (None: nobody signed in, or the system) for the rest of this transaction."""
    session.execute(_ACT_AS, {"account": "" if account_id is None else str(int(account_id)), "via": via})
