"""The agency's routes served for a test: mounted on a plain Starlette app, served by uvicorn on a free port in this
process, against a real test database (as the app's role); and a review whose scoping forms went to two agencies,
each with its private link, made through the services."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import uvicorn
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware

from db.models import Account, Agency
from services.agency_exchange import record_forms_sent_with_links
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.conftest import as_app_role
from ui.agency_site import AgencyLimits, AgencySite, transaction_on

RECEIVED = date(2026, 11, 18)  # a Wednesday: forms sent that day are due Wed 25 Nov 2026
TODAY = date(2026, 11, 26)


@dataclass(frozen=True)
class Seeded:
    review_id: int
    case_reference: str
    outside_reference: str
    tokens: tuple[str, str]  # Agency 1's, Agency 2's
    return_ids: tuple[int, int]
    other_review_token: str


def seed(engine: Engine) -> Seeded:
    """Two reviews; the first asked Agency 1 and Agency 2 for their returns, the second Agency 1 (each a link)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = Account(username="links-officer", display_name="Olive Officer", roles=["officer"], active=True,
                          password_hash="not a password hash: nobody signs in here", failed_attempts=0)
        agencies = [Agency(name=f"Agency {i}", kind="health", active=True) for i in (1, 2)]
        session.add_all([officer, *agencies])
        session.flush()
        reviews = [open_review(session, officer, notification_type="serious_harm", incident_date=RECEIVED,
                               csc_aware_date=RECEIVED, notification_received_date=RECEIVED,
                               children=[ChildEntry(initials, 7)], as_of=RECEIVED) for initials in ("QZ", "XY")]
        first = record_forms_sent_with_links(session, officer, review_id=reviews[0].id,
                                             agency_ids=[a.id for a in agencies], requested_on=RECEIVED,
                                             as_of=RECEIVED)
        [other] = record_forms_sent_with_links(session, officer, review_id=reviews[1].id,
                                               agency_ids=[agencies[0].id], requested_on=RECEIVED, as_of=RECEIVED)
        review = reviews[0]
        return Seeded(review.id, review.case_reference, f"{review.case_reference[:6]} no. {review.id}",
                      (first[0].token, first[1].token), (first[0].return_id, first[1].return_id), other.token)


def app_engine(owner_url: str) -> Engine:
    return create_engine(as_app_role(owner_url))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(engine: Engine, *, limits: AgencyLimits | None = None, today: date = TODAY,
           middleware: Sequence[Middleware] = ()) -> Iterator[str]:
    """The agency's routes on a plain Starlette app, served by uvicorn until the block ends; yields its address."""
    site = AgencySite(transaction=transaction_on(engine), limits=limits, today=lambda: today)
    app = Starlette(routes=[site.mount()], middleware=list(middleware))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="agency-site", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the agency site did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
