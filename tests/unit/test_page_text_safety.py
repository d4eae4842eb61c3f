"""Nothing a user typed reaches a page as live HTML or markdown: badges are Streamlit's own, text is escaped."""
from __future__ import annotations

import ast
import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.widgets import md_text, rag_badge

ROOT = Path(__file__).resolve().parents[2]


HOSTILE = "![x](http://127.0.0.1:9/x.png) :red[x] $x^2$ www.example.com a@b.co <script>"


def _as_read(shown: str) -> str:
    """What a reader sees of md_text's output: every backslash escape read, the word joiners invisible."""
    return re.sub(r"\\(.)", r"\1", shown).replace("\u2060", "")


@pytest.mark.parametrize(
    "typed",
    [
        "North Trust",
        "<script>alert(1)</script>",
        '<iframe srcdoc="<script>parent.alert(1)</script>">',
        "![x](https://evil.example/x.png)",
        "[click](javascript:alert(1))",
        ":red[alarm] **bold** # heading :material/home: :smile:",
        "A&E_ward &amp; 1. item\n- item\n> quote\n| a | b |",
        "$x^2$ and $$\\frac{1}{2}$$",
        "see www.example.com, WWW.EXAMPLE.ORG, http://example.org/x, https://x.example and ftp://x.example",
        "write to a@b.co or mailto:first.last+x@police.example.org.uk",
        r"C:\cases\x ~~struck~~ `code` <http://x.example> [ref]: http://x.example",
        HOSTILE,
    ],
)
def test_md_text_shows_what_was_typed_literally(typed: str) -> None:
    shown = md_text(typed)
    assert _as_read(shown) == typed
    # Every ASCII punctuation character is escaped (CommonMark reads each as itself), so no link, image, HTML,
    # emphasis, LaTeX ($) or colour/icon directive (:...[ ], :material/...:) can start from it.
    unescaped = re.sub(r"\\.", "", shown)
    assert not any(ch in string.punctuation for ch in unescaped), unescaped
    # GFM autolinks are found in the text after the escapes are read: the patterns are broken by a word joiner.
    read = re.sub(r"\\(.)", r"\1", shown)
    assert not re.search(r"(?i)www\.|://|[\w.+-]@", read), read


def test_md_text_of_a_plain_name_is_the_name() -> None:
    assert md_text("North Trust") == "North Trust"
    assert md_text("Ysbyty Gwynedd – Māori 北") == "Ysbyty Gwynedd – Māori 北"


@pytest.mark.parametrize(
    ("status", "badge"),
    [("red", ":red-badge[RED]"), ("amber", ":orange-badge[AMBER]"), ("green", ":green-badge[GREEN]"),
     ("not due yet", ":green-badge[NOT DUE YET]"), ("submitted", ":gray-badge[SUBMITTED]")],
)
def test_rag_badges_are_streamlit_badges_that_say_the_status(status: str, badge: str) -> None:
    assert rag_badge(status) == badge


def test_no_page_lets_html_through() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in [ROOT / "app.py", *ROOT.glob("pages/**/*.py"), *ROOT.glob("ui/*.py")]
                 if "unsafe_allow_html" in p.read_text()]
    assert offenders == []


# The one call allowed an `unsafe_*` argument: the style rules and the menu's closing script, both constants of
# ui/style.py (no stored text can reach them; the script's hash is in the Content-Security-Policy).
UNSAFE_ALLOWED = {("ui/style.py", "unsafe_allow_javascript")}


