"""The domain packages' one layout (services/__init__.py): rules.py pure, the public names of each package declared
once and loaded from the module that holds them, and no import cycle through a package."""
from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
PACKAGES = ("reviews", "returns", "report", "daily_log", "board", "meetings", "agency_exchange", "case_folder",
            "briefing", "themes", "lcspr", "actions")


def _type_checking_imports(package: str) -> dict[str, str]:
    """name -> module, for every name the package's __init__ imports under `if TYPE_CHECKING:`."""
    found: dict[str, str] = {}
    for node in ast.parse((SERVICES / package / "__init__.py").read_text()).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in node.body:
                assert isinstance(inner, ast.ImportFrom), "only `from ... import ...` under TYPE_CHECKING"
                assert inner.module is not None, "from a named module"
                found |= {alias.name: inner.module for alias in inner.names}
    return found


def test_the_domain_packages_are_the_folders_of_services() -> None:
    assert sorted(PACKAGES) == sorted(p.parent.name for p in SERVICES.glob("*/__init__.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_names_its_public_names_once_for_the_type_checker_and_once_in_all(package: str) -> None:
    module = importlib.import_module(f"services.{package}")
    assert sorted(_type_checking_imports(package)) == sorted(module.__all__)


@pytest.mark.parametrize("package", PACKAGES)
def test_each_public_name_is_the_object_of_the_module_that_holds_it(package: str) -> None:
    module = importlib.import_module(f"services.{package}")
    for name, home in _type_checking_imports(package).items():
        assert getattr(module, name) is getattr(importlib.import_module(home), name), name
    with pytest.raises(AttributeError):
        module.no_such_public_name  # noqa: B018


def test_a_name_outside_all_stays_inside_its_package() -> None:
    # read_reviews is the reviews' own query (services.reviews.reads), there for the package's other modules.
    importlib.import_module("services.reviews.reads").read_reviews  # noqa: B018
    with pytest.raises(ImportError):
        exec("from services.reviews import read_reviews", {})


def _impure(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        found += [f"imports {n}" for n in names if n.split(".")[0] == "sqlalchemy" or n in ("db.session", "db.engine")]
        if isinstance(node, ast.arg) and node.annotation is not None and "Session" in ast.unparse(node.annotation):
            found.append(f"takes a session ({node.arg})")
    return found


@pytest.mark.parametrize("package", [p for p in PACKAGES if (SERVICES / p / "rules.py").exists()])
def test_rules_are_pure(package: str) -> None:
    assert _impure(SERVICES / package / "rules.py") == []


def test_the_purity_check_can_fail(tmp_path: Path) -> None:
    rules = tmp_path / "rules.py"
    rules.write_text("from sqlalchemy import select\ndef f(session: Session, x: int) -> None: ...\n")
    assert _impure(rules) == ["imports sqlalchemy", "takes a session (session)"]


def test_every_services_module_imports_first_without_a_cycle() -> None:
    # Imported first in a fresh interpreter state each (a package's __init__ never imports its modules eagerly, so
    # modules of two packages may import each other's modules both ways: reviews and returns, the report and the
    # due mail). One subprocess, so this test run's modules are left alone.
    script = """
import importlib, pkgutil, sys, traceback
import services
failed = []
for info in sorted(pkgutil.walk_packages(services.__path__, prefix="services."), key=lambda i: i.name):
    for name in [m for m in sys.modules if m == "services" or m.startswith("services.")]:
        del sys.modules[name]
    try:
        importlib.import_module(info.name)
    except Exception:
        failed.append(info.name + ": " + traceback.format_exc(limit=-2))
print("\\n".join(failed))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_pages_ask_a_service_who_may_call_it() -> None:
    # Hand-written from domain.md: the officer opens a review, the Chair does not; the Chair records the plan steps
    # she owns; only the manager delegates.
    from services.permissions import may
    from services.reviews import delegate_milestone, open_review, record_milestone_done

    assert may({"officer"}, open_review) and may({"manager"}, open_review)
    assert not may({"chair"}, open_review) and not may({"board", "admin"}, open_review)
    assert may({"chair"}, record_milestone_done)
    assert may({"manager"}, delegate_milestone) and not may({"officer", "chair"}, delegate_milestone)
    with pytest.raises(TypeError):
        may({"manager"}, len)
