"""Server commands: migrate, demo-data, create-user, create-app-role, verify, backup, restore, send-due-mail."""
from __future__ import annotations

import argparse
import getpass
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from config.settings import SettingsError, settings
from db.engine import (
    LEGACY_APP_GROUP,
    MigrationAsAppRole,
    app_group,
    claim_app_grants,
    create_app_role,
    make_engine,
    owner_database_url,
    prepare_database,
)
from services import unit_of_work
from services.clock import today_in_london
from services.errors import DatabaseUnavailable, ServiceError


@contextmanager
def _as_system(via: str = "command", *, bind: Engine | None = None) -> Iterator[Session]:
    """A command's transaction, on the app's engine (migrated as the owner, MIGRATION_DATABASE_URL, then run as the
    app's role, DATABASE_URL, as the app does) or on `bind`: its changes are on the record as the system's (no
    signed-in account), `via` it."""
    with unit_of_work.transaction(read_only=False, account_id=None, via=via, bind=bind) as session:
        yield session


def migrate(_args: argparse.Namespace) -> int:
    prepare_database(must_migrate=True)
    print("Database is up to date.")
    return 0


def create_app_role_command(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if args.password_stdin and not password:
        _fail("No password was given on standard input: nothing was done.")
        return 2
    owner = make_engine(owner_database_url())
    prepare_database()
    try:
        created = create_app_role(owner, args.name, password)
        with owner.connect() as connection:
            group = app_group(connection)
    except ValueError as error:
        _fail(str(error))
        return 2
    finally:
        owner.dispose()
    print(f"Role {args.name} {'created' if created else 'already existed'}; it is a member of {group}, the app's "
          f"group of this database only. Set DATABASE_URL to connect as {args.name}.")
    return 0


def demo_data(_args: argparse.Namespace) -> int:
    from demo.partnership import load_demo_data

    with _as_system(via="demo") as session:
        summary = load_demo_data(session, as_of=today_in_london())
    print(f"Loaded the fictional demo partnership: {summary.live_reviews} live reviews, "
          f"{summary.closed_reviews} closed reviews. This is a training copy: never enter real cases in it.")
    # Made at random by this load and kept nowhere (only its hashes): printed this once.
    print(f"Demo accounts (password for each, shown only now: {summary.password}; fictional demo only):")
    for username, display_name, roles in summary.accounts:
        print(f"  {username:14} {', '.join(roles):10} {display_name}")
    return 0


def create_user(args: argparse.Namespace) -> int:
    from services.accounts import create_account_from_command_line

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password again: "):
            print("The two passwords differ.", file=sys.stderr)
            return 2
    with _as_system() as session:
        account = create_account_from_command_line(
            session, username=args.username, display_name=args.display_name or args.username,
            roles=args.roles.split(","), password=password,
        )
    print(f"Account {account.username} created with roles {', '.join(account.roles)}.")
    return 0


def verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.integrity import heads_text, parse_heads, record_verification, verify_record

    expected = []
    if args.expect_heads:
        try:
            expected = parse_heads(Path(args.expect_heads).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            _fail(f"The heads file {args.expect_heads} cannot be read ({type(error).__name__}): nothing was checked.")
            return 2
        except ValueError as error:
            _fail(str(error))
            return 2
    with _as_system() as session:
        try:
            result = verify_record(session, expected, partnership_id=args.partnership)
        except ValueError as error:  # no such partnership
            _fail(str(error))
            return 2
        record_verification(session, result)
    if not result.ok:
        _fail(result.summary())
        return 4
    print(result.summary() + (f" (each still passes through the heads in {args.expect_heads})" if expected else ""))
    for record in result.partnerships:  # one partnership's chains: the line as before migration 0034
        of = f" of partnership {record.partnership_id}" if len(result.partnerships) > 1 else ""
        print(f"chain heads{of}: log {record.log_head}, report versions {record.versions_head}, history "
              f"{record.history_head} (keep these elsewhere)")
    if args.save_heads:
        Path(args.save_heads).write_text(heads_text(result.heads), encoding="utf-8")
        print(f"Chain heads written to {args.save_heads}: keep it away from the database, with the backup.")
    return 0


DIGEST_TIME_VARIABLE = "RRT_DIGEST_TIME"
DEFAULT_DIGEST_TIME = "07:00"


def send_due_mail(args: argparse.Namespace) -> int:
    """Queue the morning digests (on working days, from RRT_DIGEST_TIME in London), then send every queued email."""
    from datetime import datetime

    from services.clock import LONDON
    from services.due_mail import queue_digests
    from services.outbox import mail_config, send_pending

    config = mail_config()  # its URL was checked when the settings were read (main)
    digest_time = settings().digest_time
    if config is None:
        print("Email is off (SMTP_URL is not set): nothing was queued or sent.")
        return 0
    now = datetime.now(LONDON)
    queued = 0
    if args.digests_now or (now.hour, now.minute) >= (digest_time.hour, digest_time.minute):
        with _as_system() as session:
            queued = queue_digests(session, today=today_in_london())
    result = send_pending(_as_system, config)
    print(f"Digests queued: {queued}. Emails sent: {result.sent}; failed (tried again on the next run): "
          f"{result.failed}.")
    return 0 if result.failed == 0 else 6


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the client programs, with the password passed in the environment, not argv."""
    import os

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def backup(args: argparse.Namespace) -> int:
    import subprocess

    from db.embedded import pg_tool

    url = owner_database_url()
    engine = make_engine(url)
    try:
        tool = pg_tool("pg_dump", _server_major(engine))
    finally:
        engine.dispose()
    uri, env = _libpq(url)
    # Custom format: compressed, one consistent snapshot, restored with pg_restore (also table by table).
    done = subprocess.run([tool, "--format=custom", "--file", args.file, "--dbname", uri], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        _fail(f"The backup failed ({tool}): {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}")
        return 5
    print(f"Backup written to {args.file}: check it with `manage.py restore` into an empty database.")
    return 0


def restore(args: argparse.Namespace) -> int:
    import subprocess

    from db.embedded import pg_tool
    from services.integrity import record_verification, verify_record

    url = owner_database_url()
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            tables = connection.execute(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one()
            if tables:
                _fail("The database to restore into is not empty: restore into a new, empty database "
                      "(MIGRATION_DATABASE_URL, or a new RRT_DATA_DIR for the embedded server).")
                return 2
        tool = pg_tool("pg_restore", _server_major(engine))
        uri, env = _libpq(url)
        # The backup's grants name the app's group of the database it was taken from (`rrt_app` before migration
        # 0016): the restore needs that role to exist, and afterwards the grants become this database's group's.
        groups = _app_groups_in_backup(tool, args.file, env)
        with engine.begin() as connection:
            for group in groups:
                connection.execute(text(
                    f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN "
                    f'CREATE ROLE "{group}" NOLOGIN; END IF; END $$'))
        done = subprocess.run([tool, "--no-owner", "--exit-on-error", "--single-transaction", "--dbname", uri,
                               args.file], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            _fail(f"The restore failed and nothing was restored ({tool}): "
                  f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}")
            return 5
    finally:
        engine.dispose()
    # A backup from an older version is brought up to date, and the embedded server gets its app role.
    prepare_database(must_migrate=True)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            group = claim_app_grants(connection, groups)
        _join_app_group(engine, group)
        with _as_system(bind=engine) as session:
            result = verify_record(session)
            record_verification(session, result)
    finally:
        engine.dispose()
    print(f"Restored {args.file}.")
    if result.ok:
        print(result.summary())
        return 0
    _fail(result.summary())
    return 4


_GROUP_IN_ACL = re.compile(r"\b(?:TO|FROM)\s+\"?(rrt_app(?:_[a-z0-9_]+)?)\"?\s*;")


def _app_groups_in_backup(tool: str, file: str, env: dict[str, str]) -> list[str]:
    """The app groups a backup's grants name, read from its ACL entries only (not its data)."""
    import subprocess
    import tempfile

    listing = subprocess.run([tool, "--list", file], env=env, capture_output=True, text=True)
    if listing.returncode != 0:
        return [LEGACY_APP_GROUP]
    acl = [line for line in listing.stdout.splitlines() if " ACL " in line]
    if not acl:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as chosen:
        chosen.write("\n".join(acl) + "\n")
        chosen.flush()
        script = subprocess.run([tool, "--use-list", chosen.name, "--file", "-", file], env=env, capture_output=True,
                                text=True)
    return sorted(set(_GROUP_IN_ACL.findall(script.stdout))) or [LEGACY_APP_GROUP]


def _join_app_group(engine: Engine, group: str) -> None:
    """After a restore: DATABASE_URL's role, when it is not the owner, joins this database's group (a new database
    has a new group, and the role is the one this installation's app connects as)."""
    from sqlalchemy.engine import make_url

    database_url = settings().database_url
    user = make_url(database_url).username if database_url else None
    if user and user != engine.url.username:
        try:
            create_app_role(engine, user)
        except ValueError as error:
            _fail(f"{error} It was not added to {group}.")


DATABASE_UNREACHABLE = (
    "The database cannot be reached, so nothing was done: check that the database server is running and that "
    "DATABASE_URL is right, then run the command again."
)


def _fail(sentence: str) -> None:
    print(sentence, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every database migration").set_defaults(func=migrate)
    sub.add_parser("demo-data", help="load the fictional demo partnership into an empty database").set_defaults(
        func=demo_data)
    user = sub.add_parser("create-user", help="create an account")
    user.add_argument("--username", required=True)
    user.add_argument("--display-name")
    user.add_argument("--roles", required=True, help="comma-separated: manager,officer,chair,board,admin")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.set_defaults(func=create_user)
    role = sub.add_parser("create-app-role", help="create the LOGIN role the app connects as (run as the owner)")
    role.add_argument("--name", required=True)
    role.add_argument("--password-stdin", action="store_true", help="read the role's password from standard input")
    role.set_defaults(func=create_app_role_command)
    backup_parser = sub.add_parser("backup", help="write a PostgreSQL custom-format dump of the database to FILE")
    backup_parser.add_argument("file")
    backup_parser.set_defaults(func=backup)
    restore_parser = sub.add_parser("restore", help="restore FILE into an empty database, then verify the record")
    restore_parser.add_argument("file")
    restore_parser.set_defaults(func=restore)
    verify_parser = sub.add_parser(
        "verify", help="check the hash chains of the daily log, the report versions and the record of changes")
    verify_parser.add_argument("--expect-heads", metavar="FILE",
                               help="heads saved by an earlier verify: fail if a chain no longer passes through them")
    verify_parser.add_argument("--save-heads", metavar="FILE", help="write the chain heads to FILE once verified")
    verify_parser.add_argument("--partnership", metavar="ID", type=int,
                               help="verify this partnership's chains only (default: every partnership's)")
    verify_parser.set_defaults(func=verify)
    mail = sub.add_parser("send-due-mail", help="queue the morning digests and send every queued email (run by cron)")
    mail.add_argument("--digests-now", action="store_true",
                      help=f"queue today's digests even before {DIGEST_TIME_VARIABLE} (default {DEFAULT_DIGEST_TIME})")
    mail.set_defaults(func=send_due_mail)
    parser.add_argument("--traceback", action="store_true",
                        help="on an unexpected error, also print the full traceback (it may quote what was typed)")
    args = parser.parse_args(argv)
    try:
        settings()  # a setting that cannot be used stops every command here, before anything is done
    except SettingsError as error:
        _fail(f"{error} Nothing was done.")
        return 2
    # Every error is one sentence on standard error and a non-zero exit: a traceback can quote what was typed, a
    # password hash or case data, so it is printed only when asked for with --traceback.
    try:
        result: int = args.func(args)
        return result
    except (ServiceError, MigrationAsAppRole) as error:
        _fail(str(error))
        return 2
    except (OperationalError, DatabaseUnavailable):
        _fail(DATABASE_UNREACHABLE)
        return 3
    except KeyboardInterrupt:
        _fail("Stopped before the end: nothing more was done.")
        return 130
    except Exception as error:  # noqa: BLE001 - the last resort: one sentence and exit code, not a traceback
        if args.traceback:
            traceback.print_exc()
        kind = "a database error" if isinstance(error, DBAPIError) else "an unexpected error"
        _fail(f"The command stopped on {kind} ({type(error).__name__}) and its changes were not saved; "
              "run it again with --traceback to see where.")
        return 1
    finally:
        unit_of_work.reset()  # a command is one run: its engine goes with it


if __name__ == "__main__":
    sys.exit(main())
