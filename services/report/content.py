"""What the Rapid Review report says: its sections (as data), the content assembled for one review, what is
still missing, and a Markdown preview. Pure: the Word file (services.report.word) and the page's preview
both draw from the same ReportContent, so the preview shows what the file will hold.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date

from services.formatting import long_date

PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"
EMPTY_SECTION = "[This section has not been written yet]"
EMPTY_AGENCY_SUMMARY = "[No summary of this agency's involvement has been written yet]"
MAX_SECTION_CHARS = 20_000

TEXT, DATA, DATA_AND_TEXT = "written by the officer", "filled from the data", "data and text"


@dataclass(frozen=True)
class Section:
    """One section of the report: its key, number, title, where its content comes from, and a prompt."""

    key: str
    number: int | None
    title: str
    source: str
    guidance: str = ""

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title

    @property
    def writable(self) -> bool:
        """Whether the officer writes (part of) it, saved per section."""
        return self.source in (TEXT, DATA_AND_TEXT)


# domain.md "The report": the working set of sections (the Panel's template could change them: edit here).
SECTIONS: tuple[Section, ...] = (
    Section("case_details", 1, "Case details", DATA,
            "Reference, children's initials and ages, notification type and the review's dates."),
    Section("incident_summary", 2, "Summary of the incident and circumstances", TEXT,
            "What happened, when, and the circumstances known so far."),
    Section("agency_involvement", 3, "Agency involvement", DATA,
            "One part per agency, from the summary of its return (written on the Agency returns page)."),
    Section("practice_episodes", 4, "Key practice episodes and analysis", TEXT,
            "The key episodes of practice and what the agencies' returns and the meeting made of them."),
    Section("lived_experience", 5, "The child's lived experience; the influence of race, culture, disability and "
            "other inequalities", TEXT, "What life was like for the child; any influence of race, culture, "
            "disability and other inequalities."),
    Section("immediate_actions", 6, "Immediate actions taken and the safety of other children", TEXT,
            "Actions already taken, and how the safety of other children was considered."),
    Section("learning", 7, "Learning identified, good practice included", TEXT,
            "The learning identified, including good practice."),
    Section("lcspr_decision", 8, "Decision on a Local Child Safeguarding Practice Review (LCSPR)", DATA_AND_TEXT,
            "The decision and its reasons are recorded below the text; write here any issue of national "
            "importance (or 'None identified')."),
    Section("sign_off", 9, "Quality assurance and sign-off", DATA_AND_TEXT,
            "The statutory partners' quality assurance (local authority, ICB, police); the JCR Chair's sign-off "
            "is added when the Chair signs."),
)
APPENDIX = Section("appendix", None, "Appendix: agencies contacted and the review's milestones", DATA,
                   "Agencies contacted with their return dates; the review's milestones with due and done dates.")
SECTION_BY_KEY = {s.key: s for s in SECTIONS}
WRITABLE_KEYS = tuple(s.key for s in SECTIONS if s.writable)



@dataclass(frozen=True)
class AgencyPart:
    """One agency's return as the report shows it."""

    agency: str
    requested: date
    due: date
    received: date | None
    resubmitted: date | None
    final_qa: str
    summary: str | None
    # A return closed without being accepted ("no return" or "withdrawn"): the sentence the report gives instead
    # of a summary (services.returns.rules.ending_sentence).
    ending: str | None = None

    @property
    def needs_summary(self) -> bool:
        """Every agency asked has a summary, except those whose return was closed as "no return" or "withdrawn"."""
        return self.ending is None and not paragraphs_of(self.summary)

    @property
    def dates_sentence(self) -> str:
        text = f"Scoping form sent {long_date(self.requested)}, due {long_date(self.due)}; "
        text += f"received {long_date(self.received)}" if self.received else (
            "not received" if self.ending else "not received yet")
        if self.resubmitted:
            text += f"; resubmitted {long_date(self.resubmitted)}"
        if self.final_qa:
            text += f"; {self.final_qa}"
        return text + "."


@dataclass(frozen=True)
class MilestoneLine:
    title: str
    window: str
    due: date | None
    agreed: bool
    done: date | None
    status: str  # "done", "open", "not needed", "not decided yet"
    # A step with evidence in the product done outside it (issue 26): the Partnership Manager's reason.
    done_outside_reason: str | None = None


@dataclass(frozen=True)
class ReportContent:
    """Everything one version of the report says (nothing about the version itself)."""

    partnership: str
    case_reference: str
    case_details: tuple[tuple[str, str], ...]
    agencies: tuple[AgencyPart, ...]
    texts: dict[str, str] = field(default_factory=dict)
    lcspr_decision: bool | None = None
    lcspr_reason: str | None = None
    sent_to_chair_on: date | None = None
    signed_by: str | None = None
    signed_on: date | None = None
    milestones: tuple[MilestoneLine, ...] = ()
    # A sign-off given outside the product (say by email) and recorded by the Partnership Manager: how, and who.
    signed_how: str | None = None
    signed_recorded_by: str | None = None


