"""Board figures: aggregate timeliness only, never a case reference, initials or free text.

Everything shown comes from services/board/ (numbers, quarters, agency names and fixed headings); the page only
lays it out: period filter, headline tiles, then each figure in words, as a chart and as a table."""
from typing import Literal

import pandas as pd
import streamlit as st

from pages.board_parts.after import after_the_rapid_review
from services.board import (
    Quarter,
    board_charts,
    board_figures,
    board_pack_html,
    board_quarters,
    board_sections,
    day_label,
    default_period,
    figures_csv,
    headline_delta,
    headline_value,
    headline_words,
)
from services.errors import ServiceError
from ui import state
from ui.gate import require_page
from ui.widgets import md_sentence, md_text

require_page("board")


def no_change(delta: str | None) -> bool:
    """Whether a tile's change, as shown ('+0 points', '+0 working days'), is nothing at all."""
    return delta is not None and float(delta.split()[0]) == 0


def delta_colour(delta: str | None, *, higher_is_better: bool) -> Literal["normal", "inverse", "off"]:
    """A change is green when it is better and red when it is worse (more working days is worse); grey, with no
    arrow, when there is none. Streamlit would draw '+0' as a rise."""
    if no_change(delta):
        return "off"
    return "normal" if higher_is_better else "inverse"

st.title("Board figures")
st.caption("Aggregate timeliness only: no case reference, initials or free text appears on this page, in the "
           "CSV or in the board pack.")

as_of = state.today()
# The figures aggregate every review: computed once per period, day and data version, then shared by every board
# reader of this process until anything is written (ui.state.read_shared).
choices = [q.label for q in state.read_shared(board_quarters, as_of=as_of)]
default = default_period(as_of)
f1, f2, f3 = st.columns([1, 1, 2])
first_label = f1.selectbox("From quarter", choices, index=choices.index(default.first.label), key="board_from")
last_label = f2.selectbox("To quarter", choices, index=choices.index(default.last.label), key="board_to")
f3.caption("Financial-year quarters, as public bodies report: Q1 is April to June, Q4 is January to March "
           "(2026-27 Q3 = October to December 2026). The default is the last four complete quarters and the "
           "current one. Each figure counts the reviews whose **notification was received** in the period.")

try:
    figures = state.read_shared(board_figures, first_quarter=Quarter.parse(first_label),
                                last_quarter=Quarter.parse(last_label), as_of=as_of)
except ServiceError as error:
    st.error(md_sentence(error), icon=":material/error:")
    st.stop()

period, previous = figures.current.period, figures.previous.period
st.markdown(f"**{period.label}** ({period.dates}), compared with the previous period of the same length, "
            f"**{previous.label}**. Figures as at {day_label(as_of)}.")

slug = period.label.replace(" ", "-")
d1, d2, _ = st.columns([1, 1, 1])
# Both files are built when clicked (the pack embeds plotly.js, about 4.5 MB, so that its charts work offline); the
# figures are already computed, so nothing is read from the database then.
d1.download_button("Download the figures (CSV)", data=lambda: figures_csv(figures),
                   file_name=f"board-figures-{slug}.csv", mime="text/csv", icon=":material/download:",
                   on_click="ignore", key="board_csv")
d2.download_button("Download the board pack (HTML)", data=lambda: board_pack_html(figures),
                   file_name=f"board-pack-{slug}.html", mime="text/html", icon=":material/print:",
                   on_click="ignore", key="board_pack")

# Two views of the same quarters: the Rapid Review's timeliness (the tiles and figures below) and what followed it.
TIMELINESS, AFTER = "Rapid Review timeliness", "After the Rapid Review"
if st.radio("Show", [TIMELINESS, AFTER], horizontal=True, key="board_view") == AFTER:
    after_the_rapid_review(period.first, period.last, sorted({Quarter.parse(c).year for c in choices}), as_of)
    st.stop()

st.subheader("Headline figures")
for group in (figures.headlines[:3], figures.headlines[3:]):
    for tile, h in zip(st.columns(3), group, strict=False):  # the second row has two tiles
        with tile:
            delta = headline_delta(h)
            st.metric(md_text(h.title), headline_value(h, h.current, days=" days"), delta=delta,
                      delta_color=delta_colour(delta, higher_is_better=h.higher_is_better),
                      delta_arrow="off" if no_change(delta) else "auto",
                      help=headline_words(h, previous.label), border=True)
            before = "no figure" if h.previous is None else headline_value(h, h.previous, days=" days")
            st.caption(f"n = {h.current_n} {h.noun}. Previous period: {before} (n = {h.previous_n}).")

if figures.current.total.notified == 0:
    st.info(f"No notification was received in {period.label}, so there is nothing to chart. Choose an earlier "
            "'from' quarter to see more.", icon=":material/info:")
    st.stop()

charts = board_charts(figures)
for section in board_sections(figures):
    st.subheader(md_text(section.title))
    st.markdown("\n".join(f"- {md_text(w)}" for w in section.words))
    if section.key in charts:
        st.plotly_chart(charts[section.key], config={"displayModeBar": False}, key=f"board_chart_{section.key}",
                        alt=" ".join(section.words))
    if section.rows:
        with st.expander(f"Table: {md_text(section.title)}"):
            st.dataframe(pd.DataFrame(section.rows, columns=section.columns), hide_index=True)
