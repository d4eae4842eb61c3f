"""The recommendations and actions register's rules, with no I/O (issue 29, "After the Rapid Review").

- **Recommendations** come from the Rapid Review's report, the Panel's response or the LCSPR; made on a date between
  the notification's receipt and today; their text (at most 2,000 characters) goes through services.text.
- **Actions**: an owning agency, one owner (an account, or a named contact with an optional email), a description, a
  due date on or after the recommendation was made (the database refuses it too), and a date to check impact on or
  after the due date.
- **Lifecycle**: not started -> in progress -> done (evidence given: a round with text, optional PDF/Word documents)
  -> evidence accepted (the Manager) or sent back (the Manager, with a reason: back to in progress) -> impact checked
  (the Manager, on or after the impact check date, with a finding). Evidence may be given from "not started" too: the
  round itself says the work was done.
- **Overdue**: not started or in progress, and due before today. **RAG** on the due date (services.rag) for an open
  action; an action with evidence given is complete.
- **By agency**: overdue; done on time (the first round of evidence given on or before the due date); evidenced
  (evidence accepted, impact checked or not); impact checked.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from db.enums import ActionStatus, RecommendationSource
from db.models_after import MAX_ACTION_CHARS, MAX_EVIDENCE_CHARS, MAX_RECOMMENDATION_CHARS
from services.agency_exchange.rules import AcceptedFile, judge_attachment
from services.errors import InvalidInput
from services.formatting import long_date
from services.rag import Rag, rag_for_due_date
from services.text import clean_optional_text, clean_text
from services.working_days import WorkingCalendar

MAX_REASON_CHARS = 500
MAX_FINDING_CHARS = 1000
MAX_OWNER_NAME_CHARS = 200
MAX_DOCUMENTS_PER_ROUND = 10

SOURCE_LABELS: dict[str, str] = {
    RecommendationSource.RAPID_REVIEW: "Rapid Review report",
    RecommendationSource.PANEL_RESPONSE: "National Panel's response",
    RecommendationSource.LCSPR: "LCSPR final report",
}
STATUS_LABELS: dict[str, str] = {
    ActionStatus.NOT_STARTED: "Not started",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done (evidence given)",
    ActionStatus.EVIDENCE_ACCEPTED: "Evidence accepted",
    ActionStatus.IMPACT_CHECKED: "Impact checked",
}
OPEN_STATUSES = frozenset({ActionStatus.NOT_STARTED.value, ActionStatus.IN_PROGRESS.value})
EVIDENCED_STATUSES = frozenset({ActionStatus.EVIDENCE_ACCEPTED.value, ActionStatus.IMPACT_CHECKED.value})


# ---------------------------------------------------------------- recommendations

def clean_source(value: str | None) -> str:
    """Where the recommendation came from."""
    if value not in SOURCE_LABELS:
        raise InvalidInput("Choose where the recommendation comes from: the Rapid Review report, the National Panel's "
                           "response or the LCSPR final report.")
    return str(value)


def clean_recommendation(value: str | None) -> str:
    return clean_text(value, label="recommendation", max_length=MAX_RECOMMENDATION_CHARS, required=True)


def check_made_on(made_on: date | None, *, notified_on: date, as_of: date) -> date:
    """The date the recommendation was made: not in the future, not before the notification was received."""
    if made_on is None:
        raise InvalidInput("Give the date the recommendation was made.")
    if made_on > as_of:
        raise InvalidInput(f"The recommendation cannot be made in the future: {long_date(made_on)} is after today.")
    if made_on < notified_on:
        raise InvalidInput(f"The recommendation cannot be made before the notification was received on "
                           f"{long_date(notified_on)}.")
    return made_on


# ---------------------------------------------------------------- actions

def clean_description(value: str | None) -> str:
    return clean_text(value, label="action", max_length=MAX_ACTION_CHARS, required=True)


@dataclass(frozen=True)
class Owner:
    """Who owns an action: an account, or a named contact (an optional email)."""

    account_id: int | None
    name: str | None
    email: str | None


def clean_owner(account_id: int | None, name: str | None, email: str | None) -> Owner:
    """Exactly one owner: an account, or a named contact with an optional email."""
    cleaned_name = clean_optional_text(name, label="owner's name", max_length=MAX_OWNER_NAME_CHARS, multiline=False)
    cleaned_email = clean_optional_text(email, label="owner's email", max_length=200, multiline=False)
    if account_id is not None and (cleaned_name or cleaned_email):
        raise InvalidInput("Give the owner as an account or as a named contact, not both.")
    if account_id is None and not cleaned_name:
        if cleaned_email:
            raise InvalidInput("Give the owner's name with their email.")
        raise InvalidInput("Give the action's owner: choose an account or type a named contact.")
    if cleaned_email is not None and ("@" not in cleaned_email or cleaned_email.startswith("@")
                                      or cleaned_email.endswith("@") or " " in cleaned_email):
        raise InvalidInput(f"The owner's email \"{cleaned_email}\" is not an email address.")
    return Owner(account_id, cleaned_name, cleaned_email)


def check_due_dates(due_on: date | None, impact_check_on: date | None, *, made_on: date) -> tuple[date, date | None]:
    """The due date on or after the recommendation was made; the impact check on or after the due date."""
    if due_on is None:
        raise InvalidInput("Give the date the action is due.")
    if due_on < made_on:
        raise InvalidInput(f"An action cannot be due before its recommendation was made ({long_date(made_on)}).")
    if impact_check_on is not None and impact_check_on < due_on:
        raise InvalidInput(f"Check the impact on or after the due date ({long_date(due_on)}), not before it.")
    return due_on, impact_check_on


def clean_reason(value: str | None, *, label: str) -> str:
    return clean_text(value, label=label, max_length=MAX_REASON_CHARS, required=True)


def clean_evidence(value: str | None) -> str:
    text = clean_text(value, label="evidence", max_length=MAX_EVIDENCE_CHARS)
    if not text:
        raise InvalidInput("Say what was done: evidence needs text (documents may come with it, not instead of it).")
    return text


def clean_finding(value: str | None) -> str:
    return clean_text(value, label="impact finding", max_length=MAX_FINDING_CHARS, required=True)


def judge_documents(documents: Sequence[tuple[str | None, bytes]]) -> list[AcceptedFile]:
    """Each document a PDF or Word file by its content, 10 MiB at most; at most ten with one round."""
    if len(documents) > MAX_DOCUMENTS_PER_ROUND:
        raise InvalidInput(f"At most {MAX_DOCUMENTS_PER_ROUND} documents can come with one round of evidence; put "
                           "several into one PDF.")
    return [judge_attachment(name, data, what="the evidence") for name, data in documents]


# ---------------------------------------------------------------- lifecycle

def label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def check_start(status: str) -> None:
    if status != ActionStatus.NOT_STARTED:
        raise InvalidInput(f"Only an action not yet started can be started; this one is {label(status).lower()}.")


def check_give_evidence(status: str) -> None:
    if status not in OPEN_STATUSES:
        raise InvalidInput(f"Evidence is given for an action not started or in progress; this one is "
                           f"{label(status).lower()}.")


def check_decide_evidence(status: str) -> None:
    if status != ActionStatus.DONE:
        raise InvalidInput(f"There is no evidence waiting for a decision: the action is {label(status).lower()}.")


def check_impact(status: str, *, impact_check_on: date | None, as_of: date) -> None:
    if status != ActionStatus.EVIDENCE_ACCEPTED:
        raise InvalidInput(f"Impact is checked once the evidence is accepted; this action is "
                           f"{label(status).lower()}.")
    if impact_check_on is not None and as_of < impact_check_on:
        raise InvalidInput(f"The impact check is set for {long_date(impact_check_on)}: check the impact on or after "
                           "that date.")


def is_overdue(status: str, due_on: date, as_of: date) -> bool:
    """Not done (nor accepted, nor checked) and due before today."""
    return status in OPEN_STATUSES and due_on < as_of


def action_rag(cal: WorkingCalendar, *, status: str, due_on: date, as_of: date, amber_days: int) -> tuple[Rag, str]:
    """The action's RAG and the sentence saying why."""
    if status not in OPEN_STATUSES:
        return Rag.COMPLETE, f"{label(status)}: nothing more is due from the owner."
    rag = rag_for_due_date(cal, due_on, as_of, amber_days)
    if rag is Rag.RED:
        return rag, f"Overdue: it was due {long_date(due_on)}, before today."
    if rag is Rag.AMBER:
        when = "today" if due_on == as_of else f"{long_date(due_on)}, within {amber_days} working day(s)"
        return rag, f"Due {when}."
    return rag, f"Due {long_date(due_on)}, more than {amber_days} working day(s) away."


