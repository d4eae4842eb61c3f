"""The yearly report's section on reviews, as Word (.docx, A4), for one financial year: the funnel, Rapid Review and
LCSPR timeliness, the National Panel's agreement with the partnership's decisions, practice themes, and actions and
impact, each in words, as a table and as a chart (plotly rendered to PNG by kaleido, which drives Chrome).

Aggregates only, as the board sees them: no case reference, initials, date of one case or free text. Without a
browser (or without kaleido) the report still builds, with its tables, and says the charts were left out.
"""
from __future__ import annotations

import importlib.util
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Mm
from sqlalchemy.orm import Session

from config.settings import settings
from db.models import Account
from services.board.after_reads import BOARD_ROLES, after_figures
from services.board.after_rules import AfterFigures, validate_years, year_end, year_label, year_start
from services.board.after_words import after_charts, after_sections
from services.board.charts import board_charts
from services.board.reads import board_figures
from services.board.rules import BoardFigures, Quarter, day_label
from services.board.wording import Section, board_sections, num
from services.permissions import requires
from services.word_document import (
    A4_WIDTH_MM,
    MARGIN_MM,
    docx_bytes,
    marker,
    printable_copy,
    set_core_properties,
    set_up_a4,
    table,
)

log = logging.getLogger(__name__)

MARKING = "OFFICIAL"
# kaleido 1.x finds Chrome itself, or where the BROWSER_PATH environment variable points: the setting
# (config/settings.py chart_browser), else Debian's Chromium.
DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHART_WIDTH_PX, CHART_SCALE = 900, 2
TEXT_WIDTH_MM = A4_WIDTH_MM - 2 * MARGIN_MM
CHARTS_LEFT_OUT = ("The charts were left out of this copy: {reason} The tables hold every number. Ask the "
                   "administrator to install Chrome or Chromium (and kaleido) on the server for the charts.")


@dataclass(frozen=True)
class YearlyReport:
    file_name: str
    data: bytes
    charts_included: bool


def chart_images(figures: dict[str, go.Figure]) -> dict[str, bytes] | str:
    """Every figure as a PNG, rendered in one browser session; or, when that cannot be done, a sentence why."""
    browser = settings().chart_browser or (DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None)
    if browser is not None:
        os.environ["BROWSER_PATH"] = browser  # where kaleido looks for the browser it drives
    if importlib.util.find_spec("kaleido") is None:  # plotly's static export needs it
        return "kaleido (the chart exporter) is not installed."
    import plotly.io as pio

    try:
        with tempfile.TemporaryDirectory(prefix="rrt-charts-") as folder:
            paths = [Path(folder) / f"{i}.png" for i in range(len(figures))]
            for fig in figures.values():
                fig.update_layout(template="plotly_white", width=CHART_WIDTH_PX)
            pio.write_images(list(figures.values()), paths, format="png", scale=CHART_SCALE)
            return {key: path.read_bytes() for key, path in zip(figures, paths, strict=True)}
    except Exception as error:  # noqa: BLE001  # no browser, a browser that will not start: tables only
        log.warning("yearly report: charts left out (%s: %s)", type(error).__name__, error)
        return "no browser could draw them on the server."


def _widths(columns: list[str]) -> tuple[float, ...]:
    if len(columns) == 1:
        return (TEXT_WIDTH_MM,)
    first = min(55.0, TEXT_WIDTH_MM * 0.4) if len(columns) > 3 else TEXT_WIDTH_MM / len(columns)
    rest = (TEXT_WIDTH_MM - first) / (len(columns) - 1)
    return (first, *([rest] * (len(columns) - 1)))


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return num(value)
    return str(value)


def _section(document: DocxDocument, heading: str, section: Section, image: bytes | None) -> None:
    document.add_heading(heading, level=2)
    for words in section.words:
        document.add_paragraph(words)
    if image is not None:
        document.add_picture(io.BytesIO(image), width=Mm(TEXT_WIDTH_MM))
    if section.rows:
        table(document, tuple(section.columns), [tuple(_value(v) for v in row) for row in section.rows],
              _widths(section.columns))
    document.add_paragraph()


def build_yearly_docx(after: AfterFigures, board: BoardFigures, *, charts: bool = True,
                      made_at: datetime | None = None) -> YearlyReport:
    """The Word file from figures already read (pure but for the chart export)."""
    after, board = printable_copy(after), printable_copy(board)
    year = after.years[0]
    label = year_label(year)
    made = made_at or datetime.now(UTC)
    rr = {s.key: s for s in board_sections(board)}
    ours = {s.key: s for s in after_sections(after)}
    images: dict[str, bytes] | str = {}
    if charts:
        wanted = {f"rr_{k}": v for k, v in board_charts(board).items() if k in ("on_time", "spread")}
        wanted.update(after_charts(after))
        images = chart_images(wanted)
    else:
        images = "they were not asked for."
    drawn = images if isinstance(images, dict) else {}

    document = Document()
    set_up_a4(document, marking=MARKING, header_line=f"{after.partnership} · reviews in {label}",
              footer_reference=f"Yearly report {label}")
    set_core_properties(document, title=f"Reviews in {label}", subject="Yearly report: reviews",
                        author=after.partnership, marking=MARKING, comments=f"Figures as at {after.as_of}",
                        revision=1, made_at=made)
    document.add_heading(f"Reviews in {label}", level=1)
    document.add_paragraph(
        f"{after.partnership}. The financial year {day_label(year_start(year))} to {day_label(year_end(year))}; "
        f"figures as at {day_label(after.as_of)}. Aggregate figures only: no case reference, initials or free text. "
        "Each review counts in the year its notification was received; actions count in the year they fall due. "
        "Small numbers are marked with n: with few reviews, one review moves a rate a long way.")
    if isinstance(images, str):
        marker(document, CHARTS_LEFT_OUT.format(reason=images))
    parts: list[tuple[str, Section, str]] = [
        ("1. From notification to published LCSPR", ours["funnel"], "funnel"),
        ("2. Rapid Reviews at the National Panel by Day 15", rr["on_time"], "rr_on_time"),
        ("3. Working days from Day 1 to submission", rr["spread"], "rr_spread"),
        ("4. LCSPR timeliness", ours["lcspr_timeliness"], "lcspr_timeliness"),
        ("5. The National Panel's agreement with the partnership's decisions", ours["panel"], "panel"),
        ("6. Practice themes", ours["themes"], "themes"),
        ("7. Actions by owning agency", ours["actions"], "actions"),
        ("8. Impact", ours["impact"], "impact"),
    ]
    for heading, section, key in parts:
        _section(document, heading, section, drawn.get(key))
    return YearlyReport(file_name=f"yearly-report-reviews-{label}.docx", data=docx_bytes(document, made),
                        charts_included=isinstance(images, dict))


@requires(*BOARD_ROLES, action="download the yearly report")
def yearly_report(session: Session, actor: Account, *, year: int, as_of: date, charts: bool = True) -> YearlyReport:
    """The yearly report's section on reviews for one financial year, as Word (aggregates only)."""
    years = validate_years(year, year, as_of)
    after = after_figures(session, years, as_of)
    last = min(Quarter(year, 4), Quarter.of(as_of))
    board = board_figures(session, actor, first_quarter=Quarter(year, 1), last_quarter=last, as_of=as_of)
    return build_yearly_docx(after, board, charts=charts)
