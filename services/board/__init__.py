"""Board figures: aggregate timeliness for the partnership board, computed in SQL; numbers only.

Every figure counts the reviews whose notification was **received** in the chosen period (and their agency
returns and meetings), grouped by the financial-year quarter of that date (Q1 = April to June, so
"2026-27 Q3" is October to December 2026). Nothing the board sees carries a case reference, initials, a date
of one case or free text. The rules are written down in docs/board.md.

- ``rules``    pure rules: financial-year quarters and periods, what counts as on time, the reason headings,
               the figures' frozen shapes and the headline tiles' numbers;
- ``reads``    the SQL aggregates that fill those shapes (the only module here that touches the database) and
               the role-checked entry points pages call: ``board_figures``, ``board_quarters``;
- ``wording``  the figures in words, each with its n, and each figure's table;
- ``charts``   one plotly chart per figure;
- ``pack``     the CSV and the printable HTML board pack.

The board writes nothing, so there is no service.py. Pages import the names below from `services.board`, never
from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.board.after_reads import board_after_figures
    from services.board.after_rules import AfterFigures, parse_year, year_label
    from services.board.after_words import after_charts, after_sections
    from services.board.charts import board_charts
    from services.board.pack import board_pack_html, figures_csv
    from services.board.reads import board_figures, board_quarters
    from services.board.rules import BoardFigures, Quarter, day_label, default_period
    from services.board.wording import board_sections, headline_delta, headline_value, headline_words
    from services.board.yearly import YearlyReport, yearly_report

__all__ = [
    "AfterFigures",
    "BoardFigures",
    "Quarter",
    "YearlyReport",
    "after_charts",
    "after_sections",
    "board_after_figures",
    "board_charts",
    "board_figures",
    "board_pack_html",
    "board_quarters",
    "board_sections",
    "day_label",
    "default_period",
    "figures_csv",
    "headline_delta",
    "headline_value",
    "headline_words",
    "parse_year",
    "year_label",
    "yearly_report",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "wording", "charts", "pack", "after_rules", "after_reads",
                                        "after_words", "yearly"))
