"""The board's figures after the Rapid Review and the yearly report, on a hand-built data set whose answers are
worked out here by hand (rows inserted with the ORM models). "Today" is Mon 1 Feb 2027 (financial year 2026-27).

Reviews (notification received; submitted; Panel response, agrees with the LCSPR decision; LCSPR):
- 2025-26: P1 Mon 2 Jun 2025, submitted Fri 20 Jun (Day 15), Panel agrees; LCSPR decided Tue 1 Jul 2025, final
  report Mon 15 Dec 2025 (due by Thu 1 Jan 2026: on time, 167 days), published Mon 2 Feb 2026.
  P2 Mon 1 Sep 2025, submitted Fri 19 Sep (Day 15), Panel does not agree; LCSPR decided Wed 1 Oct 2025, final
  report Mon 20 Apr 2026 (due by Wed 1 Apr 2026: late; Oct 31 + Nov 30 + Dec 31 + Jan 31 + Feb 28 + Mar 31 + 19 =
  201 days), not published.
  P3 Mon 3 Nov 2025, submitted Fri 21 Nov (Day 15), no LCSPR, Panel agrees.
  P4 Mon 2 Feb 2026, withdrawn: in no figure (it has a theme and an action, both left out).
- 2026-27: N1 Mon 4 May 2026, submitted Fri 22 May, Panel agrees; LCSPR decided Mon 15 Jun 2026, no final report,
  due by Tue 15 Dec 2026: overdue on 1 Feb 2027.
  N2 Mon 7 Sep 2026, submitted Fri 25 Sep, Panel agrees; LCSPR decided Tue 20 Oct 2026, due by Tue 20 Apr 2027:
  not yet due.
  N3 Tue 1 Dec 2026, open.
"""
from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from docx import Document
from sqlalchemy import Connection, event, select
from sqlalchemy.engine import ExecutionContext
from sqlalchemy.orm import Session

from config.settings import reload_settings
from db.models import Account, Agency, Review, Setting
from db.models_after import ActionEvidence, Lcspr, PracticeTheme, Recommendation, ReviewAction, ReviewTheme
from db.models_report import PanelResponse
from services.board.after_reads import board_after_figures
from services.board.after_rules import AfterFigures
from services.board.after_words import after_charts, after_sections
from services.board.yearly import CHARTS_LEFT_OUT, YearlyReport, chart_images, yearly_report
from services.errors import InvalidInput, NotAllowed
from tests.integration.test_board import add_review
from tests.types import MakeAccount

D = date
AS_OF = D(2027, 2, 1)
SECRET = "Zebedee"
REFS = {"P1": "PQX", "P2": "PQJ", "P3": "PQV", "P4": "PQZ", "N1": "NQX", "N2": "NQJ", "N3": "NQV"}
MULTI, DOMESTIC, NEGLECT = "Multi-agency information sharing", "Domestic abuse", "Neglect"


@dataclass
class Built:
    officer: Account
    manager: Account
    reviews: dict[str, Review]

    def secrets(self) -> list[str]:
        return [SECRET, *REFS.values(), *(r.case_reference for r in self.reviews.values())]


def _review(session: Session, officer: Account, name: str, received: date, submitted: date | None,
            response: date | None, lcspr: bool | None) -> Review:
    return add_review(session, officer, received, "serious_harm", received, received, submitted, None, None, lcspr,
                      initials=REFS[name], response=response)


def _lcspr(session: Session, review: Review, manager: Account, decided: date, *, draft: date | None = None,
           final: date | None = None, published: date | None = None) -> None:
    session.add(Lcspr(
        review_id=review.id, decided_on=decided, reviewer_name=f"Reviewer {SECRET}", reviewer_commissioned_on=decided,
        draft_to_partners_on=draft, final_report_on=final, copies_sent_on=final, published_on=published,
        publication_address=f"https://example.org/{SECRET}-{review.case_reference}" if published else None,
        family_not_involved_reason=f"Family of {SECRET} declined", created_by_id=manager.id))


