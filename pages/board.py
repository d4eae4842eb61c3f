"""Board figures: aggregate timeliness only, never a case reference, initials or free text."""
import streamlit as st

from ui.gate import require_roles

require_roles("board", "manager")

st.title("Board figures")
st.info("The board's timeliness figures and charts are being built. This page will show aggregates only: "
        "no case reference, initials or free text ever appears here.")
