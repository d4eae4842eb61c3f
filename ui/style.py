"""The app's few style rules, in one place: what the theme (.streamlit/config.toml) cannot say. Each rule names
the WCAG 2.2 success criterion or the screen size it is for; the README's accessibility statement relies on them."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import streamlit as st

from ui.streamlit_internals import dom
from ui.streamlit_internals.dom import keyed, keyed_from, testid

# A container made with st.container(key=COMPACT_ON_PHONE + "...") keeps its columns side by side, two to a row,
# on a phone instead of stacking them one under another (the worklist's four count tiles).
COMPACT_ON_PHONE = "compact_on_phone_"
# The key of the container holding the live list's line of count badges, drawn large.
RAG_COUNTS = "rag_counts"
# A table drawn by wrapping_table: on a phone each row is a card, each cell under its column's name.
CARDS_ON_PHONE = "cards_on_phone_"
# Streamlit's "md" breakpoint: at this width or less its menu opens over the page instead of beside it.
MENU_COVERS_PAGE = "(max-width: 768px)"
# Streamlit's DOM names the rules select (ui/streamlit_internals/dom.py).
_COMPACT, _CARDS = keyed_from(COMPACT_ON_PHONE), keyed_from(CARDS_ON_PHONE)

CSS = f"""
<style>
/* 1.4.3 Contrast: a disabled widget's label stays readable (Streamlit fades it to 2.3:1 on white). */
label{testid(dom.WIDGET_LABEL)}[disabled] {{ color: #595959; }}
/* 2.5.8 Target size: each part of a date (day, month, year) is at least 24 by 24 px. */
{testid(dom.DATE_INPUT)} [role="spinbutton"] {{
  min-width: 24px; min-height: 24px; line-height: 24px; text-align: center;
}}
/* 1.4.10 Reflow: a page link's label wraps instead of being cut off with an ellipsis in a narrow column. */
{testid(dom.PAGE_LINK)} p {{ white-space: normal; overflow: visible; text-overflow: clip; }}
/* 1.4.10 Reflow: a table drawn by wrapping_table breaks a long word (a file path) rather than run off the page. */
{_CARDS} td {{ overflow-wrap: anywhere; }}
/* The live list's counts: badges as large as a heading (over Streamlit's own size), spaced apart, wrapping on a
   narrow screen. */
{keyed(RAG_COUNTS)} p {{ line-height: 3.25rem; }}
{keyed(RAG_COUNTS)} .{dom.MARKDOWN_BADGE_CLASS} {{
  font-size: 1.5rem !important; padding: 0.25rem 0.75rem; margin-right: 0.5rem;
}}
/* The element that holds the script closing the menu takes no room on the page. */
{testid(dom.ELEMENT_CONTAINER)}:has(script[data-rrt="close-menu"]) {{ display: none; }}
/* A phone (390 px wide): count tiles two to a row, with smaller figures, so the list is on the first screen. */
@media (max-width: 640px) {{
  {_COMPACT} {testid(dom.HORIZONTAL_BLOCK)} {{
    flex-flow: row wrap; gap: 0.5rem;
  }}
  {_COMPACT} {testid(dom.COLUMN)} {{
    flex: 1 1 calc(50% - 0.5rem) !important; min-width: calc(50% - 0.5rem) !important; width: auto !important;
  }}
  {_COMPACT} {testid(dom.METRIC_VALUE)} {{ font-size: 1.5rem; }}
  /* 1.4.10 Reflow: a wide table reads as one card per row, each cell under its column's name (see wrapping_table). */
  {_CARDS} thead {{ display: none; }}
  {_CARDS} :is(table, tbody, tr, td) {{ display: block; width: auto; min-width: 0; }}
  {_CARDS} tr {{ border-bottom: 2px solid #767676; padding: 0.25rem 0; }}
  {_CARDS} td {{ border: none; padding: 0.125rem 0.5rem; white-space: normal; }}
  {_CARDS} td::before {{ font-weight: 600; }}
}}
</style>
"""

# The app's one inline script (the server's Content-Security-Policy allows it by its hash, ui/server.py), two things:
# - Streamlit closes its menu after a page is chosen only on a device that says it is a phone; a narrow window or
#   a tablet keeps it open over the page. This closes it there too (after Streamlit's own handling, and only if
#   still open: the button toggles).
# - Date pickers start the week on Monday, as UK users expect. Streamlit 1.67 has no option for it: its calendar
#   (React Aria, @internationalized/date) takes the first day of the week from the browser's locale, asking
#   `Intl.Locale.prototype.getWeekInfo()` (Monday for en-GB, Sunday for en-US). This makes that answer Monday for
#   every locale, before any calendar is drawn; nothing else on the page asks it. A private route:
#   tests/e2e/test_layout_browser.py fails when it stops working.
# No user text is in it.
CLOSE_MENU_AFTER_CHOOSING = f"""
<script data-rrt="close-menu">
if (!window.rrtWeekStartsOnMonday && Intl.Locale && Intl.Locale.prototype.getWeekInfo) {{
  window.rrtWeekStartsOnMonday = true;
  const weekInfo = Intl.Locale.prototype.getWeekInfo;
  Intl.Locale.prototype.getWeekInfo = function () {{ return {{ ...weekInfo.call(this), firstDay: 1 }}; }};
}}
if (!window.rrtClosesMenuAfterChoosing) {{
  window.rrtClosesMenuAfterChoosing = true;
  document.addEventListener("click", (event) => {{
    if (!event.target.closest('{testid(dom.SIDEBAR_NAV)} a')) return;
    if (!window.matchMedia("{MENU_COVERS_PAGE}").matches) return;
    setTimeout(() => {{
      const sidebar = document.querySelector('{testid(dom.SIDEBAR)}');
      const close = document.querySelector('{testid(dom.SIDEBAR_COLLAPSE_BUTTON)} button');
      if (sidebar && sidebar.getAttribute("{dom.SIDEBAR_COLLAPSED_ATTRIBUTE}") === "false" && close) close.click();
    }}, 0);
  }});
}}
</script>
"""


def apply_style() -> None:
    """Add the style rules and the menu's closing to the page (once a run, before any page draws): one element,
    which takes no room (the rules hide the element holding the script; a style rule applies wherever it is)."""
    st.html(CSS + CLOSE_MENU_AFTER_CHOOSING, unsafe_allow_javascript=True)


def _css_string(text: str) -> str:
    """A CSS string literal (JSON's escapes of a quote and a backslash are CSS's too)."""
    return json.dumps(text, ensure_ascii=False)


def wrapping_table(rows: Sequence[Mapping[str, str]], *, key: str) -> None:
    """st.table (a DOM table whose cells wrap: nothing is cut off, each row as tall as its text) in a container
    that on a phone shows each row as a card, each cell preceded by its column's name. The first row's keys are
    the headings, in order (the page's own words, never user text); the cells are Markdown: pass them through
    md_text. Handed to Streamlit as an Arrow table, which it sends as it is (a pandas frame is converted first)."""
    box = st.container(key=CARDS_ON_PHONE + key)
    labels = "\n".join(
        f"  {keyed(CARDS_ON_PHONE + key)} td:nth-child({i})::before {{ content: {_css_string(name + ': ')}; }}"
        for i, name in enumerate(rows[0], start=1)
    )
    box.html(f"<style>\n@media (max-width: 640px) {{\n{labels}\n}}\n</style>")
    import pyarrow as pa  # here, not at the top: the sign-in page, the first a start draws, needs no table

    box.table(pa.table({name: [row[name] for row in rows] for name in rows[0]}), hide_index=True)
