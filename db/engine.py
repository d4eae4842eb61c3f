"""Engine and sessions: DATABASE_URL when set, else the embedded server."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.embedded import default_data_folder, start_embedded_server, to_sqlalchemy_url


def database_url() -> str:
    """The server to use: DATABASE_URL, or the embedded server in the data folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return to_sqlalchemy_url(url)
    return start_embedded_server(default_data_folder())


def make_engine(url: str | None = None) -> Engine:
    return create_engine(url or database_url(), pool_pre_ping=True, future=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with factory() as session, session.begin():
        yield session


def upgrade_to_head(engine: Engine) -> None:
    """Run every Alembic migration not yet applied."""
    from alembic import command
    from alembic.config import Config

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    config = Config(os.path.join(root, "alembic.ini"))
    config.set_main_option("script_location", os.path.join(root, "db", "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
