"""The scoping form saved as a new version and the agencies' link setting (Administration), on a real PostgreSQL as
the app's role: a request keeps the form it was sent with while new links get the new one; the database refuses any
change to a saved version, whoever asks; only an administrator changes either; the link setting moves the expiry of
links issued afterwards (dates worked by hand across a weekend and the Christmas bank holidays); and a return asked
for before links existed is given its first link, with the request email."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry, Review
from db.models_agency import AgencyLink, FormSection, FormVersion
from db.models_mail import SentMail
from services.agency_exchange import (
    ConfirmationInput,
    FormSectionDraft,
    IssuedLink,
    LinkNotFound,
    agency_return_exchange,
    issue_agency_link,
    open_agency_return,
    record_forms_sent_with_links,
    reissue_agency_link,
    revoke_agency_link,
    save_scoping_form_version,
    scoping_form_admin,
    submit_agency_return,
    update_link_expiry,
)
from services.due_mail import issue_and_send_link
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.returns import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.types import MakeAccount

THU_17_DEC = date(2026, 12, 17)  # forms sent: due Thu 24 Dec 2026 (Fri 18, Mon 21, Tue 22, Wed 23, Thu 24)
THU_24_DEC = date(2026, 12, 24)
# Thu 24 Dec + 10 working days: Fri 25 and Mon 28 Dec (Boxing Day's substitute) are bank holidays, 26-27 a weekend,
# Fri 1 Jan a bank holiday: Tue 29, Wed 30, Thu 31 Dec, Mon 4, Tue 5, Wed 6, Thu 7, Fri 8, Mon 11, Tue 12 Jan.
TUE_12_JAN = date(2027, 1, 12)
# Thu 24 Dec + 3 working days: Tue 29, Wed 30, Thu 31 Dec.
THU_31_DEC = date(2026, 12, 31)
GUIDE_HEADINGS = ["The agency's involvement with the child and family", "Key dates and episodes",
                  "Analysis of practice", "Learning and immediate actions taken",
                  "Senior manager's quality confirmation"]
CONFIRMED = ConfirmationInput(name="A Jones", role="Head of Safeguarding", confirmed_on=THU_24_DEC, confirmed=True)
KEPT = "kept as (it was|they were) saved"


@pytest.fixture
def admin(make_account: MakeAccount) -> Account:
    return make_account("admin")


def _agency(session: Session, name: str, contact: str | None = None) -> Agency:
    agency = Agency(name=name, kind="health", contact_email=contact, active=True)
    session.add(agency)
    session.flush()
    return agency


def _review(session: Session, officer: Account, received: date = THU_17_DEC) -> Review:
    return open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 12, 1),
                       csc_aware_date=date(2026, 12, 2), notification_received_date=received,
                       children=[ChildEntry("CD", 7)], as_of=received)


def _send(session: Session, officer: Account, review: Review, agency: Agency) -> IssuedLink:
    [link] = record_forms_sent_with_links(session, officer, review_id=review.id, agency_ids=[agency.id],
                                          requested_on=THU_17_DEC, as_of=THU_17_DEC)
    return link


def _second_version(session: Session) -> list[FormSectionDraft]:
    """The guide's form (version 1, as stored) changed: the first section renamed, "Analysis of practice" made
    optional, "Learning ..." removed and a new section put before the confirmation; every other guidance as stored."""
    guide = {s.key: s for s in session.scalars(
        select(FormSection).join(FormVersion).where(FormVersion.number == 1).order_by(FormSection.position))}

    def carried(key: str, *, heading: str | None = None, required: bool | None = None) -> FormSectionDraft:
        s = guide[key]
        return FormSectionDraft(key, s.kind, heading or s.heading, s.guidance,
                                s.required if required is None else required)

    return [carried("involvement", heading="Involvement with the child and family"), carried("key_dates"),
            carried("analysis", required=False),
            FormSectionDraft(None, "text", "The child's lived experience", "What the child said and showed.", True),
            carried("confirmation")]


def _system_log(session: Session, starts: str) -> list[str]:
    return list(session.scalars(select(LogEntry.text).where(LogEntry.review_id.is_(None),
                                                            LogEntry.text.startswith(starts))
                                .order_by(LogEntry.id)))


def test_a_new_version_is_saved_and_a_request_keeps_the_form_it_was_sent_with(
        session: Session, admin: Account, officer: Account) -> None:
    review = _review(session, officer)
    before = _send(session, officer, review, _agency(session, "Early Agency"))
    form = scoping_form_admin(session, admin)
    assert (form.current.number, [s.heading for s in form.current.sections]) == (1, GUIDE_HEADINGS)

    saved = save_scoping_form_version(session, admin, sections=_second_version(session),
                                      note="The Panel asks about the child's lived experience", based_on=1)
    assert saved.number == 2 and saved.created_by == admin.display_name
    assert [(s.position, s.key, s.heading, s.required) for s in saved.sections] == [
        (1, "involvement", "Involvement with the child and family", True),
        (2, "key_dates", "Key dates and episodes", True),
        (3, "analysis", "Analysis of practice", False),
        (4, "the_child_s_lived_experience", "The child's lived experience", True),
        (5, "confirmation", "Senior manager's quality confirmation", True)]
    after = _send(session, officer, review, _agency(session, "Late Agency"))

    # The link sent before the change still opens the guide's form; the one sent after, the new one.
    early = open_agency_return(session, token=before.token, as_of=THU_24_DEC)
    late = open_agency_return(session, token=after.token, as_of=THU_24_DEC)
    assert [s.heading for s in early.sections] == GUIDE_HEADINGS
    assert [s.heading for s in late.sections] == [
        "Involvement with the child and family", "Key dates and episodes", "Analysis of practice",
        "The child's lived experience", "Senior manager's quality confirmation"]
    # What the early agency sends is read in its own form's sections, by the Partnership too.
    submit_agency_return(session, token=before.token, author_name="J Smith",
                         answers={"involvement": "Seen twice.", "key_dates": "12/03/2026: visit.",
                                  "analysis": "Timely.", "learning": "Ask about every adult."},
                         confirmation=CONFIRMED, as_of=THU_24_DEC)
    [sent_round] = agency_return_exchange(session, officer, return_id=before.return_id).rounds
    assert [(a.heading, a.text) for a in sent_round.answers] == [
        ("The agency's involvement with the child and family", "Seen twice."),
        ("Key dates and episodes", "12/03/2026: visit."), ("Analysis of practice", "Timely."),
        ("Learning and immediate actions taken", "Ask about every adult.")]

    assert _system_log(session, "Scoping form version") == [
        "Scoping form version 2 saved (from version 1), 5 sections: added \"The child's lived experience\"; removed "
        "\"Learning and immediate actions taken\"; renamed \"The agency's involvement with the child and family\" to "
        "\"Involvement with the child and family\"; now optional: \"Analysis of practice\". Why: The Panel asks about "
        "the child's lived experience. Requests already sent keep the version they were sent with (a reissued link "
        "too); requests sent from now on use this one."]
    listed = scoping_form_admin(session, admin)
    assert listed.current.number == 2
    assert [(v.number, v.sections, v.links, v.note) for v in listed.versions] == [
        (2, 5, 1, "The Panel asks about the child's lived experience"),
        (1, 5, 1, "The default form, drawn from the guide.")]


def test_a_reissued_link_keeps_the_form_its_request_was_sent_with(session: Session, admin: Account,
                                                                  officer: Account) -> None:
    review = _review(session, officer)
    first = _send(session, officer, review, _agency(session, "Early Agency"))
    save_scoping_form_version(session, admin, sections=_second_version(session),
                              note="The Panel asks about the child's lived experience", based_on=1)
    reissued = reissue_agency_link(session, officer, return_id=first.return_id, reason="Forwarded to the wrong person",
                                   as_of=THU_17_DEC)
    opened = open_agency_return(session, token=reissued.token, as_of=THU_17_DEC)
    assert [s.heading for s in opened.sections] == GUIDE_HEADINGS
    revoke_agency_link(session, officer, return_id=first.return_id, reason="Sent to a shared mailbox")
    again = issue_agency_link(session, officer, return_id=first.return_id, as_of=THU_17_DEC)
    opened = open_agency_return(session, token=again.token, as_of=THU_17_DEC)
    assert [s.heading for s in opened.sections] == GUIDE_HEADINGS
    versions = session.scalars(select(FormVersion.number).join(AgencyLink, AgencyLink.form_version_id == FormVersion.id)
                               .where(AgencyLink.agency_return_id == first.return_id).order_by(AgencyLink.id))
    assert list(versions) == [1, 1, 1]


def test_a_save_started_from_an_older_version_is_refused_and_so_is_no_change(
        session: Session, make_account: MakeAccount) -> None:
    first, second = make_account("admin"), make_account("admin")
    drafts = _second_version(session)
    save_scoping_form_version(session, first, sections=drafts, note="Child's voice added.", based_on=1)
    with pytest.raises(StaleRecord) as stale:
        save_scoping_form_version(session, second, sections=drafts[1:], note="Shorter.", based_on=1)
    assert str(stale.value) == (
        "The scoping form was changed by someone else since you opened it: version 2 is now the current one, and "
        "yours started from version 1. Start again from the current version, or copy your changes over.")
    with pytest.raises(InvalidInput) as unchanged:
        save_scoping_form_version(session, second, sections=drafts, note="Again.", based_on=2)
    assert str(unchanged.value) == ("Nothing was changed from version 2: change a section, add one, remove one or "
                                    "move one, then save.")
    # A rule broken saves nothing (the confirmation moved first).
    with pytest.raises(InvalidInput, match="must be the last section"):
        save_scoping_form_version(session, second, sections=[drafts[-1], *drafts[:-1]], note="Confirmation first.",
                                  based_on=2)
    assert session.scalar(select(func.max(FormVersion.number))) == 2


@pytest.fixture
def owner_session(owner_url: str) -> Iterator[Session]:
    """The shared database as the owner of its tables, rolled back afterwards."""
    engine = create_engine(owner_url)
    connection = engine.connect()
    outer = connection.begin()
    yield Session(bind=connection, join_transaction_mode="create_savepoint")
    outer.rollback()
    connection.close()
    engine.dispose()


@pytest.mark.parametrize("who", ["app", "owner"])
def test_the_database_refuses_any_change_to_a_saved_version(who: str, session: Session,
                                                            owner_session: Session) -> None:
    db = session if who == "app" else owner_session
    first = db.scalars(select(FormVersion.id).where(FormVersion.number == 1)).one()
    for statement in (
        "UPDATE agency_form_sections SET heading = 'Rewritten' WHERE form_version_id = :v AND key = 'analysis'",
        "UPDATE agency_form_sections SET required = false WHERE form_version_id = :v",
        "DELETE FROM agency_form_sections WHERE form_version_id = :v AND key = 'learning'",
        "INSERT INTO agency_form_sections (form_version_id, position, key, kind, heading, guidance, required)"
        " VALUES (:v, 9, 'late', 'text', 'A late addition', '', true)",
        "UPDATE agency_form_versions SET note = 'Rewritten' WHERE id = :v",
        "DELETE FROM agency_form_versions WHERE id = :v",
    ):
        with pytest.raises(DBAPIError, match=KEPT), db.begin_nested():
            db.execute(text(statement), {"v": first})
    assert [s for s in db.scalars(select(FormSection.heading).where(FormSection.form_version_id == first)
                                  .order_by(FormSection.position))] == GUIDE_HEADINGS


def test_a_new_version_takes_its_sections_in_its_own_transaction_and_must_end_with_the_confirmation(
        session: Session) -> None:
    # Whatever time the INSERT gives, the version is dated by its transaction, so its sections are accepted now...
    made = session.execute(text("INSERT INTO agency_form_versions (number, created_at, note) VALUES (7, "
                                "'2020-01-01', 'by hand') RETURNING id, created_at = now()")).one()
    assert made[1] is True
    session.execute(text("INSERT INTO agency_form_sections (form_version_id, position, key, kind, heading, required)"
                         " VALUES (:v, 1, 'only', 'text', 'The only question', true)"), {"v": made[0]})
    # ... and, when the transaction commits, a version without the senior manager's confirmation last is refused.
    with pytest.raises(DBAPIError, match="needs at least one section to answer and the senior manager's "
                                         "confirmation once, last"), session.begin_nested():
        session.execute(text("SET CONSTRAINTS agency_form_version_complete IMMEDIATE"))


@pytest.mark.parametrize("role", ["manager", "officer", "chair", "board"])
def test_only_an_administrator_changes_the_form_or_the_link_setting(role: str, session: Session,
                                                                    make_account: MakeAccount) -> None:
    someone = make_account(role)
    with pytest.raises(NotAllowed, match=r"^Only a Administrator may change the scoping form\.$"):
        save_scoping_form_version(session, someone, sections=_second_version(session), note="Mine.", based_on=1)
    with pytest.raises(NotAllowed, match=r"^Only a Administrator may change how long the agencies' links work\.$"):
        update_link_expiry(session, someone, working_days=3, expected_version=None)
    with pytest.raises(NotAllowed):
        scoping_form_admin(session, someone)
    assert session.scalar(select(func.max(FormVersion.number))) == 1
    assert session.scalar(text("SELECT link_expiry_working_days FROM agency_exchange_settings")) == 10


def test_the_link_setting_moves_the_expiry_of_links_issued_afterwards(
        session: Session, admin: Account, officer: Account) -> None:
    review = _review(session, officer)
    before = _send(session, officer, review, _agency(session, "Before Agency"))
    assert before.expires_on == TUE_12_JAN  # the default: 10 working days after Thu 24 Dec
    seen = scoping_form_admin(session, admin)
    assert update_link_expiry(session, admin, working_days=3, expected_version=seen.link_expiry_version) == 3
    after = _send(session, officer, review, _agency(session, "After Agency"))
    assert after.expires_on == THU_31_DEC
    stored = dict(session.execute(select(AgencyLink.id, AgencyLink.expires_on)).all())
    assert (stored[before.link_id], stored[after.link_id]) == (TUE_12_JAN, THU_31_DEC)
    # The link issued before keeps its date; the one issued after stops after Thu 31 Dec.
    assert open_agency_return(session, token=before.token, as_of=date(2027, 1, 11)).agency_name == "Before Agency"
    assert open_agency_return(session, token=after.token, as_of=THU_31_DEC).agency_name == "After Agency"
    with pytest.raises(LinkNotFound):
        open_agency_return(session, token=after.token, as_of=date(2027, 1, 4))
    assert _system_log(session, "Agencies' private links") == [
        "Agencies' private links: now working 3 working days after the return's due date (was 10). Links issued from "
        "now on get it; a link already issued keeps at least the date it was issued with."]
    # A save against the setting as it was, and a save of the same value, are refused.
    with pytest.raises(StaleRecord, match=r"^The agencies' link setting was changed by someone else"):
        update_link_expiry(session, admin, working_days=5, expected_version=seen.link_expiry_version)
    with pytest.raises(InvalidInput, match=r"^Links already work 3 working days after the return's due date"):
        update_link_expiry(session, admin, working_days=3, expected_version=None)
    with pytest.raises(InvalidInput, match=r"^A link must work between 1 and 60 working days"):
        update_link_expiry(session, admin, working_days=61, expected_version=None)


def test_a_return_asked_for_before_links_is_given_its_first_link_and_the_request_email(
        session: Session, officer: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("RRT_PUBLIC_URL", "https://tracker.partnership.example")
    # Asked Mon 7 Dec 2026 (due Mon 14 Dec: Tue 8, Wed 9, Thu 10, Fri 11, Mon 14) by the returns service alone.
    review = _review(session, officer, received=date(2026, 12, 7))
    agency = _agency(session, "Old Agency", contact="returns@old.example")
    [ret] = record_returns_requested(session, officer, review_id=review.id, agency_ids=[agency.id],
                                     requested_on=date(2026, 12, 7), as_of=date(2026, 12, 7))
    assert agency_return_exchange(session, officer, return_id=ret.id).links == ()

    request = issue_and_send_link(session, officer, return_id=ret.id, as_of=THU_17_DEC)
    # Its due date has passed: the link works 10 working days from today, Thu 17 Dec, to Tue 5 Jan 2027 (Fri 18,
    # Mon 21, Tue 22, Wed 23, Thu 24, Tue 29, Wed 30, Thu 31 Dec, Mon 4, Tue 5 Jan), not from Mon 14 Dec (Wed 30 Dec).
    assert (request.emailed_to, request.due, request.expires_on) == (
        "returns@old.example", date(2026, 12, 14), date(2027, 1, 5))
    [mail] = session.scalars(select(SentMail).where(SentMail.agency_return_id == ret.id)).all()
    assert (mail.kind, mail.to_address) == ("request", "returns@old.example")
    assert mail.subject == (f"Rapid Review 071226 no. {review.id}: scoping return requested from Old Agency, due "
                            "Mon 14 Dec 2026")
    assert ("Your return was due by Monday 14 December 2026: please send it as soon as you can, through this private "
            "link:") in mail.body
    assert "It works until Tuesday 5 January 2027." in mail.body
    [token] = re.findall(r"https://tracker\.partnership\.example/agency/([A-Za-z0-9_-]+)", mail.body)
    assert open_agency_return(session, token=token, as_of=THU_17_DEC).agency_name == "Old Agency"
    [link] = agency_return_exchange(session, officer, return_id=ret.id).links
    log = list(session.scalars(select(LogEntry.text).where(LogEntry.agency_return_id == ret.id)
                               .order_by(LogEntry.id)))
    assert log[-1] == (f"Private link issued to Old Agency for its return (link {link.id}); it works until "
                       "Tue 05 Jan 2027.")
    assert not any(token in line for line in log)
    # A second first link is refused: the live one is reissued from the card instead.
    with pytest.raises(InvalidInput, match=r"already has a live link"):
        issue_and_send_link(session, officer, return_id=ret.id, as_of=THU_17_DEC)
