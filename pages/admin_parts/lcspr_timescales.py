"""The Settings tab's LCSPR timescales (docs/lcspr.md gives each source): one number per setting, saved together
against the settings' version, each within its range."""
from __future__ import annotations

import streamlit as st

from services.settings import (
    LCSPR_TIMESCALE_LABELS,
    LCSPR_TIMESCALE_LIMITS,
    get_lcspr_timescales,
    update_lcspr_timescales,
)
from ui import state
from ui.forms import VersionedForm

FIELDS = tuple(LCSPR_TIMESCALE_LABELS)


def lcspr_timescales_form() -> None:
    """The form: the timescales as saved, the typing kept on a refusal."""
    current = state.read(get_lcspr_timescales)
    form = VersionedForm("lt_", FIELDS)
    form.sync(version=current.version, saved=current.values)
    st.markdown("**LCSPR timescales**")
    st.caption("The due dates of every Local Child Safeguarding Practice Review follow these at once. The six months "
               "and the seven working days are Working Together 2023's; the others are the partnership's own "
               "(see the LCSPR guide).")
    with st.form("lcspr_timescales"):
        for name, label in LCSPR_TIMESCALE_LABELS.items():
            low, high = LCSPR_TIMESCALE_LIMITS[name]
            st.number_input(label, min_value=low, max_value=high, step=1, key=form.key(name))
        saving = st.form_submit_button("Save the LCSPR timescales")
    if saving:
        typed = {name: int(st.session_state[form.key(name)]) for name in FIELDS}
        form.save(update_lcspr_timescales, success="LCSPR timescales saved.",
                  describe_saved=lambda v: "; ".join(f"{LCSPR_TIMESCALE_LABELS[n].split(' (')[0]}: {v[n]}"
                                                     for n in FIELDS),
                  values=typed)
