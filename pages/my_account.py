"""My account: the signed-in account's calendar feed (turn on, renew, revoke) and what it receives by email."""
import streamlit as st

from config.settings import settings
from services.calendar_feed import calendar_feed_status, revoke_calendar_feed, turn_on_calendar_feed
from services.due_mail import my_mail
from ui import state
from ui.flash import flash, show_flashes
from ui.gate import require_page
from ui.widgets import fmt_date, md_text

require_page("account")
show_flashes()
st.title("My account")

ADDRESS_ONCE_KEY = "calendar_feed_address_once"


def _base_url() -> str:
    """The tracker's address as people reach it: RRT_PUBLIC_URL behind a proxy, else this page's own."""
    configured = settings().public_url
    if configured:
        return configured
    url = st.context.url or ""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/')[0]}" if rest else "http://this-tracker"


st.subheader("Calendar feed")
st.caption("Your deadlines in your own calendar (Outlook, Google, Apple): each live review's Day 15, the meeting "
           "steps, the milestones delegated to you and, for officers, the agency returns' due dates. Events name "
           "the review by its date and number (like 180626 no. 12), never a child's initials or any note. Your "
           "calendar app checks the address every few hours; anyone with the address can read these dates, so keep "
           "it private, and revoke it if it may have been seen.")
feed = state.read(calendar_feed_status)
address = st.session_state.pop(ADDRESS_ONCE_KEY, None)
if address:
    st.success("Your calendar feed is on. Copy this address now and add it to your calendar app as a subscription "
               "(\"From internet\" / \"By URL\"): it is shown only this once.", icon=":material/event_available:")
    st.code(address, language=None)
elif feed.on:
    st.info(f"Your calendar feed is on (since {fmt_date(feed.since.date() if feed.since else None)}). Its address "
            "was shown once; to see a new one, get a new address (the old one stops working).",
            icon=":material/event_available:")
else:
    st.info("Your calendar feed is off.", icon=":material/event_busy:")

c1, c2 = st.columns(2)
if c1.button("Get a new calendar address" if feed.on else "Turn on my calendar feed", key="feed_on",
             icon=":material/calendar_add_on:"):
    token = state.act(turn_on_calendar_feed)
    if token is not None:
        st.session_state[ADDRESS_ONCE_KEY] = f"{_base_url()}/calendar/{token}.ics"
        st.rerun()
if feed.on and c2.button("Turn off my calendar feed", key="feed_off", icon=":material/event_busy:"):
    if state.act(revoke_calendar_feed) is not None:
        flash("Your calendar feed is off: its address no longer works.", "info")
        st.rerun()

st.subheader("Email")
mail = state.read(my_mail)
if not mail.mail_on:
    st.caption("This tracker does not send email (the administrator has not set SMTP_URL).")
elif mail.email:
    st.write(f"On working days a morning digest goes to **{md_text(mail.email)}**: what is overdue, what is due "
             "today or on the next working day, and what is delegated to you. No subject line ever carries a case "
             "reference or a child's initials.")
else:
    st.caption("No email address is held for your account, so no digest is sent: ask your administrator to add it.")
