"""Test databases: TEST_DATABASE_URL when set, else an embedded server; one migrated template per run.

Under pytest-xdist (`make test` runs `-n 2`) each worker is a process of its own with its own session fixtures: its
own template and databases (uuid names), its own embedded server when TEST_DATABASE_URL is unset (a folder of its
own), its own browser and served apps (free ports), its own pool making copies ahead and dropping them behind
(tests/database_pool.py). What the workers share is the PostgreSQL server: the login role
`rrt_test_app` (made or updated under a server-wide advisory lock, `server_lock`) and the per-database app groups,
named after the uuid-named databases.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.acting import act_as
from db.embedded import start_embedded_server, to_sqlalchemy_url
from db.engine import app_group_name, claim_app_grants, create_app_role, upgrade_to_head
from db.models import Account
from tests.database_pool import DatabasePool
from tests.types import DemoTemplate, MakeAccount

# Every test's `monkeypatch` makes the server's settings be read again after it changes the environment.
pytest_plugins = ["tests.settings_fixture"]

# The app's login role on the test server (roles belong to the server, so it is made once and never dropped: another
# run on the same server may be using it). The services under test run as it, as the app does.
TEST_APP_ROLE = "rrt_test_app"
TEST_APP_PASSWORD = "rrt-test-app-only"


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return to_sqlalchemy_url(url)
    folder = tempfile.mkdtemp(prefix="rrt-test-pg-", dir="/tmp")
    return start_embedded_server(Path(folder) / "pgdata", delete_on_exit=True)


def _admin_engine(server_url: str) -> Engine:
    return create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")


# pg_advisory_lock's key for changes to the server's shared login role. Advisory locks belong to one database: every
# taker connects to `postgres` for it.
_ROLE_LOCK = 7_311_020


@contextmanager
def server_lock(server_url: str) -> Iterator[None]:
    """Hold a server-wide lock for the block: two workers (or two runs) altering `rrt_test_app` at once would make
    PostgreSQL refuse one ("tuple concurrently updated")."""
    admin = _admin_engine(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ROLE_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ROLE_LOCK})
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def server_url() -> str:
    return _server_url()


@pytest.fixture(scope="session")
def database_pool(server_url: str) -> Iterator[DatabasePool]:
    """This process's copies of templates made ahead and databases dropped behind (tests/database_pool.py)."""
    pool = DatabasePool(lambda template: _create_from_template(server_url, template),
                        lambda name: _drop(server_url, name))
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def template_database(server_url: str, database_pool: DatabasePool) -> Iterator[str]:
    """A database migrated to head, used as the template of every test database."""
    name = f"rrt_template_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name)
    engine = create_engine(url)
    upgrade_to_head(engine, app_roles=[TEST_APP_ROLE])
    with server_lock(server_url):
        create_app_role(engine, TEST_APP_ROLE, TEST_APP_PASSWORD)
    engine.dispose()
    yield name
    database_pool.forget(name)
    _drop(server_url, name)
    admin.dispose()


def _create_from_template(server_url: str, template: str, name: str | None = None) -> tuple[str, str]:
    name = name or f"rrt_test_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    # A copy's grants still name the template's group: they become the copy's own, and the test role joins it.
    owner = create_engine(url)
    with owner.begin() as conn:
        claim_app_grants(conn, [app_group_name(template)])
    with server_lock(server_url):
        create_app_role(owner, TEST_APP_ROLE)
    owner.dispose()
    return name, url


def as_app_role(url: str) -> str:
    """The same database, connected as the app's login role."""
    return make_url(url).set(username=TEST_APP_ROLE, password=TEST_APP_PASSWORD).render_as_string(
        hide_password=False)


def _drop(server_url: str, name: str) -> None:
    """Drop a test database and its app group (a role of the server, which would otherwise pile up run after run)."""
    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{app_group_name(name)}"'))
    admin.dispose()