def paragraphs_of(text: str | None) -> list[str]:
    """Lines of the officer's text with blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def lcspr_sentence(content: ReportContent) -> str:
    if content.lcspr_decision is None:
        return "[The LCSPR decision has not been recorded yet]"
    if content.lcspr_decision:
        return "A Local Child Safeguarding Practice Review is to be carried out."
    return "A Local Child Safeguarding Practice Review is not to be carried out."


def sign_off_sentence(content: ReportContent) -> str:
    if content.signed_on is None:
        return "[Not yet signed off by the JCR Chair]"
    sentence = f"{content.signed_by}, JCR Chair, on {long_date(content.signed_on)}"
    if content.signed_how:
        sentence += (f" (given outside the product: {content.signed_how}; recorded by {content.signed_recorded_by} "
                     "on the Chair's behalf)")
    return sentence


AGENCY_TABLE_COLUMNS = ("Agency", "Form sent", "Due", "Received", "Resubmitted", "Final QA")
MILESTONE_TABLE_COLUMNS = ("Milestone", "Window", "Due", "Done")


def _short(value: date | None) -> str:
    """Dates in the tables, short enough for A4 columns."""
    return f"{value:%d %b %Y}" if value else "—"


def agency_table_rows(content: ReportContent) -> list[tuple[str, ...]]:
    return [
        (a.agency, _short(a.requested), _short(a.due), _short(a.received), _short(a.resubmitted), a.final_qa or "—")
        for a in content.agencies
    ]


def milestone_table_rows(content: ReportContent) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for m in content.milestones:
        due = _short(m.due) + (" (agreed)" if m.agreed else "") if m.due else "no deadline"
        done = _short(m.done) if m.done else (m.status if m.status in ("not needed", "not decided yet") else "not done")
        if m.done and m.done_outside_reason:
            done += f" (done outside the product: {m.done_outside_reason})"
        rows.append((m.title, m.window, due, done))
    return rows


def missing_parts(content: ReportContent) -> list[tuple[Section, str]]:
    """What is not written yet, section by section: the page warns about each; the Chair cannot sign until
    none is left."""
    missing = []
    for section in SECTIONS:
        if section.key == "agency_involvement":
            if not content.agencies:
                missing.append((section, "no agency has been sent a scoping form"))
            else:
                without = [a.agency for a in content.agencies if a.needs_summary]
                if without:
                    missing.append((section, "no summary yet for " + ", ".join(without)))
        elif section.key == "lcspr_decision":
            if content.lcspr_decision is None:
                missing.append((section, "the LCSPR decision and its reasons are not recorded"))
            if not paragraphs_of(content.texts.get(section.key)):
                missing.append((section, "issues of national importance not written (write 'None identified' if so)"))
        elif section.writable and not paragraphs_of(content.texts.get(section.key)):
            missing.append((section, "not written yet"))
    return missing


def fingerprint(content: ReportContent) -> str:
    """A hash of what the report says: two drafts with the same fingerprint say the same thing."""
    canonical = json.dumps(asdict(content), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- the page's preview


def _md_escape(text: str) -> str:
    """Officer text shown as typed: Markdown characters are escaped (no accidental headings or links)."""
    out = text
    for ch in "\\`*_{}[]<>()#+!|~$:&":
        out = out.replace(ch, "\\" + ch)
    return out


def _md_text(text: str | None, empty: str = EMPTY_SECTION) -> list[str]:
    paragraphs = paragraphs_of(text)
    if not paragraphs:
        return [f"*{_md_escape(empty)}*", ""]
    lines = []
    for line in paragraphs:
        if line.startswith(("- ", "* ")):
            lines.append("- " + _md_escape(line[2:].strip()))
        else:
            if lines and lines[-1].startswith("- "):
                lines.append("")  # end the list, or the paragraph would join its last item
            lines.extend([_md_escape(line), ""])
    lines.append("")
    return lines


def _md_table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md_escape(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def report_markdown(content: ReportContent) -> str:  # noqa: C901 - one branch per optional part of the report
    """The whole report as Markdown, section by section, for the page's preview."""
    reference = _md_escape(content.case_reference)
    lines = [f"**{PROTECTIVE_MARKING}** · Rapid Review report · case reference **{reference}**", "",
             f"*{_md_escape(content.partnership)}*", ""]
    for section in SECTIONS:
        lines += [f"#### {section.heading}", ""]
        if section.key == "case_details":
            lines += _md_table(("Item", "Detail"), list(content.case_details))
        elif section.key == "agency_involvement":
            if not content.agencies:
                lines += [f"*{EMPTY_SECTION}*", ""]
            for i, part in enumerate(content.agencies, start=1):
                lines += [f"**{section.number}.{i} {_md_escape(part.agency)}**", "", f"*{part.dates_sentence}*", ""]
                if part.ending:
                    lines += [f"**{_md_escape(part.ending)}**", ""]
                if part.summary or not part.ending:
                    lines += _md_text(part.summary, EMPTY_AGENCY_SUMMARY)
        elif section.key == "lcspr_decision":
            sentence = lcspr_sentence(content)
            if content.lcspr_decision is None:
                lines += [f"*{_md_escape(sentence)}*", ""]
            else:
                lines += [f"**Decision:** {sentence}", "", f"**Reasons:** {_md_escape(content.lcspr_reason or '')}", ""]
            lines += ["**Issues of national importance**", "", *_md_text(content.texts.get(section.key))]
        elif section.key == "sign_off":
            lines += ["**Quality assurance by the statutory partners**", "",
                      *_md_text(content.texts.get(section.key))]
            if content.sent_to_chair_on:
                lines += [f"**Sent to the JCR Chair:** {long_date(content.sent_to_chair_on)}", ""]
            sentence = sign_off_sentence(content)
            signed = f"**Signed off:** {_md_escape(sentence)}" if content.signed_on else f"*{_md_escape(sentence)}*"
            lines += [signed, ""]
        else:
            lines += _md_text(content.texts.get(section.key))
    lines += [f"#### {APPENDIX.heading}", "", "**A. Agencies contacted and their return dates**", ""]
    lines += _md_table(AGENCY_TABLE_COLUMNS, agency_table_rows(content)) if content.agencies else \
        ["*[No agency has been sent a scoping form yet]*", ""]
    lines += ["**B. The review's milestones**", "", *_md_table(MILESTONE_TABLE_COLUMNS, milestone_table_rows(content))]
    return "\n".join(lines)
