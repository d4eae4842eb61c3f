"""Fixtures of the integration tests that run services as the pages do, through the unit of work."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine

from services import unit_of_work


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[Engine]:
    """This test's database (the owner's URL); the unit of work starts and ends with no engine."""
    unit_of_work.reset()
    owner = create_engine(fresh_database_url)
    yield owner
    owner.dispose()
    unit_of_work.reset()