def done_on_time(due_on: date, first_evidence_on: date | None) -> bool:
    """The first round of evidence given on or before the due date."""
    return first_evidence_on is not None and first_evidence_on <= due_on


@dataclass(frozen=True)
class AgencyCounts:
    """One line of the by-agency summary."""

    agency: str
    actions: int
    overdue: int
    done_on_time: int
    evidenced: int
    impact_checked: int


@dataclass(frozen=True)
class CountedAction:
    """What the summary needs of one action."""

    agency: str
    status: str
    due_on: date
    first_evidence_on: date | None


def counts_by_agency(actions: Iterable[CountedAction], as_of: date) -> list[AgencyCounts]:
    """The summary, one line per agency with actions, by agency name."""
    table: dict[str, list[int]] = {}
    for action in actions:
        line = table.setdefault(action.agency, [0, 0, 0, 0, 0])
        line[0] += 1
        line[1] += is_overdue(action.status, action.due_on, as_of)
        line[2] += done_on_time(action.due_on, action.first_evidence_on)
        line[3] += action.status in EVIDENCED_STATUSES
        line[4] += action.status == ActionStatus.IMPACT_CHECKED
    return [AgencyCounts(name, *line) for name, line in sorted(table.items(), key=lambda kv: kv[0].lower())]


def owner_words(account_name: str | None, name: str | None, email: str | None) -> str:
    """'Page Officer', or 'J Smith (j.smith@agency.example)' for a named contact."""
    if account_name is not None:
        return account_name
    return f"{name} ({email})" if email else (name or "—")


# ---------------------------------------------------------------- the agency's private link to its actions

def action_link_expiry(cal: WorkingCalendar, due_dates: Iterable[date], *, as_of: date, working_days: int) -> date:
    """The last day an agency's action link works: the `working_days`-th working day after the latest due date of
    its actions on the review, or after today when that is later (a link issued late still gives the agency time)."""
    if working_days < 1:
        raise ValueError("a link works at least one working day")
    latest = max([as_of, *due_dates])
    return cal.add_working_days(latest, working_days)


def actions_all_evidenced(statuses: Iterable[str]) -> bool:
    """Whether nothing is left for the agency to do: every action evidence accepted or impact checked (an agency
    with no action has nothing to do either)."""
    return all(status in EVIDENCED_STATUSES for status in statuses)
