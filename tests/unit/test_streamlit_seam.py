"""Streamlit's internals are reached through one seam, ui/streamlit_internals/, and nowhere else.

Streamlit keeps no promise about anything but its public API (`import streamlit as st`, `st.*`, streamlit.testing.v1,
streamlit.column_config, streamlit.components.v1): a private module, a protobuf message or a name in its page's DOM
may move in any release. The seam uses each of them and has a contract test for each use
(tests/unit/test_edge_streamlit_internals.py, tests/unit/test_streamlit_internals_contract.py, which may import them
too). This scan of the project's Python fails on:
- an import of a private Streamlit module anywhere else (streamlit.runtime, .web, .proto, .elements.lib and any other
  module but the public ones), at the top of a module or inside a function, as `import ...`, `from ... import ...` or
  `from streamlit import <module>`, or named in full as a string (importlib.import_module, a logger's name);
- a Streamlit DOM name written out: a `data-testid` or an `st-key-` class (ui/style.py takes them from
  ui/streamlit_internals/dom.py). The browser tests (tests/e2e) are the exception: they find Streamlit's elements by
  their data-testid, and test_the_browser_tests_dom_names_are_in_streamlits_frontend checks each of those names
  against the installed frontend.
"""
from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["app.py", "manage.py", "ui", "pages", "services", "db", "demo", "scripts", "tests"]
SEAM = ROOT / "ui" / "streamlit_internals"
CONTRACT_TESTS = {ROOT / "tests" / "unit" / "test_edge_streamlit_internals.py",
                  ROOT / "tests" / "unit" / "test_streamlit_internals_contract.py"}
THIS_SCAN = Path(__file__).resolve()  # its own samples of what it finds
BROWSER_TESTS = ROOT / "tests" / "e2e"
PUBLIC_MODULES = {"streamlit", "streamlit.testing.v1", "streamlit.column_config", "streamlit.components.v1"}
PRIVATE_NAME = re.compile(r"streamlit\.(runtime|web|proto|elements)(\.[\w.]*)?")
DOM_NAMES = re.compile(r"data-testid|st-key-")


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _private(module: str) -> bool:
    return (module == "streamlit" or module.startswith("streamlit.")) and module not in PUBLIC_MODULES


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return []


def violations(source: str, *, dom_names: bool = True) -> list[str]:  # noqa: C901 - one branch per way of reaching Streamlit's internals
    """What in this Python source reaches into Streamlit's internals, one line each ("line N: what")."""
    found: list[tuple[int, str]] = []
    tree = ast.parse(source)
    streamlit_aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                         for alias in node.names if alias.name == "streamlit"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _private(alias.name):
                    found.append((node.lineno, f"line {node.lineno}: import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _private(node.module):
                found.append((node.lineno, f"line {node.lineno}: from {node.module} import ..."))
            elif node.module == "streamlit" or node.module.startswith("streamlit."):
                for alias in node.names:
                    name = f"{node.module}.{alias.name}"
                    if _private(name) and _is_module(name):
                        found.append((node.lineno, f"line {node.lineno}: from {node.module} import {alias.name}"))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in streamlit_aliases and node.attr in ("runtime", "web", "proto", "elements"):
            found.append((node.lineno, f"line {node.lineno}: {node.value.id}.{node.attr}"))
        line = getattr(node, "lineno", 0)  # every node that holds a string is an expression, which has a line
        for text in _strings(node):
            if PRIVATE_NAME.fullmatch(text.strip()):
                found.append((line, f"line {line}: the module named {text.strip()!r}"))
            if dom_names and DOM_NAMES.search(text):
                found.append((line, f"line {line}: Streamlit's DOM name in {text.strip()[:60]!r}"))
    return [what for _, what in sorted(found, key=lambda item: item[0])]


def _scanned_files() -> list[Path]:
    files: list[Path] = []
    for entry in SCANNED:
        path = ROOT / entry
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [f for f in files if ".venv" not in f.parts and SEAM not in f.parents
            and f not in CONTRACT_TESTS and f != THIS_SCAN]


def test_the_scan_finds_each_way_of_reaching_in() -> None:
    source = '''
import streamlit as st
import streamlit.runtime.state
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit import net_util
from streamlit.testing.v1 import app_test
from streamlit.testing.v1 import AppTest
import logging

def later():
    from streamlit.elements.lib.mutable_expander_container import ExpanderContainer
    from streamlit.web import cli
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    return st.runtime, st.session_state

CSS = f"[data-testid='stSidebar'] {1}"
KEYED = ".st-key-rag_counts"
'''
    found = violations(source)
    assert [line.split(":")[0] for line in found] == [
        "line 3", "line 4", "line 5", "line 6", "line 11", "line 12", "line 13", "line 14", "line 16", "line 17"], found
    assert violations(source, dom_names=False)[-1].startswith("line 14")
    assert violations('import streamlit as st\nfrom streamlit.testing.v1 import AppTest\n"""streamlit.web.cli '
                      'is named in prose"""\nst.session_state["x"] = st.column_config\n') == []


def test_no_module_but_the_seam_reaches_into_streamlits_internals() -> None:
    files = _scanned_files()
    assert ROOT / "ui" / "style.py" in files and ROOT / "tests" / "app" / "conftest.py" in files
    assert ROOT / "scripts" / "load.py" in files and ROOT / "ui" / "server.py" in files
    found = {}
    for path in files:
        lines = violations(path.read_text(encoding="utf-8"), dom_names=BROWSER_TESTS not in path.parents)
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    assert not found, f"use Streamlit's internals through ui/streamlit_internals/ (with a contract test): {found}"
