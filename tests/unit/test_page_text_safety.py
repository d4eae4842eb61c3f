"""Nothing a user typed reaches a page as live HTML or markdown: badges are Streamlit's own, text is escaped."""
from __future__ import annotations

from pathlib import Path

import pytest

from ui.widgets import md_text, rag_badge

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("North Trust", "North Trust"),
        ("<script>alert(1)</script>", r"\<script\>alert\(1\)\</script\>"),
        ('<iframe srcdoc="<script>parent.alert(1)</script>">',
         r'\<iframe srcdoc\="\<script\>parent\.alert\(1\)\</script\>"\>'),
        ("![x](https://evil.example/x.png)", r"\!\[x\]\(https\://evil\.example/x\.png\)"),
        ("[click](javascript:alert(1))", r"\[click\]\(javascript\:alert\(1\)\)"),
        (":red[alarm] **bold** # heading", r"\:red\[alarm\] \*\*bold\*\* \# heading"),
        ("A&E_ward", r"A\&E\_ward"),
    ],
)
def test_md_text_shows_what_was_typed_literally(typed, shown):
    assert md_text(typed) == shown


@pytest.mark.parametrize(
    ("status", "badge"),
    [("red", ":red-badge[RED]"), ("amber", ":orange-badge[AMBER]"), ("green", ":green-badge[GREEN]"),
     ("not due yet", ":green-badge[NOT DUE YET]"), ("submitted", ":gray-badge[SUBMITTED]")],
)
def test_rag_badges_are_streamlit_badges_that_say_the_status(status, badge):
    assert rag_badge(status) == badge


def test_no_page_lets_html_through():
    offenders = [str(p.relative_to(ROOT)) for p in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]
                 if "unsafe_allow_html" in p.read_text()]
    assert offenders == []


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        ("Give the date done.", "Give the date done."),
        ("'![x](http://127.0.0.1:9/x.png)' is not a set of initials.",
         r"'!\[x\](http://127.0.0.1:9/x.png)' is not a set of initials."),
        ("There is already an agency called ':red[North]'.", r"There is already an agency called ':red\[North\]'."),
        (r"The path C:\cases\x is not in the case folder.", r"The path C:\\cases\\x is not in the case folder."),
    ],
)
def test_a_refusal_that_quotes_typed_text_cannot_link_or_load_an_image(sentence, shown):
    from ui.widgets import md_sentence

    assert md_sentence(sentence) == shown