def _action(session: Session, rec: Recommendation, agency: Agency, manager: Account, due: date, status: str, *,
            evidence: list[tuple[date, str | None]] = (), impact_on: date | None = None) -> None:  # type: ignore[assignment]
    action = ReviewAction(
        review_id=rec.review_id, recommendation_id=rec.id, agency_id=agency.id, owner_name=f"Owner {SECRET}",
        description=f"Action about {SECRET} ({REFS['P1']})", due_on=due, status=status, created_by_id=manager.id,
        impact_check_on=impact_on, impact_checked_on=impact_on,
        impact_checked_by_id=manager.id if impact_on else None,
        impact_finding=f"Practice changed for {SECRET}" if impact_on else None)
    session.add(action)
    session.flush()
    for number, (given, outcome) in enumerate(evidence, start=1):
        round_ = ActionEvidence(review_id=rec.review_id, action_id=action.id, round=number, given_on=given,
                                evidence=f"Evidence naming {SECRET}", given_by_id=manager.id)
        session.add(round_)
        session.flush()
        if outcome is not None:
            round_.outcome, round_.decided_on, round_.decided_by_id = outcome, given, manager.id
            round_.outcome_reason = f"Sent back: {SECRET}" if outcome == "sent back" else None
            session.flush()


def _theme(session: Session, review: Review, name: str, coder: Account) -> None:
    theme = session.scalars(select(PracticeTheme).where(PracticeTheme.name == name)).one()
    session.add(ReviewTheme(review_id=review.id, theme_id=theme.id, learning=f"Learning about {SECRET}",
                            coded_by_id=coder.id))


