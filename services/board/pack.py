"""The board figures to take away: the CSV (one row per number) and the printable, self-contained HTML pack.

Every text the pack did not write itself (the partnership's and agencies' names, the words, the tables) is
escaped; the CSV keeps any text a spreadsheet would run as a formula as text."""
from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from typing import Any

from services.board.charts import board_charts
from services.board.rules import BoardFigures, day_label
from services.board.wording import board_sections, headline_delta, headline_value, num
from services.exports import csv_text


def _cell(value: Any, *, missing: str) -> str:
    """A table value as text: whole numbers without '.0', others to one decimal place."""
    if value is None:
        return missing
    if isinstance(value, float):
        return num(value)
    return str(value)


def figures_csv(figures: BoardFigures) -> bytes:
    """Every section's table, one row per number: figure, row, column, value (UTF-8 with BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Figure", "Row", "Measure", "Value"])
    period = figures.current.period
    writer.writerow(["About these figures", "Period", "Quarters", f"{period.label} ({period.dates})"])
    writer.writerow(["About these figures", "Figures as at", "Date", figures.as_of.isoformat()])
    previous = figures.previous.period
    for h in figures.headlines:
        for row, value, n in ((period.label, h.current, h.current_n),
                              ("Previous period " + previous.label, h.previous, h.previous_n)):
            writer.writerow(["Headline: " + h.title, row, h.unit, _cell(value, missing="")])
            writer.writerow(["Headline: " + h.title, row, "n (" + h.noun + ")", n])
    for section in board_sections(figures):
        for cells in section.rows:
            for column, value in zip(section.columns[1:], cells[1:], strict=True):
                writer.writerow([csv_text(section.title), csv_text(str(cells[0])), csv_text(column),
                                 _cell(value, missing="")])  # a number, never text
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_PACK_CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #1a1a1a; max-width: 900px; margin: 2em auto;
       line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 2px solid #0072B2; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 3px 7px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef3f8; }
.note { color: #444; font-size: 0.9em; }
section, .chart { page-break-inside: avoid; break-inside: avoid; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; break-after: avoid; } }
"""


def _html_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v, missing='—'))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def board_pack_html(figures: BoardFigures, *, include_charts: bool = True) -> str:
    """A self-contained HTML board pack that prints on A4: headline figures, then each figure's words,
    chart (plotly.js embedded once, so it works offline) and table."""
    period, previous = figures.current.period, figures.previous.period
    charts = board_charts(figures) if include_charts else {}
    first_chart = True
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Board pack: rapid review timeliness, {html.escape(period.label)}</title>",
        f"<style>{_PACK_CSS}</style></head><body>",
        "<h1>Rapid review timeliness: board pack</h1>",
        f"<p><strong>{html.escape(figures.partnership)}</strong><br>Period: {html.escape(period.label)} "
        f"({html.escape(period.dates)}), by financial-year quarter (Q1 = April to June). Figures as at "
        f"{html.escape(day_label(figures.as_of))}.</p>",
        "<p class='note'>Aggregate figures only: this pack holds no case reference, initials or free text. Each "
        "figure counts the reviews whose notification was received in the period. Small numbers are marked "
        "with n; with few reviews, one review moves a rate a long way.</p>",
        "<section><h2>Headline figures</h2>",
        _html_table(["Figure", period.label, f"Previous period ({previous.label})", "Change"],
                    [[h.title, f"{headline_value(h, h.current)} (n = {h.current_n})",
                      f"{headline_value(h, h.previous)} (n = {h.previous_n})", headline_delta(h) or "—"]
                     for h in figures.headlines]),
        "<p class='note'>Median working days: lower is better. Percentages: higher is better; the target is "
        "100%. A dash means there was nothing to count.</p></section>",
    ]
    for section in board_sections(figures):
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        parts.extend(f"<p>{html.escape(w)}</p>" for w in section.words)
        if section.key in charts:
            fig = charts[section.key]
            fig.update_layout(width=680, template="plotly_white")  # the page uses Streamlit's theme instead
            parts.append("<div class='chart'>" + fig.to_html(
                full_html=False, include_plotlyjs=first_chart, config={"staticPlot": True, "displayModeBar": False})
                + "</div>")
            first_chart = False
        if section.rows:
            parts.append(_html_table(section.columns, section.rows))
        parts.append("</section>")
    parts.append("<p class='note'>How each figure is counted: see the Board figures page and docs/board.md of the "
                 "Rapid Review Tracker.</p></body></html>")
    return "".join(parts)
