"""The Board page's section "After the Rapid Review": the funnel, LCSPR timeliness, the Panel's agreement, actions
by owning agency, impact and themes by year (aggregates only, from services.board), each in words, as a chart with
its table beside it; and the yearly report's section on reviews as Word, built when its button is clicked."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from services.board import (
    Quarter,
    after_charts,
    after_sections,
    board_after_figures,
    parse_year,
    year_label,
    yearly_report,
)
from services.errors import ServiceError
from ui import state
from ui.widgets import md_sentence, md_text

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def after_the_rapid_review(first: Quarter, last: Quarter, years_offered: list[int], as_of: date) -> None:
    """The section for the financial years the chosen quarters fall in, and the yearly report's download."""
    st.header("After the Rapid Review")
    span = year_label(first.year) if first.year == last.year else f"{year_label(first.year)} to " \
        f"{year_label(last.year)}"
    st.caption(md_text(f"Financial years {span} (April to March), the years of the quarters chosen above. Reviews "
                       "count in the year their notification was received; actions in the year they fall due. "
                       "Aggregates only."))
    try:
        figures = state.read_shared(board_after_figures, first_year=first.year, last_year=last.year, as_of=as_of)
    except ServiceError as error:
        st.error(md_sentence(error), icon=":material/error:")
        return
    charts = after_charts(figures)
    for section in after_sections(figures):
        st.subheader(md_text(section.title))
        st.markdown("\n".join(f"- {md_text(w)}" for w in section.words))
        chart, table = st.columns([3, 2])
        with chart:
            st.plotly_chart(charts[section.key], config={"displayModeBar": False},
                            key=f"board_after_chart_{section.key}", alt=" ".join(section.words))
        with table:
            st.dataframe(pd.DataFrame(section.rows, columns=section.columns), hide_index=True)

    st.subheader("The yearly report's section on reviews")
    labels = [year_label(y) for y in reversed(years_offered)]
    chosen = st.selectbox("Financial year", labels, index=min(1, len(labels) - 1), key="board_yearly_year")
    year = parse_year(chosen)
    later = state.read_later(yearly_report, year=year, as_of=as_of)
    st.download_button(f"Download the yearly report section for {md_text(chosen)} (Word)", lambda: later().data,
                       file_name=f"yearly-report-reviews-{chosen}.docx", mime=DOCX_MIME, icon=":material/download:",
                       on_click="ignore", key="board_yearly_docx")
    st.caption("Built when you click, from the figures as they stand (it takes a few seconds to draw the charts): "
               "the funnel, Rapid Review and LCSPR timeliness, the National Panel's agreement, themes, actions and "
               "impact, as tables and charts, ready to paste into the partnership's yearly report.")