# The run's name, shared by its test workers (set by the first process, inherited by the workers pytest-xdist starts):
# the demo templates made for the run are named after it.
RUN_VARIABLE = "RRT_TEST_RUN"
DEMO_TEMPLATE_PREFIX = "rrt_demo_"


def _run_id() -> str:
    return os.environ.setdefault(RUN_VARIABLE, uuid.uuid4().hex[:10])


def _shared_server() -> bool:
    """The workers share one PostgreSQL server (TEST_DATABASE_URL); each starts its own embedded one otherwise."""
    return bool(os.environ.get("TEST_DATABASE_URL"))


def demo_template_name(as_of: date, password: str, role: str) -> str:
    """The run's demo template for this day, password and role (at most 63 characters: a PostgreSQL name)."""
    digest = hashlib.sha256(password.encode()).hexdigest()[:8]
    return f"{DEMO_TEMPLATE_PREFIX}{_run_id()}_{as_of:%Y%m%d}_{role}_{digest}"


def _load_demo_template(server_url: str, url: str, as_of: date, password: str, role: str) -> None:
    from demo.partnership import load_demo_data  # imports most of the app: only when a demo is asked for

    engine = create_engine(as_app_role(url) if role == DEMO_AS_APP else url)
    try:
        with Session(engine) as session, session.begin():
            if role == DEMO_AS_APP:
                act_as(session, None, via="demo")  # as `manage.py demo-data` loads it
            load_demo_data(session, as_of=as_of, password=password)
    finally:
        engine.dispose()  # a template must have no connection left when it is copied


# Who loads a demo template: the owner (as the first-run set-up and the tests' seeding do) or the app's role as
# `manage.py demo-data` does (its log, history user and "via" differ).
DEMO_AS_OWNER = "owner"
DEMO_AS_APP = "app"


@pytest.fixture(scope="session")
def demo_template(server_url: str, template_database: str, database_pool: DatabasePool) -> Iterator[DemoTemplate]:
    """`demo_template(as_of, password, role)`: the name of a database holding the demo partnership loaded as of that
    day with that password (by the owner, or by the app's role as `manage.py demo-data` does), for
    `_create_from_template` to copy. The load runs about eleven thousand statements; a copy takes a fraction of a
    second.

    On a shared server (TEST_DATABASE_URL) each is loaded once for the whole run: the first worker to ask makes it
    under a server-wide advisory lock named after it, the others wait for that lock and copy it; the run's first
    process drops them at its end (`pytest_sessionfinish`). With an embedded server per worker, each worker loads its
    own and drops it at its end."""
    made: dict[str, str] = {}

    def get(as_of: date, password: str, role: str = DEMO_AS_OWNER) -> str:
        name = demo_template_name(as_of, password, role)
        if name in made:
            return name
        admin = _admin_engine(server_url)
        try:
            with admin.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": name})
                try:
                    if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                    {"name": name}).first() is None:
                        url = _create_from_template(server_url, template_database, name)[1]
                        try:
                            _load_demo_template(server_url, url, as_of, password, role)
                        except BaseException:
                            _drop(server_url, name)
                            raise
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": name})
        finally:
            admin.dispose()
        made[name] = name
        return name

    yield get
    for name in made:
        database_pool.forget(name)
        if not _shared_server():
            _drop(server_url, name)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's first process (not a pytest-xdist worker) drops the run's demo templates, after every worker ended."""
    if hasattr(session.config, "workerinput") or not _shared_server() or RUN_VARIABLE not in os.environ:
        return
    server_url = _server_url()
    admin = _admin_engine(server_url)
    try:
        with admin.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                                 {"prefix": f"{DEMO_TEMPLATE_PREFIX}{_run_id()}\\_%"}).scalars().all()
    finally:
        admin.dispose()
    for name in names:
        _drop(server_url, name)


@pytest.fixture(scope="session")
def owner_url(server_url: str, engine: Engine) -> str:
    """The integration tests' shared database, as the role that owns its tables."""
    owner = make_url(server_url)
    return make_url(engine.url).set(username=owner.username, password=owner.password).render_as_string(
        hide_password=False)