def _unsafe_calls(path: Path) -> Iterator[tuple[str, set[str]]]:
    """(keyword, the names the call's arguments read) for every call with an `unsafe_*` keyword in the file."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg and keyword.arg.startswith("unsafe_"):
                    names = {n.id for arg in node.args for n in ast.walk(arg) if isinstance(n, ast.Name)}
                    yield keyword.arg, names


def test_every_unsafe_argument_is_the_one_allowed_and_draws_only_constants() -> None:
    found: dict[tuple[str, str], set[str]] = {}
    for path in [ROOT / "app.py", *ROOT.glob("pages/**/*.py"), *ROOT.glob("ui/**/*.py")]:
        for keyword, names in _unsafe_calls(path):
            found.setdefault((str(path.relative_to(ROOT)), keyword), set()).update(names)
    assert set(found) <= UNSAFE_ALLOWED, f"an unsafe_* argument outside the allowed call: {set(found) - UNSAFE_ALLOWED}"
    for names in found.values():
        assert names and all(name.isupper() for name in names), f"not only module constants: {names}"


def test_the_unsafe_scan_finds_a_call_that_passes_stored_text(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("import streamlit as st\nst.html(agency.name, unsafe_allow_javascript=True)\n"
                    "st.markdown(note, unsafe_allow_html=True)\n")
    assert sorted(_unsafe_calls(page)) == [("unsafe_allow_html", {"note"}),
                                           ("unsafe_allow_javascript", {"agency"})]


@pytest.mark.parametrize(
    "sentence",
    [
        "Give the date done.",
        "'![x](http://127.0.0.1:9/x.png)' is not a set of initials.",
        "There is already an agency called ':red[North]'.",
        r"The path C:\cases\x is not in the case folder.",
        "The contact email a@x.org,b@y.org of www.example.com costs $5^2$.",
        "'<img src=x>' :material/home: `code` is not a name.",
    ],
)
def test_a_refusal_that_quotes_typed_text_cannot_link_or_load_an_image(sentence: str) -> None:
    from ui.widgets import md_sentence

    shown = md_sentence(sentence)
    assert _as_read(shown) == sentence
    assert not any(ch in "[]$`\\" for ch in re.sub(r"\\.", "", shown))
    assert ":material/" not in re.sub(r"\\.", "", shown)
    assert not re.search(r"(?i)www\.|://|[\w.+-]@", re.sub(r"\\(.)", r"\1", shown))


# ---------------------------------------------------------------- every call that draws Markdown, scanned

# Streamlit draws these calls' first argument (or `label=`/`body=`) as Markdown: bodies and messages, and every
# widget's label (buttons, boxes, tabs, expanders, metrics). Options drawn through `format_func`, table cells and
# st.code are plain text. st.page_link's first argument is the page: only its `label=` is scanned.
MARKDOWN_CALLS = {
    "markdown", "caption", "write", "title", "header", "subheader", "success", "info", "warning", "error", "toast",
    "button", "link_button", "download_button", "form_submit_button", "checkbox", "toggle", "radio", "expander",
    "tabs", "popover", "metric", "text_input", "text_area", "number_input", "date_input", "time_input", "selectbox",
    "multiselect", "select_slider", "slider", "segmented_control", "pills", "file_uploader", "badge",
}
LABEL_ONLY = {"page_link", "page_of"}
# The project's helpers that hand a message on to one of those (a flash shows on the next run with st.success...):
# the argument at this position, or `success=`, is scanned at every call; inside them, their parameters are not.
HELPERS = {"flash": 0, "done": 0, "_done": 0, "_saved": 0, "folded": 0, "sign_out": 0, "_after_write": 0, "_save": 3,
           "_save_once": 2, "_save_batch": 1, "save": None, "read_email": None, "_late_form": None}
NOT_STREAMLIT = {"state", "uow", "logger", "logging", "session"}  # state.write(fn, ...), uow.write: service calls
# Calls whose result is safe Markdown: the escapes, and text the code makes from dates, numbers and badges.
SAFE_CALLS = {"md_text", "md_sentence", "rag_badge", "fmt_date", "short_date", "day_label", "_when", "len",
              "link_target", "outside_reference", "headline_value"}
SCANNED = [ROOT / "app.py", *sorted(ROOT.glob("pages/**/*.py")), *sorted(ROOT.glob("ui/*.py"))]

# Text drawn as Markdown without md_text, each with the reason no stored text is in it. Keyed by the expression as
# written: whole arguments, or values inside an f-string.
CODE_MADE = {
    # Made by the code: generated references, counts, enum words, fixed labels.
    "review.case_reference": "made by the code from the received date and initials refused unless letters",
    "s.case_reference": "the same case reference", "task.case_reference": "the same case reference",
    "s.review.case_reference": "the same case reference", "reference": "the same case reference",
    "status.progress": "a count of milestones ('3 of 14 done')", "review_status.progress": "the same count",
    "status.status_label": "a RAG word", "s.stage.value": "a Stage enum word", "found.exec_meeting": "fixed words",
    "counts.label": "a count ('1 of 2')", "counts.accepted": "a number", "roles": "Role enum words",
    "rounds": "a number", "i": "a loop counter", "needed": "'needed' or 'not needed'",
    "was_corrected": "' (corrected)' or nothing", "chased": "a count and a date, made by the page",
    "result.page": "a number", "result.pages": "a number", "_last.log_entries": "a number",
    "_last.report_versions": "a number", "numbers[chosen].number": "a version number",
    "h.title": "the board's fixed headline names", "h.noun": "fixed words", "h.current_n": "a number",
    "h.previous_n": "a number", "before": "a figure made by headline_value", "period.label": "a quarter ('Q3 2026')",
    "previous.label": "a quarter", "period.dates": "two dates", "label": "a button or section label made by the code "
    "from constants (report section headings, 'Deactivate'/'Reactivate', the Word download's version and state)",
    "title": "RECEIPT_TITLE or RESUBMISSION_TITLE", "section.guidance": "the report's fixed SECTIONS",
    "APPENDIX.heading": "the report's fixed appendix", "APPENDIX.source": "the same",
    "APPENDIX.guidance": "the same", "section.number": "a section number", "what": "' (resubmission)' or nothing",
    "where[item.page]": "fixed page names", "entry.title": "the pages' own titles (ui/navigation.py)",
    "label[0].upper() + label[1:] + '?'": "the fixed CHECK_QUESTIONS", "word": "a fixed outcome word or a date",
    "made.version.number": "a number", "version.number": "a number", "old_sign.version_number": "a number",
    "entry.id": "a number", "fix.id": "a number", "target_id": "a number", "row.id": "a number",
    "where": "a case reference or 'the partnership'", "notice": "a sign-in notice: services.sessions' fixed sentences",
    "_status_word(s)": "a status word", "c.initials": "a child's initials, refused unless letters",
    "c.age_years": "a number", "status.sin_timeliness": "fixed words ('on time', 'late')", "s.number": "a number",
    "MEETING_LABELS[meeting.kind]": "fixed meeting names", "row.label": "a fixed meeting name and its number",
    "rows[picked].label": "the same", "row.minutes": "fixed words and a date ('late: due Tue 22 Dec')",
    "NOTIFICATION_TYPE_LABELS[review.notification_type]": "fixed notification types",
    "s.milestone": "pages/review.py's _done(milestone) (a date, inside md_text), not a message helper",
    # Already escaped where it is made.
    "no_autolinks(report_markdown(view.content))": "services/report/content.report_markdown escapes every stored "
    "text (not for autolinks: no_autolinks breaks those)",
    "folder_section.title": "the fixed case folder section names",
    "outcome.refusal or 'Organisation sign-in was refused. Ask your administrator.'": "fixed sentences",
    "outcome.refusal or SIGN_IN_REFUSED": "fixed sentences (services.accounts)",
    "organisation": "the organisation's name from the server's own settings",
    "error_id": "secrets.token_hex",
    "latest": "pages/review.py's history caption: a number made from HISTORY_SHOWN, or nothing",
    "closed_page_sentence(closed_key, account.roles)": "ui/navigation.py: the pages' own titles (PAGES)",
    "PAGES[page_key].title": "the pages' own titles (ui/navigation.py)",
}


def _safe(node: ast.AST, params: set[str]) -> bool:  # noqa: C901 - one branch per kind of expression judged safe
    if ast.unparse(node) in CODE_MADE:
        return True
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.isupper() or node.id in params  # a code constant, or a helper's parameter (its callers scanned)
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v, params) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return node.format_spec is not None or _safe(node.value, params)  # a number or a date, formatted
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "join" and isinstance(func, ast.Attribute):
            return _safe(func.value, params) and all(_safe(a, params) for a in node.args)
        return name in SAFE_CALLS
    if isinstance(node, ast.BinOp):
        return _safe(node.left, params) and _safe(node.right, params)
    if isinstance(node, ast.IfExp):
        return _safe(node.body, params) and _safe(node.orelse, params)
    if isinstance(node, ast.BoolOp):
        return all(_safe(v, params) for v in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_safe(e, params) for e in node.elts)
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return _safe(node.elt, params)
    return False


def _arguments(call: ast.Call) -> Iterator[ast.expr]:
    """The arguments of `call` that are drawn as Markdown."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    receiver = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
    keywords = {k.arg: k.value for k in call.keywords}
    if name in MARKDOWN_CALLS and isinstance(func, ast.Attribute) and receiver not in NOT_STREAMLIT:
        yield from call.args[:1]
        yield from (keywords[k] for k in ("label", "body") if k in keywords)
    elif name in LABEL_ONLY and "label" in keywords:
        yield keywords["label"]
    elif name in HELPERS:
        position = HELPERS[name]
        if position is not None and len(call.args) > position:
            yield call.args[position]
        if "success" in keywords:
            yield keywords["success"]


