"""The app's few style rules, in one place: what the theme (.streamlit/config.toml) cannot say. Each rule names
the WCAG 2.2 success criterion or the screen size it is for; the README's accessibility statement relies on them."""
from __future__ import annotations

import streamlit as st

# A container made with st.container(key=COMPACT_ON_PHONE + "...") keeps its columns side by side, two to a row,
# on a phone instead of stacking them one under another (the live list's four count tiles).
COMPACT_ON_PHONE = "compact_on_phone_"

CSS = f"""
<style>
/* 1.4.3 Contrast: a disabled widget's label stays readable (Streamlit fades it to 2.3:1 on white). */
label[data-testid="stWidgetLabel"][disabled] {{ color: #595959; }}
/* 2.5.8 Target size: each part of a date (day, month, year) is at least 24 by 24 px. */
[data-testid="stDateInput"] [role="spinbutton"] {{
  min-width: 24px; min-height: 24px; line-height: 24px; text-align: center;
}}
/* A phone (390 px wide): count tiles two to a row, with smaller figures, so the list is on the first screen. */
@media (max-width: 640px) {{
  [class*="st-key-{COMPACT_ON_PHONE}"] [data-testid="stHorizontalBlock"] {{
    flex-flow: row wrap; gap: 0.5rem;
  }}
  [class*="st-key-{COMPACT_ON_PHONE}"] [data-testid="stColumn"] {{
    flex: 1 1 calc(50% - 0.5rem) !important; min-width: calc(50% - 0.5rem) !important; width: auto !important;
  }}
  [class*="st-key-{COMPACT_ON_PHONE}"] [data-testid="stMetricValue"] {{ font-size: 1.5rem; }}
}}
</style>
"""


def apply_style() -> None:
    """Add the style rules to the page (once a run, before any page draws)."""
    st.html(CSS)
