"""Pages import a domain's public names only.

app.py and every file under pages/ import from `services.<package>` a name of that package's `__all__`, or a
public name of a plain module (`services.<module>`); never from a module inside a package
(`services.reviews.rules`), never a private name, and never the database models (`db.models*`): what a page
needs of the database comes through the services. Read by AST, lazy imports included.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
PAGE_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]


def declared_all(package_init: Path) -> set[str]:
    """The names of a package's literal `__all__`."""
    for node in ast.parse(package_init.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            assert isinstance(node.value, ast.List | ast.Tuple), "__all__ is a literal list"
            return {ast.literal_eval(e) for e in node.value.elts}
    return set()


def offences(path: Path, services: Path = SERVICES) -> list[str]:  # noqa: C901 - an AST walk: one branch per kind of import
    """Every import of `path` that reaches past a domain's public names, as 'file:line: why'."""
    found = []

    def say(node: ast.stmt, why: str) -> None:
        found.append(f"{path.name}:{node.lineno}: {why}")

    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "db.models" or alias.name.startswith("db.models"):
                    say(node, f"imports {alias.name}: pages get what they need through the services")
                elif alias.name == "services" or alias.name.startswith("services."):
                    say(node, f"`import {alias.name}`: import a public name from its package instead")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = node.module
            names = [a.name for a in node.names]
            if module.startswith("db.models"):
                say(node, f"imports {module}: pages get what they need through the services")
                continue
            if not (module == "services" or module.startswith("services.")):
                continue
            if module == "services":
                say(node, f"imports {names} from services: import a public name from its package instead")
                continue
            parts = module.split(".")
            if len(parts) != 2:
                say(node, f"imports from {module}, a module inside a package: import from {'.'.join(parts[:2])}")
                continue
            for name in names:
                if name.startswith("_"):
                    say(node, f"imports the private name {name} from {module}")
            package_init = services / parts[1] / "__init__.py"
            if package_init.exists():
                public = declared_all(package_init)
                for name in names:
                    if not name.startswith("_") and name not in public:
                        say(node, f"imports {name} from {module}, which is not in its __all__")
            elif not (services / f"{parts[1]}.py").exists():
                say(node, f"imports from {module}, which is no services module")
    return found


def test_pages_import_only_the_public_names_of_the_services() -> None:
    found = [o for path in PAGE_FILES for o in offences(path)]
    assert found == [], "\n".join(found)


def test_the_scan_reads_the_pages_it_should() -> None:
    names = {str(p.relative_to(ROOT)) for p in PAGE_FILES}
    assert {"app.py", "pages/review.py", "pages/returns.py", "pages/returns_parts/return_cards.py"} <= names


def test_every_domain_package_declares_what_pages_may_import() -> None:
    for package in ("reviews", "returns", "report", "daily_log", "board", "meetings"):
        assert declared_all(SERVICES / package / "__init__.py"), f"services/{package}/__init__.py has no __all__"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from services.reviews.rules import NOT_KNOWN_HELP\n",
         ["x.py:1: imports from services.reviews.rules, a module inside a package: import from services.reviews"]),
        ("from services.reviews import read_reviews\n",
         ["x.py:1: imports read_reviews from services.reviews, which is not in its __all__"]),
        ("from services.accounts import _new_account\n",
         ["x.py:1: imports the private name _new_account from services.accounts"]),
        ("def f():\n    from db.models import Account\n",
         ["x.py:2: imports db.models: pages get what they need through the services"]),
        ("import db.models_report\n",
         ["x.py:1: imports db.models_report: pages get what they need through the services"]),
        ("from services import reviews\n",
         ["x.py:1: imports ['reviews'] from services: import a public name from its package instead"]),
        ("import services.reviews\n",
         ["x.py:1: `import services.reviews`: import a public name from its package instead"]),
        ("from services.nowhere import thing\n",
         ["x.py:1: imports from services.nowhere, which is no services module"]),
        ("from services.reviews import list_reviews\nfrom services.clock import LONDON\nfrom db.enums import Role\n",
         []),
    ],
)
def test_the_scan_catches_each_kind_of_import_past_the_public_names(
        tmp_path: Path, source: str, expected: list[str]) -> None:
    page = tmp_path / "x.py"
    page.write_text(source)
    assert offences(page) == expected


def test_the_returns_page_parts_are_never_pages() -> None:
    # The app's pages are the explicit entries of ui.navigation.PAGES (app.py adds only the sign-in page), each a
    # file directly in pages/; a package below pages/ holds parts of a page, never one.
    from ui.navigation import PAGES

    paths = [entry.path for entry in PAGES.values()]
    assert all(Path(p).parent == Path("pages") and (ROOT / p).is_file() for p in paths), paths
    assert not any("returns_parts" in p for p in paths)
    app_pages = [str(n.args[0].value) for n in ast.walk(ast.parse((ROOT / "app.py").read_text()))
                 if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "Page"
                 and n.args and isinstance(n.args[0], ast.Constant)]
    assert app_pages and all(Path(p).parent == Path("pages") for p in app_pages), app_pages
