"""The Rapid Review report of a review: its written sections, the assembled draft, every Word version and the
steps that end the review.

- `content`: the sections as data, the assembled content, what is missing and the Markdown preview (pure);
- `word`: the Word file (.docx) built from the assembled content (pure);
- `rules`: the report's rules that need no database: version states, step dates, file names (pure);
- `reads`: the frozen read objects pages get and the reads that make them: the report as its data stands, a
  version's bytes, the reviews waiting for Ofsted;
- `versions`: what the writes share: the review locked for a step, storing the next version, the sign-off in force;
- `service`: the steps up to the sign-off (role-checked writes);
- `panel`: the submission to the National Panel (and Ofsted) and their responses (role-checked writes).

Pages import the names below from `services.report`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.report.content import (
        AGENCY_TABLE_COLUMNS,
        APPENDIX,
        MAX_SECTION_CHARS,
        MILESTONE_TABLE_COLUMNS,
        SECTIONS,
        WRITABLE_KEYS,
        ReportContent,
        Section,
        agency_table_rows,
        milestone_table_rows,
        paragraphs_of,
        report_markdown,
    )
    from services.report.panel import record_responses, set_ofsted_required, submit_to_panel
    from services.report.reads import (
        DraftMade,
        OfstedOutstanding,
        ReportView,
        SectionText,
        SignOffInfo,
        VersionFile,
        VersionInfo,
        get_report,
        get_version_file,
        list_ofsted_outstanding,
    )
    from services.report.rules import MAX_REASON_CHARS, STATE_LABELS
    from services.report.service import (
        make_draft,
        record_lcspr_decision,
        record_sign_off_given_outside,
        save_section,
        send_to_chair,
        sign_off,
        withdraw_sign_off,
    )

__all__ = [
    "AGENCY_TABLE_COLUMNS",
    "APPENDIX",
    "MAX_REASON_CHARS",
    "MAX_SECTION_CHARS",
    "MILESTONE_TABLE_COLUMNS",
    "SECTIONS",
    "STATE_LABELS",
    "WRITABLE_KEYS",
    "DraftMade",
    "OfstedOutstanding",
    "ReportContent",
    "ReportView",
    "Section",
    "SectionText",
    "SignOffInfo",
    "VersionFile",
    "VersionInfo",
    "agency_table_rows",
    "get_report",
    "get_version_file",
    "list_ofsted_outstanding",
    "make_draft",
    "milestone_table_rows",
    "paragraphs_of",
    "record_lcspr_decision",
    "record_responses",
    "record_sign_off_given_outside",
    "report_markdown",
    "save_section",
    "send_to_chair",
    "set_ofsted_required",
    "sign_off",
    "submit_to_panel",
    "withdraw_sign_off",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("content", "rules", "reads", "service", "panel"))
