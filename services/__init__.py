"""The domain: every read and write of case data goes through these modules.

A domain package (reviews, returns, report, daily_log, board, meetings) has one layout: `rules.py` its rules,
pure (no database, no session); `reads.py` the frozen copies pages get and the queries that make them;
`service.py` its writes; any further module is named for what it does. Its `__init__.py` names what pages may
import (`__all__`, imported under TYPE_CHECKING for the type checker) and loads each name on first use
(`public_name`), so that the packages' modules may import one another's modules both ways (reviews and returns,
the report and the due mail) without an import cycle through the packages themselves.
"""
from __future__ import annotations

import importlib
import sys


def public_name(package: str, name: str, modules: tuple[str, ...]) -> object:
    """A name of `package`'s `__all__`, found in the first of its `modules` that has it (imported on first use and
    kept in the package): the body of a domain package's module `__getattr__` (PEP 562)."""
    namespace = vars(sys.modules[package])
    if name in namespace.get("__all__", ()):
        for module in modules:
            found = vars(importlib.import_module(f"{package}.{module}"))
            if name in found:
                namespace[name] = found[name]
                return found[name]
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
