"""Emailing an agency about its return: the ready chase email and send-back email (each copied to the agency's
JCR Group representative when one is held), and logging that the agency was chased."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import LogCategory
from db.models import Account
from db.models_returns import AgencyReturn, AgencyReturnChase
from services.agencies import is_one_address
from services.errors import InvalidInput
from services.outside import check_no_case_reference, outside_reference
from services.permissions import CASE_READERS, CASE_WRITERS, requires
from services.returns.reads import RETURN_LOAD, ReturnRead, read_return
from services.returns.rules import Stage, agency_due_date, days_phrase, known_date, return_stage
from services.returns.writing import load_return_for_write, log_return_entry
from services.settings_reads import load_calendar, load_settings
from services.working_days import WorkingCalendar


@dataclass(frozen=True)
class ReadyEmail:
    """A ready email to an agency's contact (copied to its JCR Group representative, if any), and the mailto:
    link that opens it."""

    to: str
    subject: str
    body: str
    cc: str = ""

    @property
    def mailto(self) -> str:
        """RFC 6068: every part percent-encoded, so an address or text can never add a header or a recipient."""
        fields = [f"cc={quote(self.cc, safe='@')}"] if self.cc else []
        fields += [f"subject={quote(self.subject, safe='')}", f"body={quote(self.body, safe='')}"]
        return f"mailto:{quote(self.to, safe='@')}?" + "&".join(fields)


def _email_to(ret: ReturnRead, subject: str, lines: list[str]) -> ReadyEmail:
    """The email; its subject names the review by its outside reference, never the case reference (which holds the
    child's initials) since a subject line shows in every inbox list and notification."""
    # An address stored before it was checked to be one plain address is not used: it could mail others.
    to, cc = (a if is_one_address(a) else "" for a in (ret.agency.contact_email, ret.agency.jcr_rep_email))
    return ReadyEmail(to=to or "", cc=cc or "",
                      subject=check_no_case_reference(subject, what="An agency email's subject"),
                      body="\n".join(lines))


def chase_email_for(
    cal: WorkingCalendar, ret: ReturnRead, *, as_of: date, sender: str, partnership: str
) -> ReadyEmail:
    """The ready email to the agency's contact for a return still awaited: case reference, due date, what is missing."""
    stage = return_stage(ret)
    reference = ret.case_reference
    outside = outside_reference(ret.case_reference, ret.review_id)
    due = agency_due_date(cal, ret)
    if stage is Stage.SENT_BACK:
        subject = f"Rapid Review {outside}: resubmission of your scoping return, due {due:%a %d %b %Y}"
        missing = (f"The return you sent was sent back on {known_date(ret.sent_back_date):%d %B %Y}. What is missing: "
                   f"{ret.sent_back_reason}")
        what = "the resubmitted scoping return"
    else:
        subject = f"Rapid Review {outside}: scoping return from {ret.agency.name}, due {due:%a %d %b %Y}"
        missing = ("What is missing: your agency's completed scoping form (information held, key dates, analysis "
                   "rather than only a chronology), signed by a senior manager.")
        what = "your agency's scoping return"
    if due < as_of:
        late = cal.working_days_between(due, as_of)
        timing = f"It was due on {due:%A %d %B %Y} and is now {late} working day{'s' if late != 1 else ''} late."
    elif due == as_of:
        timing = f"It is due today, {due:%A %d %B %Y}."
    else:
        timing = f"It is due on {due:%A %d %B %Y}."
    return _email_to(ret, subject, [
        "Dear colleague,",
        "",
        f"Rapid Review {reference}: we have not yet received {what}. {timing}",
        "",
        missing,
        "",
        "The Rapid Review must reach the National Panel within 15 working days, so please send it as soon as "
        "you can, or tell us today when it will come. Please use the case reference only: no names.",
        "",
        "Thank you,",
        sender,
        partnership,
    ])


def send_back_email_for(cal: WorkingCalendar, ret: ReturnRead, *, sender: str, partnership: str) -> ReadyEmail:
    """The ready email telling the agency its return was sent back: why, and when the resubmission is due."""
    due = agency_due_date(cal, ret)
    outside = outside_reference(ret.case_reference, ret.review_id)
    subject = f"Rapid Review {outside}: scoping return sent back, resubmission due {due:%a %d %b %Y}"
    return _email_to(ret, subject, [
        "Dear colleague,",
        "",
        f"Rapid Review {ret.case_reference}: thank you for {ret.agency.name}'s scoping return. The Partnership "
        f"Manager has reviewed it and sent it back on {known_date(ret.sent_back_date):%A %d %B %Y}.",
        "",
        f"What is needed: {ret.sent_back_reason}",
        "",
        f"Please send the resubmitted return, signed by a senior manager, by {due:%A %d %B %Y}, or tell us today if "
        "that date cannot be met. Please use the case reference only: no names.",
        "",
        "Thank you,",
        sender,
        partnership,
    ])


@requires(*CASE_READERS, action="see agency returns")
def chase_email(session: Session, actor: Account, *, return_id: int, as_of: date) -> ReadyEmail:
    """The ready chase email for a return still awaited from its agency."""
    ret = read_return(session, return_id)
    if return_stage(ret) not in (Stage.AWAITING, Stage.SENT_BACK):
        raise InvalidInput(
            f"The return from {ret.agency.name} is not awaited from the agency; there is nothing to chase."
        )
    return chase_email_for(load_calendar(session), ret, as_of=as_of, sender=actor.display_name,
                           partnership=load_settings(session).partnership_name)


@requires(*CASE_READERS, action="see agency returns")
def send_back_email(session: Session, actor: Account, *, return_id: int) -> ReadyEmail:
    """The ready email telling the agency its return was sent back (while its resubmission is awaited)."""
    ret = read_return(session, return_id)
    if return_stage(ret) is not Stage.SENT_BACK:
        raise InvalidInput(
            f"The return from {ret.agency.name} is not waiting for a resubmission; there is no send-back to email."
        )
    return send_back_email_for(load_calendar(session), ret, sender=actor.display_name,
                               partnership=load_settings(session).partnership_name)


@requires(*CASE_READERS, action="see agency returns")
def chase_emails(session: Session, actor: Account, *, return_ids: Sequence[int], as_of: date) -> dict[int, ReadyEmail]:
    """The ready chase emails of many returns at once (the worklist's late ones), by return id: one read of the
    returns, however many; a return no longer awaited from its agency gets none."""
    cal, settings = load_calendar(session), load_settings(session)
    rows = session.scalars(select(AgencyReturn).where(AgencyReturn.id.in_(list(return_ids)))
                           .options(*RETURN_LOAD)).unique()
    return {ret.id: chase_email_for(cal, ret, as_of=as_of, sender=actor.display_name,
                                    partnership=settings.partnership_name)
            for ret in map(ReturnRead.of, rows) if return_stage(ret) in (Stage.AWAITING, Stage.SENT_BACK)}


@requires(*CASE_WRITERS, action="log a chase")
def record_chase(session: Session, actor: Account, *, return_id: int, as_of: date) -> AgencyReturnChase:
    """Log that the agency was chased for its return (once a day per person: a double click logs once)."""
    ret = load_return_for_write(session, return_id)
    stage = return_stage(ret)
    if stage not in (Stage.AWAITING, Stage.SENT_BACK):
        raise InvalidInput(
            f"The return from {ret.agency.name} is not awaited from the agency; there is nothing to chase."
        )
    already = session.scalar(
        select(AgencyReturnChase).where(AgencyReturnChase.agency_return_id == ret.id,
                                        AgencyReturnChase.chased_by_id == actor.id,
                                        AgencyReturnChase.chased_on == as_of)
    )
    if already is not None:
        raise InvalidInput(
            f"You already logged a chase of {ret.agency.name} today; it was not logged twice. Add any further "
            "contact to the daily log."
        )
    chase = AgencyReturnChase(agency_return_id=ret.id, chased_on=as_of, chased_by_id=actor.id)
    session.add(chase)
    session.flush()
    cal = load_calendar(session)
    due = agency_due_date(cal, ret)
    what = "resubmission" if stage is Stage.SENT_BACK else "scoping return"
    to = ret.agency.contact_email or "no contact email held"
    if ret.agency.jcr_rep_email:
        to += f", copied to the JCR representative {ret.agency.jcr_rep_email}"
    log_return_entry(session, actor, ret, LogCategory.COMMUNICATION,
         f"Chased {ret.agency.name} ({to}) for the {what} due {due:%d %b %Y} ({days_phrase(cal, due, as_of)}).")
    return chase