def build(session: Session, make_account: MakeAccount) -> Built:
    officer, manager = make_account("officer"), make_account("manager")
    r = {
        "P1": _review(session, officer, "P1", D(2025, 6, 2), D(2025, 6, 20), D(2025, 8, 1), True),
        "P2": _review(session, officer, "P2", D(2025, 9, 1), D(2025, 9, 19), D(2025, 11, 3), True),
        "P3": _review(session, officer, "P3", D(2025, 11, 3), D(2025, 11, 21), D(2026, 1, 5), False),
        "P4": _review(session, officer, "P4", D(2026, 2, 2), None, None, None),
        "N1": _review(session, officer, "N1", D(2026, 5, 4), D(2026, 5, 22), D(2026, 7, 1), True),
        "N2": _review(session, officer, "N2", D(2026, 9, 7), D(2026, 9, 25), D(2026, 11, 2), True),
        "N3": _review(session, officer, "N3", D(2026, 12, 1), None, None, None),
    }
    p4 = r["P4"]
    p4.state, p4.withdrawn_on, p4.withdrawn_by_id, p4.withdrawn_reason = "withdrawn", D(2026, 2, 3), manager.id, \
        "duplicate"
    for name, agrees in (("P1", True), ("P2", False), ("P3", True), ("N1", True), ("N2", True)):
        review = r[name]
        assert review.panel_response_date is not None
        session.add(PanelResponse(review_id=review.id, received_on=review.panel_response_date, agrees_with_lcspr=agrees,
                                  further_information_asked=False, notes=f"Notes on {SECRET}",
                                  recorded_by_id=manager.id))
    _lcspr(session, r["P1"], manager, D(2025, 7, 1), draft=D(2025, 11, 3), final=D(2025, 12, 15),
           published=D(2026, 2, 2))
    _lcspr(session, r["P2"], manager, D(2025, 10, 1), draft=D(2026, 3, 2), final=D(2026, 4, 20))
    _lcspr(session, r["N1"], manager, D(2026, 6, 15))
    _lcspr(session, r["N2"], manager, D(2026, 10, 20))
    for name, themes in (("P1", (MULTI, DOMESTIC)), ("P2", (DOMESTIC,)), ("P3", (NEGLECT,)), ("P4", (NEGLECT,)),
                         ("N1", (MULTI, NEGLECT)), ("N2", (DOMESTIC,))):
        for theme in themes:
            _theme(session, r[name], theme, manager)
    police, health = Agency(name="Test Police", kind="police", active=True), \
        Agency(name="Test Health", kind="health", active=True)
    session.add_all([police, health])
    session.flush()
    rec_p1, rec_n1, rec_p4 = (
        Recommendation(review_id=r[n].id, source=s, recommendation=f"Recommendation on {SECRET}", made_on=made,
                       created_by_id=manager.id)
        for n, s, made in (("P1", "lcspr", D(2025, 12, 15)), ("N1", "panel_response", D(2026, 7, 1)),
                           ("P4", "rapid_review", D(2026, 2, 2))))
    session.add_all([rec_p1, rec_n1, rec_p4])
    session.flush()
    # a1 Police, due Tue 31 Mar 2026 (2025-26): evidence Fri 20 Mar, accepted; impact checked Tue 1 Sep 2026.
    _action(session, rec_p1, police, manager, D(2026, 3, 31), "impact_checked",
            evidence=[(D(2026, 3, 20), "accepted")], impact_on=D(2026, 9, 1))
    # a2 Police, due Tue 30 Jun 2026: evidence Fri 10 Jul (late), accepted.
    _action(session, rec_p1, police, manager, D(2026, 6, 30), "evidence_accepted",
            evidence=[(D(2026, 7, 10), "accepted")])
    # a3 Police, due Fri 29 Jan 2027, in progress: overdue on Mon 1 Feb.
    _action(session, rec_n1, police, manager, D(2027, 1, 29), "in_progress")
    # a4 Health, due Fri 29 May 2026: evidence Wed 20 May sent back, again Fri 5 Jun (waiting): done on time.
    _action(session, rec_p1, health, manager, D(2026, 5, 29), "done",
            evidence=[(D(2026, 5, 20), "sent back"), (D(2026, 6, 5), None)])
    # a5 Health, due today Mon 1 Feb 2027, not started: due, not overdue. a6 Health, due Wed 31 Mar 2027: not due.
    _action(session, rec_n1, health, manager, D(2027, 2, 1), "not_started")
    _action(session, rec_n1, health, manager, D(2027, 3, 31), "not_started")
    # Left out: a7 on the withdrawn P4; a8 due Fri 30 Apr 2027 (2027-28).
    _action(session, rec_p4, health, manager, D(2026, 4, 30), "in_progress")
    _action(session, rec_p1, police, manager, D(2027, 4, 30), "not_started")
    session.flush()
    return Built(officer, manager, r)


@pytest.fixture
def built(session: Session, make_account: MakeAccount) -> Built:
    return build(session, make_account)


def _figures(session: Session, actor: Account, first: int = 2025, last: int = 2026) -> AfterFigures:
    return board_after_figures(session, actor, first_year=first, last_year=last, as_of=AS_OF)


# ------------------------------------------------------------------ the figures, worked by hand


def test_the_funnel_by_year_leaves_the_withdrawn_review_out(session: Session, built: Built) -> None:
    f = _figures(session, built.manager)
    funnel = [(y.label, y.notified, y.submitted, y.lcspr_started, y.lcspr_published) for y in f.by_year]
    assert funnel == [("2025-26", 3, 3, 2, 1), ("2026-27", 3, 2, 2, 0)]
    assert (f.total.label, f.total.notified, f.total.submitted, f.total.lcspr_started, f.total.lcspr_published) == \
        ("2025-26 to 2026-27", 6, 5, 4, 1)