@pytest.fixture(scope="session")
def engine(server_url: str, template_database: str) -> Iterator[Engine]:
    """The shared database of the integration tests (each test rolls back), connected as the app's role."""
    name, url = _create_from_template(server_url, template_database)
    engine = create_engine(as_app_role(url))
    yield engine
    engine.dispose()
    _drop(server_url, name)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work, commits included, is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()
    outer.rollback()
    connection.close()


# The demo partnership a test marked `demo_data` starts from: loaded as of this day, its accounts with this password.
DEMO_AS_OF = date(2026, 11, 26)
DEMO_TEST_PASSWORD = "browser tests' demo password"


def pytest_configure(config: pytest.Config) -> None:
    _run_id()  # named before pytest-xdist starts the workers, which inherit it
    config.addinivalue_line(
        "markers", "demo_data(as_of=DEMO_AS_OF, role=DEMO_AS_OWNER): fresh_database_url starts as a copy of the demo "
                   "partnership loaded as of that day with DEMO_TEST_PASSWORD, as the owner (as `load_demo_data` in "
                   "the test would) or as the app's role (DEMO_AS_APP, as `manage.py demo-data` does)")


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, template_database: str, database_pool: DatabasePool,
                       monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new migrated database for one test that commits for real (pages, browser); dropped afterwards.

    The URL given is the owner's (for seeding and inspecting); the app under test connects as the app's role
    (DATABASE_URL) and migrates as the owner (MIGRATION_DATABASE_URL), as a deployment does. Marked `demo_data`, the
    test's database is a copy of the demo partnership (`demo_template`) instead of an empty one.
    """
    template = template_database
    if (demo := request.node.get_closest_marker("demo_data")) is not None:
        demo_template: DemoTemplate = request.getfixturevalue("demo_template")
        template = demo_template(demo.kwargs.get("as_of", DEMO_AS_OF), DEMO_TEST_PASSWORD,
                                 demo.kwargs.get("role", DEMO_AS_OWNER))
    # Made ahead and dropped behind by this process's pool, off the test's time.
    name, url = database_pool.take(template)
    monkeypatch.setenv("DATABASE_URL", as_app_role(url))
    monkeypatch.setenv("MIGRATION_DATABASE_URL", url)
    yield url
    database_pool.give_back(name)


TEST_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def test_password_hash() -> str:
    # Hashed once: argon2 is slow on purpose, and most tests only need an account to act as.
    from services.accounts import hash_password

    return hash_password(TEST_PASSWORD)


@pytest.fixture
def make_account(session: Session, test_password_hash: str) -> MakeAccount:
    """Create an account with the given roles (password TEST_PASSWORD)."""
    counter = iter(range(1, 10_000))

    def make(*roles: str, username: str | None = None) -> Account:
        account = Account(username=username or f"user{next(counter)}-{'-'.join(roles)}",
                          display_name=f"Test {' '.join(roles)}", roles=list(roles), active=True,
                          password_hash=test_password_hash, failed_attempts=0)
        session.add(account)
        session.flush()
        return account

    return make


@pytest.fixture
def officer(make_account: MakeAccount) -> Account:
    return make_account("officer")


@pytest.fixture
def manager(make_account: MakeAccount) -> Account:
    return make_account("manager")


@pytest.fixture
def chair(make_account: MakeAccount) -> Account:
    return make_account("chair")


TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _forget_sign_in_failures() -> Iterator[None]:
    """The sign-in throttle lives in the process's memory: each test starts with no failures counted."""
    from services.sign_in_throttle import THROTTLE

    THROTTLE.reset()
    yield
    THROTTLE.reset()


class SignInClock:
    """The clock of the sign-in throttle and of the limits library's memory storage, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def sign_in_clock(monkeypatch: pytest.MonkeyPatch) -> SignInClock:
    import limits.storage.memory

    import services.sign_in_throttle

    clock = SignInClock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(services.sign_in_throttle, "time", clock)
    return clock
