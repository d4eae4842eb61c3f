"""The agency's page, served by the app's own routes (Starlette), not Streamlit: see routes.py.

Importing this package is light. routes.py (Jinja and GOV.UK's templates, the agency's services and the models they
read) is loaded when one of its names below is first used, or, in the served app, at the first request under /agency
(`deferred_agency_site`): a start of the app, whose first page never needs it, does not wait for it.
"""
from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from ui.agency_site.routes import (
        AgencyLimits,
        AgencySite,
        mount_agency_site,
        open_transaction,
        transaction_on,
    )

AGENCY_PREFIX = "/agency"
_FROM_ROUTES = ("AgencyLimits", "AgencySite", "mount_agency_site", "open_transaction", "transaction_on")

__all__ = ["AGENCY_PREFIX", "AgencyLimits", "AgencySite", "deferred_agency_site", "mount_agency_site",
           "open_transaction", "transaction_on"]


def __getattr__(name: str) -> Any:
    """routes.py's public names, loaded at their first use."""
    if name in _FROM_ROUTES:
        return getattr(importlib.import_module("ui.agency_site.routes"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _BuiltAtFirstRequest:
    """The agency's routes (an `AgencySite` on the app's database, with the default limits), built once, at the first
    request that reaches them: the import runs in a worker thread, so the server goes on answering meanwhile."""

    def __init__(self) -> None:
        self._site: ASGIApp | None = None
        self._lock = threading.Lock()

    def _build(self) -> ASGIApp:
        with self._lock:  # two first requests at once build one site (one set of rate limits)
            if self._site is None:
                from ui.agency_site.routes import AgencySite

                self._site = AgencySite().mount().app
            return self._site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        site = self._site
        if site is None:
            site = await run_in_threadpool(self._build)
        await site(scope, receive, send)


def deferred_agency_site() -> Mount:
    """The agency's routes under /agency, for `st.App(routes=[...])` (ui/server.py): the same routes as
    `mount_agency_site()`, loaded and built at the first request under /agency rather than at start."""
    return Mount(AGENCY_PREFIX, app=_BuiltAtFirstRequest())