def test_lcspr_final_report_within_six_months(session: Session, built: Built) -> None:
    f = _figures(session, built.manager)
    y25, y26 = f.by_year
    assert (y25.final_reports, y25.final_on_time, y25.final_late, y25.final_overdue, y25.final_not_yet_due) == \
        (2, 1, 1, 0, 0)
    # Median of 167 and 201 days = 184 days = 184 / 30.4375 = 6.045 months.
    assert y25.median_months == pytest.approx(6.045, abs=0.001)
    assert y25.final_rate.percent == 50.0
    assert (y26.final_reports, y26.final_on_time, y26.final_late, y26.final_overdue, y26.final_not_yet_due) == \
        (0, 0, 0, 1, 1)
    assert y26.median_months is None
    assert (f.total.final_rate.met, f.total.final_rate.counted) == (1, 3)
    words = {s.key: s for s in after_sections(f)}["lcspr_timeliness"].words
    assert words[0] == ("1 of 3 LCSPRs due (33%) had the final report within 6 months of the decision. 1 has no "
                        "final report and are late.")
    assert "Median 6 months from the decision to the final report (n = 2 final reports)." in words


def test_lcspr_timeliness_follows_the_completion_setting(session: Session, built: Built) -> None:
    # With lcspr_completion_months at 7 (docs/lcspr.md): P1 1 Jul 2025 + 7 months = Sun 1 Feb 2026, final 15 Dec 2025:
    # on time; P2 1 Oct 2025 + 7 = Fri 1 May 2026, final Mon 20 Apr 2026: now on time; N1 15 Jun 2026 + 7 = Fri 15 Jan
    # 2027, no final report on Mon 1 Feb 2027: late; N2 20 Oct 2026 + 7 = Thu 20 May 2027: not yet due.
    settings = session.get(Setting, 1)
    assert settings is not None
    settings.lcspr_completion_months = 7
    session.flush()
    f = _figures(session, built.manager)
    y25, y26 = f.by_year
    assert (y25.final_on_time, y25.final_late, y26.final_overdue, y26.final_not_yet_due) == (2, 0, 1, 1)
    assert (f.total.final_rate.met, f.total.final_rate.counted) == (2, 3)
    section = {s.key: s for s in after_sections(f)}["lcspr_timeliness"]
    assert section.title == "LCSPR final report within 7 months"
    assert section.words[0].startswith("2 of 3 LCSPRs due (67%) had the final report within 7 months of the decision.")


def test_panel_agreement_by_year(session: Session, built: Built) -> None:
    f = _figures(session, built.manager)
    assert [(y.panel_responses, y.panel_agrees) for y in f.by_year] == [(3, 2), (2, 2)]
    assert f.total.agreement_rate.percent == 80.0


def test_actions_by_owning_agency(session: Session, built: Built) -> None:
    f = _figures(session, built.manager)
    rows = [(a.label, a.actions, a.due, a.done_on_time, a.done_late, a.overdue, a.evidenced, a.impact_checked)
            for a in [*f.actions_by_agency, f.actions_total]]
    assert rows == [("Test Health", 3, 2, 1, 0, 0, 0, 0),
                    ("Test Police", 3, 3, 1, 1, 1, 2, 1),
                    ("All agencies", 6, 5, 2, 1, 1, 2, 1)]
    assert f.actions_total.on_time_rate.percent == 50.0  # 2 on time of 4 (2 + 1 late + 1 overdue)
    assert f.actions_total.impact_rate.percent == 50.0  # 1 of the 2 evidenced
    words = {s.key: s for s in after_sections(f)}["actions"].words
    assert "Done on time: 50% (2 of 4). 1 overdue now (not done, due before today)." in words
    assert "Lowest on-time rate: Test Police, 33% (1 of 3)." in words


def test_themes_by_year_in_the_partnerships_order(session: Session, built: Built) -> None:
    f = _figures(session, built.manager)
    assert [(t.theme, t.year, t.reviews) for t in f.themes] == [
        (MULTI, 2025, 1), (MULTI, 2026, 1), (DOMESTIC, 2025, 2), (DOMESTIC, 2026, 1), (NEGLECT, 2025, 1),
        (NEGLECT, 2026, 1)]
    assert [y.coded for y in f.by_year] == [3, 2]
    themes = {s.key: s for s in after_sections(f)}["themes"]
    assert themes.rows == [[MULTI, 1, 1], [DOMESTIC, 2, 1], [NEGLECT, 1, 1]]


