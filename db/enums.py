"""The app's fixed vocabularies, written once.

Each is a StrEnum, so a member equals (and hashes as) its text: `Role.MANAGER == "manager"`. The models' CHECK
constraints are generated from these with `sql_in` / `sql_array` / `sql_literal`, so a value is added in one place
(plus a migration that changes the constraint: migrations keep their own literal text, as frozen history, and never
import this module).
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """Who an account acts as (domain.md "Who does what"); a person may hold several."""

    MANAGER = "manager"
    OFFICER = "officer"
    CHAIR = "chair"
    BOARD = "board"
    ADMIN = "admin"


class NotificationType(StrEnum):
    """What the Serious Incident Notification was about."""

    DEATH = "death"
    SERIOUS_HARM = "serious_harm"
    OTHER = "other"


class ReviewState(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"  # sent to the National Panel, its response awaited
    CLOSED = "closed"  # the Panel's response is recorded
    WITHDRAWN = "withdrawn"  # opened in error, a duplicate, or not notified after all: kept, never counted (0018)


class WithdrawalReason(StrEnum):
    """Why the Manager withdrew a review (migration 0018); "other" needs words in the note."""

    NOT_NOTIFIED = "not notified by CSC"
    DUPLICATE = "duplicate"
    OPENED_IN_ERROR = "opened in error"
    OTHER = "other"


class CorrectedFact(StrEnum):
    """A fact of a review put right as a logged correction keeping the old value (migration 0018)."""

    INITIALS = "initials"
    AGE = "age"
    CHILDREN = "number of children"
    NOTIFICATION_TYPE = "notification type"
    CASE_REFERENCE = "case reference"


class LogCategory(StrEnum):
    """Categories of a daily log entry."""

    COMMUNICATION = "communication"
    DECISION = "decision"
    DELEGATION = "delegation"
    DATE_AGREED = "date agreed"
    DOCUMENT_FILED = "document filed"
    QUALITY_CHECK = "quality check"
    MEETING = "meeting"
    SYSTEM = "system"
    OTHER = "other"


class FolderSection(StrEnum):
    """The four sections of a case folder (domain.md, the plan's "Case folder created")."""

    NOTIFICATION_AND_SCOPING = "I"
    RAPID_REVIEW_MEETING = "II"
    STATUTORY_CORRESPONDENCE = "III"
    GENERAL_CORRESPONDENCE = "IV"


class InitialCheckOutcome(StrEnum):
    """The officer's initial quality check of an agency return."""

    SATISFACTORY = "satisfactory"
    CONCERNS = "concerns"


class FinalQaOutcome(StrEnum):
    """The Partnership Manager's final quality assurance of an agency return."""

    ACCEPTED = "accepted"
    SENT_BACK = "sent back"


class ReturnEnding(StrEnum):
    """How a return ends without being accepted (domain.md "Agency returns"): the Partnership Manager's decision."""

    NO_RETURN = "no return"  # the agency did not respond by the agreed date, after chasing: late on the board
    WITHDRAWN = "withdrawn"  # asked in error: left out of the board's figures


class MeetingKind(StrEnum):
    RR_MEETING = "rr_meeting"  # the Rapid Review meeting (one per review)
    PRE_MEET = "pre_meet"  # for an agency new to the process (as many as needed)
    EXEC_MEETING = "exec_meeting"  # executive findings meeting with the AD/DCS (one per review)


class ReportVersionState(StrEnum):
    """What a generated version of the report was made as."""

    DRAFT = "draft"
    SENT_TO_CHAIR = "sent_to_chair"
    SIGNED_FINAL = "signed_final"
    SUBMITTED = "submitted"


class MailKind(StrEnum):
    """What an email the product sends is (the sent_mail table)."""

    DIGEST = "digest"  # the morning digest to one account
    CHASE = "chase"  # a chase of an agency for its return
    SEND_BACK = "send_back"  # the notice to an agency that its return was sent back
    SIGN_OFF = "sign_off"  # the JCR Chair told that a report was sent for sign-off
    REQUEST = "request"  # the scoping request to an agency, with its private link
    RETURN_SHARED = "return_shared"  # a JCR Chair told that a return is shared with them (a link, never the content)


class RecommendationSource(StrEnum):
    """Where a recommendation of a review came from (issue 29)."""

    RAPID_REVIEW = "rapid_review"  # the Rapid Review's report
    PANEL_RESPONSE = "panel_response"  # the National Panel's response
    LCSPR = "lcspr"  # the Local Child Safeguarding Practice Review's final report


class ActionStatus(StrEnum):
    """Where an action of a recommendation stands (issue 29), in the order it moves."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"  # the owner says it is done and has given evidence; the Manager has not yet accepted it
    EVIDENCE_ACCEPTED = "evidence_accepted"
    IMPACT_CHECKED = "impact_checked"


class MilestoneKey(StrEnum):
    """The keys of the plan's milestones, seeded by migration 0001 (an admin edits a step, never its key)."""

    TIMELINE_AGREED = "timeline_agreed"
    AGENCIES_INFORMED = "agencies_informed"
    SCOPING_SENT = "scoping_sent"
    CASE_FOLDER = "case_folder"
    EXEC_DECISION = "exec_decision"
    PRE_MEETS = "pre_meets"
    RETURNS_ACCEPTED = "returns_accepted"
    RETURNS_COLLATED = "returns_collated"
    RR_MEETING = "rr_meeting"
    MINUTES = "minutes"
    REPORT_TO_CHAIR = "report_to_chair"
    EXEC_MEETING = "exec_meeting"
    SIGNED_REPORT = "signed_report"
    PANEL_SUBMISSION = "panel_submission"
    PANEL_RESPONSE = "panel_response"


def sql_literal(value: str) -> str:
    """`value` as a SQL string literal: sql_literal(ReviewState.OPEN) -> 'open'."""
    return "'" + str(value).replace("'", "''") + "'"


def _literals(values: Iterable[str]) -> str:
    return ",".join(sql_literal(v) for v in values)


def sql_in(column: str, values: Iterable[str], *, nullable: bool = False) -> str:
    """A CHECK's text that `column` holds one of `values` (an enum class or some of its members).

    sql_in("state", ReviewState) -> "state IN ('open','submitted','closed')"; with nullable=True the column may
    also be NULL: "x IS NULL OR x IN (...)".
    """
    clause = f"{column} IN ({_literals(values)})"
    return f"{column} IS NULL OR {clause}" if nullable else clause


def sql_array(values: Iterable[str]) -> str:
    """A text[] literal: sql_array(Role) -> "ARRAY['manager','officer','chair','board','admin']::text[]"."""
    return f"ARRAY[{_literals(values)}]::text[]"
