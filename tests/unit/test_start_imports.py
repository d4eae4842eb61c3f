"""What a start of the served app loads before it listens (issue 31): `import ui.server` (what uvicorn imports to find
`app`) leaves out what the first page never needs, the agency's site above all (Jinja and GOV.UK's templates, the
agency's services and the models they read), which is loaded at the first request under /agency instead.

Each check runs in a fresh Python process, so that nothing another test imported counts; no timing is measured.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Loaded by none of the start's modules: each would cost the start its import (and, for Jinja, its compile).
NOT_AT_START = (
    "ui.agency_site.routes",  # the agency's routes
    "jinja2",  # their templates' engine
    "govuk_frontend_jinja",  # GOV.UK's macros
    "services.agency_exchange",  # the agency's services ...
    "services.actions",
    "db.models_agency",  # ... and the tables only they read
    "services.unit_of_work",  # the routes' transactions: loaded in the background once the server listens
    "db.models",  # the tables (and SQLAlchemy's ORM): ui/auth.py hashes a tab's token with services.sessions late
    "sqlalchemy.orm",
)


def _loaded_after(code: str) -> dict[str, bool]:
    """For each name of NOT_AT_START (and the extra ones the code prints), whether it is loaded after `code` runs in a
    fresh interpreter."""
    script = (f"import json, sys\n{code}\n"
              f"print(json.dumps({{name: name in sys.modules for name in {list(NOT_AT_START)!r}}}))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    loaded: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_the_server_leaves_the_agency_site_and_its_templates_unloaded() -> None:
    loaded = _loaded_after("import ui.server")
    assert [name for name, is_loaded in loaded.items() if is_loaded] == []


def test_the_agency_package_loads_its_routes_only_when_a_name_of_theirs_is_used() -> None:
    assert _loaded_after("import ui.agency_site")["ui.agency_site.routes"] is False
    # A name of routes.py, asked of the package, loads it (the tests and tools import them so).
    after_use = _loaded_after("from ui.agency_site import AgencySite\nassert AgencySite.__name__ == 'AgencySite'")
    assert after_use["ui.agency_site.routes"] is True
    assert after_use["jinja2"] is True


def test_the_agency_site_is_built_at_its_first_request_and_answers_as_before() -> None:
    # The mount ui/server.py gives the app, on a plain Starlette app: nothing under /agency is loaded until a request
    # comes; an address that opens nothing then gets the agency's 404 page (drawn from its template, no database).
    code = """
from starlette.applications import Starlette
from starlette.testclient import TestClient
import ui.server
from ui.agency_site import deferred_agency_site
mount = deferred_agency_site()
before = 'ui.agency_site.routes' in sys.modules
with TestClient(Starlette(routes=[mount])) as client:
    first = client.get('/agency/no/such/page')
    second = client.get('/agency/no/such/page')
print(json.dumps([before, first.status_code, 'Page not found' in first.text, second.status_code,
                  'ui.agency_site.routes' in sys.modules]))
"""
    done = subprocess.run([sys.executable, "-c", "import json, sys\n" + code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    before, first_status, says_not_found, second_status, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert before is False
    assert (first_status, says_not_found, second_status) == (404, True, 404)
    assert after is True