def test_small_numbers_are_said_not_hidden(session: Session, built: Built) -> None:
    sections = {s.key: s for s in after_sections(_figures(session, built.manager))}
    assert "n = 5 responses. Small numbers: one response moves a rate by 20 percentage points." in \
        sections["panel"].words
    assert "n = 6 reviews. Small numbers: read with care." in sections["funnel"].words
    assert sections["funnel"].rows[-1] == ["All (2025-26 to 2026-27)", 6, 5, 4, 1]


def test_one_year_counts_only_its_own(session: Session, built: Built) -> None:
    f = _figures(session, built.manager, 2026, 2026)
    assert f.label == "2026-27"
    assert (f.total.notified, f.total.panel_responses) == (3, 2)
    # Health a4, a5, a6; Police a2, a3 (a1 falls due in 2025-26).
    assert [(a.label, a.actions) for a in f.actions_by_agency] == [("Test Health", 3), ("Test Police", 2)]


def test_refusals(session: Session, built: Built, make_account: MakeAccount) -> None:
    for role in ("officer", "chair", "admin"):
        with pytest.raises(NotAllowed):
            _figures(session, make_account(role))
        with pytest.raises(NotAllowed):
            yearly_report(session, make_account(role), year=2025, as_of=AS_OF, charts=False)
    with pytest.raises(InvalidInput, match="comes after"):
        _figures(session, built.manager, 2026, 2025)
    with pytest.raises(InvalidInput, match="has not started yet"):
        _figures(session, built.manager, 2026, 2027)
    with pytest.raises(InvalidInput, match="has not started yet"):
        yearly_report(session, built.manager, year=2027, as_of=AS_OF, charts=False)


# ------------------------------------------------------------------ never case data


@pytest.fixture
def columns_seen(session: Session) -> Iterator[list[list[str]]]:
    seen: list[list[str]] = []

    def watch(conn: Connection, cursor: object, statement: str, parameters: object, context: ExecutionContext,
              executemany: bool) -> None:
        description = getattr(cursor, "description", None)
        # The statements that read the case tables (the settings row and the account are read too).
        if description and re.search(r"\b(reviews|lcsprs|review_actions|review_themes)\b", statement):
            seen.append([c[0] for c in description])

    engine = session.get_bind()
    event.listen(engine, "after_cursor_execute", watch)
    yield seen
    event.remove(engine, "after_cursor_execute", watch)


def test_the_board_reads_no_case_reference_initials_or_free_text(session: Session, built: Built,
                                                                 make_account: MakeAccount,
                                                                 columns_seen: list[list[str]]) -> None:
    board = make_account("board")
    columns_seen.clear()
    f = _figures(session, board)
    forbidden = re.compile(r"(^|_)(id|case_reference|initials|reason|description|evidence|learning|finding|notes|"
                           r"recommendation|owner_name|reviewer_name|publication_address)$")
    assert columns_seen
    assert [c for cols in columns_seen for c in cols if forbidden.search(c)] == []
    shown = repr(f) + json.dumps([(s.words, s.rows) for s in after_sections(f)], default=str) + \
        json.dumps([fig.to_plotly_json() for fig in after_charts(f).values()], default=str)
    report = yearly_report(session, board, year=2025, as_of=AS_OF, charts=False)
    shown += _docx_text(report)
    for secret in built.secrets():
        assert secret not in shown, secret


# ------------------------------------------------------------------ the yearly report, read back


