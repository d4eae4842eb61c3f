"""The services import one another downwards only, with no cycle (issue 10).

Each module of services/ sits in one layer; a module may import from its own layer or the ones below, never from
one above. A new module fails here until it is given its layer (a package's modules may share its entry).
"""
from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"

# Bottom first. A name matches the module itself and, for a package, every module inside it; the domain packages'
# modules each have their own entry (rules.py low, reads.py above what it reads, service.py above both), and each
# package itself (its __init__, naming its public names) sits on top.
LAYERS: list[set[str]] = [
    {"services", "services.errors", "services.clock", "services.exports", "services.formatting",
     "services.deadlines", "services.working_days", "services.text", "services.outside", "services.sign_in_throttle",
     "services.report.content", "services.board.rules", "services.board.after_rules"},
    {"services.permissions", "services.rag", "services.settings_reads", "services.concurrency", "services.report.word",
     "services.report.rules", "services.word_document", "services.briefing.rules",
     "services.agency_exchange.rules", "services.daily_log.rules", "services.meetings.rules", "services.board.reads",
     "services.board.wording", "services.board.charts", "services.board.pack", "services.board.after_reads",
     "services.board.after_words", "services.board.yearly", "services.themes.rules", "services.lcspr.rules"},
    {"services.daily_log.reads", "services.daily_log.service", "services.daily_log.exports", "services.integrity",
     "services.sessions", "services.outbox", "services.meetings.reads",
     "services.agency_exchange.reads", "services.case_folder.rules", "services.briefing.word", "services.themes.reads",
     "services.lcspr.reads", "services.actions.rules", "services.actions.reads"},
    {"services.plan", "services.accounts", "services.agencies", "services.briefing.reads", "services.lcspr.service"},
    {"services.milestones"},
    {"services.settings", "services.reviews.reads", "services.reviews.rules", "services.returns.rules",
     "services.returns.writing", "services.meetings.service", "services.themes.service"},
    {"services.reviews.service", "services.returns.reads", "services.returns.service",
     "services.returns.service_receipts", "services.report.reads", "services.calendar_feed"},
    {"services.returns.chasing", "services.returns.exports", "services.reviews.status",
     "services.agency_exchange.returns_api", "services.agency_exchange.service", "services.agency_exchange.collation",
     "services.case_folder.reads", "services.case_folder.service", "services.actions.service",
     "services.actions.agency_link"},
    {"services.due_mail", "services.report.versions"},
    {"services.report.service"},
    {"services.report.panel"},
    # The packages themselves: each names its public names, imported from its own modules.
    {"services.reviews", "services.returns", "services.report", "services.daily_log", "services.board",
     "services.meetings", "services.agency_exchange", "services.case_folder", "services.briefing",
     "services.themes", "services.lcspr", "services.actions"},
    # Above every service: it runs them (the pages, routes and commands go through it); none imports it.
    {"services.unit_of_work"},
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVICES.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SERVICES.rglob("*.py")}


def _imports(path: Path, known: set[str]) -> set[str]:
    """The services modules `path` imports, at any depth of the file (a lazy import counts too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in known:
                found.add(node.module)
            # `from services.returns import rules` imports the module services.returns.rules.
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known}
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) - {name} for name, path in modules.items()}


def _layer(module: str) -> int | None:
    """The layer of a module: its own entry, else its nearest enclosing package's (below `services` itself, which
    encloses every module and so would place a new module without a word)."""
    name = module
    while name:
        for index, layer in enumerate(LAYERS):
            if name in layer:
                return index
        name = name.rpartition(".")[0]
        if name == "services":
            break
    return None


def _upward(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if (low := _layer(module)) is not None and (high := _layer(target)) is not None and high > low
    ]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk meets, each as the path that closes it."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once everything below it was seen
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_every_services_module_has_a_layer() -> None:
    unplaced = sorted(m for m in _modules() if _layer(m) is None)
    assert not unplaced, f"give these modules a layer in LAYERS: {unplaced}"


def test_no_module_imports_one_above_it() -> None:
    upward = _upward(_graph())
    assert not upward, "\n".join(upward)


def test_the_services_import_graph_has_no_cycle() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_checks_can_fail() -> None:
    # Worth something only if they can fail: yesterday's shape (returns registering into reviews, reviews
    # importing returns at its bottom, settings importing reviews) is caught both ways.
    yesterday = {
        "services.reviews.service": {"services.returns.service"},
        "services.returns.service": {"services.reviews.service"},
        "services.settings_reads": {"services.reviews.service"},
    }
    assert _cycles(yesterday) == [["services.returns.service", "services.reviews.service", "services.returns.service"]]
    assert _upward(yesterday) == [
        "services.settings_reads (layer 1) imports services.reviews.service (layer 6)",
    ]
    rules, service, status = (_layer(m) for m in ("services.returns.rules", "services.returns.service",
                                                  "services.reviews.status"))
    assert rules is not None and service is not None and status is not None
    assert rules < service < status
    assert _layer("services.a_new_module") is None


def test_services_never_import_the_demo() -> None:
    # The demo sits above the services and goes through them; nothing in services/ may lean on it.
    offenders = []
    for path in SERVICES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            offenders += [f"{path.relative_to(SERVICES.parent)} imports {n}" for n in names
                          if n == "demo" or n.startswith("demo.")]
    assert not offenders, "\n".join(offenders)
