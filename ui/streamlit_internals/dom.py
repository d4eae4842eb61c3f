"""Streamlit's DOM names (data-testid values, class names, attributes) that the app's style rules and its inline
script select (ui/style.py): Streamlit's frontend may rename one in any release, and a rule keyed to an old name
then silently stops applying. Each name here must appear in the installed frontend bundle
(tests/unit/test_streamlit_internals_contract.py); the layout browser test (tests/e2e/test_layout_browser.py) checks
what the rules do."""
from __future__ import annotations

# data-testid values
WIDGET_LABEL = "stWidgetLabel"
DATE_INPUT = "stDateInput"
PAGE_LINK = "stPageLink"
ELEMENT_CONTAINER = "stElementContainer"
HORIZONTAL_BLOCK = "stHorizontalBlock"
COLUMN = "stColumn"
METRIC_VALUE = "stMetricValue"
SIDEBAR = "stSidebar"
SIDEBAR_NAV = "stSidebarNav"
SIDEBAR_COLLAPSE_BUTTON = "stSidebarCollapseButton"
TEST_IDS = (WIDGET_LABEL, DATE_INPUT, PAGE_LINK, ELEMENT_CONTAINER, HORIZONTAL_BLOCK, COLUMN, METRIC_VALUE, SIDEBAR,
            SIDEBAR_NAV, SIDEBAR_COLLAPSE_BUTTON)
# The class of a :color-badge[...] in Markdown.
MARKDOWN_BADGE_CLASS = "stMarkdownBadge"
# The class Streamlit gives an element drawn with `key=...` (a container, a widget): this prefix and the key.
KEY_CLASS_PREFIX = "st-key-"
# The sidebar's attribute saying whether it is collapsed ("true"/"false").
SIDEBAR_COLLAPSED_ATTRIBUTE = "data-collapsed"


def testid(name: str) -> str:
    """The CSS selector of the elements whose data-testid is `name`."""
    return f'[data-testid="{name}"]'


def keyed(key: str) -> str:
    """The CSS selector of the element drawn with `key=key` (letters, digits, '_' and '-' only)."""
    return f".{KEY_CLASS_PREFIX}{key}"


def keyed_from(prefix: str) -> str:
    """The CSS selector of the elements drawn with a key that contains `prefix` (the app's keys start with it)."""
    return f'[class*="{KEY_CLASS_PREFIX}{prefix}"]'