def _markdown_arguments(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.expr, set[str]]]:
    """Each (call, argument drawn as Markdown, the parameters of the enclosing helper, if any)."""
    def visit(node: ast.AST, params: set[str]) -> Iterator[tuple[ast.Call, ast.expr, set[str]]]:
        for child in ast.iter_child_nodes(node):
            inner = params
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = {a.arg for a in child.args.args + child.args.kwonlyargs} if child.name in HELPERS else set()
            if isinstance(child, ast.Call):
                yield from ((child, argument, inner) for argument in _arguments(child))
            yield from visit(child, inner)
    yield from visit(tree, set())


def _unescaped_markdown() -> list[str]:
    found = []
    for path in SCANNED:
        where = str(path.relative_to(ROOT))
        for call, argument, params in _markdown_arguments(ast.parse(path.read_text())):
            if not _safe(argument, params):
                found.append(f"{where}:{call.lineno}: {ast.unparse(argument)}")
    return found


def test_every_text_drawn_as_markdown_goes_through_md_text() -> None:
    """Streamlit draws st.markdown/caption/write/success/..., and every widget label, as Markdown: an agency name
    or a plan step's title there could load a remote image, colour the page, draw LaTeX or become a link. Each such
    argument is a constant, text escaped by md_text/md_sentence, code-made text (dates, numbers, badges), or in
    CODE_MADE with the reason no stored text is in it."""
    assert _unescaped_markdown() == []


def test_the_scan_finds_stored_text_drawn_as_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "pages" / "x.py"
    page.parent.mkdir()
    page.write_text(
        "import streamlit as st\n"
        "st.button(f'Email {agency.name}')\n"
        "st.caption(agency.name)\n"
        "c1.checkbox(label=name)\n"
        "st.markdown(f'**{md_text(agency.name)}** {fmt_date(day)} {count:,}')\n"
        "col.write(f'Next: {m.title}')\n"
        "_save(form, 1, fn, f'Saved {s.agency_name}.')\n"
        "flash(f'Recorded: {chosen.title}.')\n"
        "st.page_link(review_page, label=f'{s.partnership}')\n"
        "state.write(fn, x=1)\n"
        "form.save(fn, success=f'Saved {name}.')\n"
        "st.tabs(['Fixed', step.title])\n")
    monkeypatch.setattr(sys.modules[__name__], "SCANNED", [page])
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert [line.split(": ", 1)[0] for line in _unescaped_markdown()] == [
        f"pages/x.py:{n}" for n in (2, 3, 4, 6, 7, 8, 9, 11, 12)]
