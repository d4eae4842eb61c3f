"""Agencies answer their scoping request through a private link: the rules (rules.py, no I/O), the steps
(service.py: the officers' links, and the agency's own steps through its link, whose token is its credential; see
that module's docstring for who acts), what the Partnership reads of the answers (reads.py), the Day 6 pack of
the accepted returns as one Word file (collation.py), and what the Administration page changes: the scoping form's
versions and how long a link works (administration.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.agency_exchange.administration import (
        FormSectionRead,
        FormVersionRead,
        FormVersionSummary,
        ScopingFormAdmin,
        save_scoping_form_version,
        scoping_form_admin,
        update_link_expiry,
    )
    from services.agency_exchange.collation import Day6PackFile, build_day6_pack, day6_pack_file_name
    from services.agency_exchange.reads import (
        AnswerRead,
        DocumentFile,
        DocumentRead,
        ExchangeRead,
        LinkRead,
        RoundRead,
        agency_document_file,
        agency_return_exchange,
    )
    from services.agency_exchange.rules import (
        KIND_WORDS,
        MAX_ANSWER_CHARS,
        MAX_ATTACHMENT_BYTES,
        MAX_ATTACHMENTS_PER_ROUND,
        MAX_FORM_NOTE_CHARS,
        MAX_GUIDANCE_CHARS,
        MAX_HEADING_CHARS,
        MAX_LINK_EXPIRY_WORKING_DAYS,
        MAX_SECTIONS,
        Confirmation,
        FormSectionDraft,
        PreCheck,
        date_from_parts,
        judge_attachment,
        link_expiry_date,
        precheck,
        summary_draft,
    )
    from services.agency_exchange.service import (
        AgencyPage,
        AttachmentView,
        ConfirmationInput,
        EarlierRound,
        IssuedLink,
        LinkNotFound,
        SectionView,
        Submitted,
        attach_agency_document,
        current_form_version,
        issue_agency_link,
        link_expiry_working_days,
        open_agency_return,
        record_forms_sent_with_links,
        reissue_agency_link,
        remove_agency_document,
        revoke_agency_link,
        save_agency_draft,
        submit_agency_return,
    )

__all__ = [
    "KIND_WORDS",
    "MAX_ANSWER_CHARS",
    "MAX_ATTACHMENTS_PER_ROUND",
    "MAX_ATTACHMENT_BYTES",
    "MAX_FORM_NOTE_CHARS",
    "MAX_GUIDANCE_CHARS",
    "MAX_HEADING_CHARS",
    "MAX_LINK_EXPIRY_WORKING_DAYS",
    "MAX_SECTIONS",
    "AgencyPage",
    "AnswerRead",
    "AttachmentView",
    "Confirmation",
    "ConfirmationInput",
    "Day6PackFile",
    "DocumentFile",
    "DocumentRead",
    "EarlierRound",
    "ExchangeRead",
    "FormSectionDraft",
    "FormSectionRead",
    "FormVersionRead",
    "FormVersionSummary",
    "IssuedLink",
    "LinkNotFound",
    "LinkRead",
    "PreCheck",
    "RoundRead",
    "ScopingFormAdmin",
    "SectionView",
    "Submitted",
    "agency_document_file",
    "agency_return_exchange",
    "attach_agency_document",
    "build_day6_pack",
    "current_form_version",
    "date_from_parts",
    "day6_pack_file_name",
    "issue_agency_link",
    "judge_attachment",
    "link_expiry_date",
    "link_expiry_working_days",
    "open_agency_return",
    "precheck",
    "record_forms_sent_with_links",
    "reissue_agency_link",
    "remove_agency_document",
    "revoke_agency_link",
    "save_agency_draft",
    "save_scoping_form_version",
    "scoping_form_admin",
    "submit_agency_return",
    "summary_draft",
    "update_link_expiry",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service", "collation", "administration"))
