"""Server commands: migrate, demo-data, create-user."""
from __future__ import annotations

import argparse
import getpass
import sys
import traceback
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, make_session_factory, transaction, upgrade_to_head
from services.clock import today_in_london
from services.errors import ServiceError


def _factory() -> sessionmaker[Session]:
    engine = make_engine()
    upgrade_to_head(engine)
    return make_session_factory(engine)


def migrate(_args: argparse.Namespace) -> int:
    upgrade_to_head(make_engine())
    print("Database is up to date.")
    return 0


def demo_data(_args: argparse.Namespace) -> int:
    from demo.partnership import DEMO_PASSWORD, load_demo_data

    with transaction(_factory()) as session:
        summary = load_demo_data(session, as_of=today_in_london())
    print(f"Loaded the fictional demo partnership: {summary.live_reviews} live reviews, "
          f"{summary.closed_reviews} closed reviews.")
    print(f"Demo accounts (password for each: {DEMO_PASSWORD}; fictional demo only):")
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
    with transaction(_factory()) as session:
        account = create_account_from_command_line(
            session, username=args.username, display_name=args.display_name or args.username,
            roles=args.roles.split(","), password=password,
        )
    print(f"Account {account.username} created with roles {', '.join(account.roles)}.")
    return 0


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
    parser.add_argument("--traceback", action="store_true",
                        help="on an unexpected error, also print the full traceback (it may quote what was typed)")
    args = parser.parse_args(argv)
    # Every error is one sentence on standard error and a non-zero exit: a traceback can quote what was typed, a
    # password hash or case data, so it is printed only when asked for with --traceback.
    try:
        result: int = args.func(args)
        return result
    except ServiceError as error:
        _fail(str(error))
        return 2
    except OperationalError:
        _fail(DATABASE_UNREACHABLE)
        return 3
    except KeyboardInterrupt:
        _fail("Stopped before the end: nothing more was done.")
        return 130
    except Exception as error:
        if args.traceback:
            traceback.print_exc()
        kind = "a database error" if isinstance(error, DBAPIError) else "an unexpected error"
        _fail(f"The command stopped on {kind} ({type(error).__name__}) and its changes were not saved; "
              "run it again with --traceback to see where.")
        return 1


if __name__ == "__main__":
    sys.exit(main())
