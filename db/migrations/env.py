"""Alembic environment: runs on the connection handed in, or on DATABASE_URL."""
from alembic import context

import db.model_registry  # noqa: F401  (every model module, so autogenerate sees all tables)
from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    from db.engine import make_engine

    engine = make_engine()
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