def _docx_text(report: YearlyReport) -> str:
    document = Document(io.BytesIO(report.data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    parts += [p.text for s in document.sections for p in s.header.paragraphs + s.footer.paragraphs]
    return "\n".join(parts)


def _tables(report: YearlyReport) -> dict[str, list[list[str]]]:
    """Each table by the text of its header row's cells joined with '|'."""
    document = Document(io.BytesIO(report.data))
    found = {}
    for t in document.tables:
        rows = [[c.text for c in row.cells] for row in t.rows]
        found["|".join(rows[0])] = rows[1:]
    return found


def test_the_yearly_report_holds_the_hand_worked_numbers(session: Session, built: Built) -> None:
    report = yearly_report(session, built.manager, year=2025, as_of=AS_OF, charts=False)
    assert report.file_name == "yearly-report-reviews-2025-26.docx"
    assert not report.charts_included
    tables = _tables(report)
    assert tables["Year|Notifications|Rapid Reviews submitted|LCSPRs started|LCSPRs published"] == \
        [["2025-26", "3", "3", "2", "1"]]
    # P1, P2, P3 each went to the Panel on Day 15 (3 weeks, no bank holiday): 14 working days after Day 1.
    rr = tables["Quarter|Notifications|On time|Submitted late|Overdue, not submitted|Not yet due|On time (%)"]
    assert rr[-1] == ["Whole period (2025-26 Q1 to 2025-26 Q4)", "3", "3", "0", "0", "0", "100"]
    spread = tables["Quarter|Submitted|Quickest|Lower quartile|Median|Upper quartile|Slowest"]
    assert spread[-1] == ["Whole period (2025-26 Q1 to 2025-26 Q4)", "3", "14", "14", "14", "14", "14"]
    lcspr = tables["Year|LCSPRs|Final reports|On time|Late|No final report, late|Not yet due|On time (%)|"
                   "Median months|Published"]
    assert lcspr == [["2025-26", "2", "2", "1", "1", "0", "0", "50", "6", "1"]]
    assert tables["Year|Panel responses|Agreed|Did not agree|Agreed (%)"] == [["2025-26", "3", "2", "1", "66.7"]]
    assert tables["Theme|2025-26"] == [[MULTI, "1"], [DOMESTIC, "2"], [NEGLECT, "1"]]
    # Only a1 falls due in 2025-26.
    assert tables["Agency|Actions|Due by today|Done on time|Done late|Overdue now|On time (%)|Evidence accepted|"
                  "Impact checked"] == [["Test Police", "1", "1", "1", "0", "0", "100", "1", "1"],
                                        ["All agencies", "1", "1", "1", "0", "0", "100", "1", "1"]]
    text = _docx_text(report)
    assert "Reviews in 2025-26" in text
    assert "The National Panel agreed with the partnership's LCSPR decision in 67% (2 of 3) of its responses." in text
    assert CHARTS_LEFT_OUT.format(reason="they were not asked for.") in text
    document = Document(io.BytesIO(report.data))
    width, height = document.sections[0].page_width, document.sections[0].page_height
    assert width is not None and height is not None
    assert (round(width.mm), round(height.mm)) == (210, 297)


def test_without_a_browser_the_report_says_the_charts_were_left_out(
        session: Session, built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    reload_settings()
    try:
        report = yearly_report(session, built.manager, year=2025, as_of=AS_OF)
    finally:
        monkeypatch.undo()
        reload_settings()
    assert not report.charts_included
    text = _docx_text(report)
    assert "The charts were left out of this copy" in text
    assert _tables(report)["Year|Panel responses|Agreed|Did not agree|Agreed (%)"] == \
        [["2025-26", "3", "2", "1", "66.7"]]


def test_with_a_browser_the_charts_are_pictures_in_the_report(session: Session, built: Built) -> None:
    probe = chart_images({})
    if isinstance(probe, str) and "not installed" in probe:
        pytest.skip(probe)
    report = yearly_report(session, built.manager, year=2025, as_of=AS_OF)
    assert report.charts_included, "a browser is needed: set BROWSER_PATH or install /usr/bin/chromium"
    document = Document(io.BytesIO(report.data))
    pictures = [r for r in document.part.related_parts.values() if r.content_type == "image/png"]
    assert len(pictures) == 8  # funnel, two Rapid Review charts, LCSPR, Panel, themes, actions, impact
    assert all(p.blob.startswith(b"\x89PNG") for p in pictures)
    assert "left out" not in _docx_text(report)
