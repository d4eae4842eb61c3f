"""Live reviews: every open review's position against its 15-working-day deadline, worst first."""
from collections import Counter

import streamlit as st

from db.enums import ReviewState
from pages.live_reviews_parts.lcsprs import live_lcsprs
from services.permissions import may
from services.rag import Rag
from services.report import list_ofsted_outstanding
from services.reviews import (
    NOT_KNOWN_HELP,
    NOTIFICATION_TYPE_LABELS,
    ChildEntry,
    ReviewStatus,
    delegated_tasks,
    list_live_reviews,
    live_return_counts,
    open_review,
    why_text,
)
from ui import state
from ui.flash import flash, show_flashes
from ui.forms import already_saved, remember_saved
from ui.gate import require_page
from ui.navigation import link_target
from ui.style import RAG_COUNTS, wrapping_table
from ui.widgets import FREE_TEXT_REMINDER, fmt_date, folded, md_sentence, md_text, page_of, rag_badge, short_date

roles = require_page("live")

st.title("Live reviews")
as_of = state.today()
st.caption(f"Today is {fmt_date(as_of)}. Reviews are due at the end of Day 15 (working days). A submitted review "
           "has been sent to the National Panel and awaits its response.")

show_flashes()

# The same for every case reader: shared in this process; a write to one review reads only its status again
# (ui.state.read_by_review).
statuses = state.read_by_review(list_live_reviews, as_of=as_of)

account_id = state.signed_in_account_id()
assert account_id is not None, "require_page lets only a signed-in account in"
my_tasks = delegated_tasks(statuses, account_id)  # from the shared list: no read of its own
if my_tasks:
    st.subheader("Delegated to you")
    for task in my_tasks:
        c_task, c_open = st.columns([5, 1], vertical_alignment="center")
        c_task.markdown(f"{rag_badge(task.rag if task.rag is not Rag.NOT_DUE_YET else Rag.GREEN)} "
                        f"**{task.case_reference}**: {md_text(task.title)}, due {fmt_date(task.due_date)}")
        c_open.page_link(link_target("review"), label="Open", icon=":material/folder_open:",
                         query_params={"review": str(task.review_id)})


def _status_word(status: ReviewStatus) -> str:
    """Its RAG while open; "submitted" once submitted to the National Panel."""
    return status.status_label if status.review.state == ReviewState.OPEN else ReviewState.SUBMITTED.value


FILTERS = [Rag.RED.value, Rag.AMBER.value, Rag.GREEN.value, ReviewState.SUBMITTED.value]
# Every live review counted by the word its row shows, as one line of large coloured badges that say the count and
# the status in words: the Partnership Manager's glance.
counted = Counter(_status_word(s) for s in statuses)
st.container(key=RAG_COUNTS).markdown(" ".join(rag_badge(word, count=counted[word]) for word in FILTERS))
shown = st.pills("Show", FILTERS, selection_mode="multi", default=FILTERS, key="rag_filter")


def _matches(status: ReviewStatus) -> bool:
    return _status_word(status) in (shown or [])


def _next_step(status: ReviewStatus) -> str:
    step = status.next_milestone
    if step is None:
        return "—"
    return f"{step.title}, due {short_date(step.effective_due_date)}" if step.effective_due_date else step.title


matching = [s for s in statuses if _matches(s)]
# Worst first; at most LIST_PAGE_SIZE rows and links drawn at once (the counts above are of every live review).
shown_statuses = page_of(matching, key="live_page", label="Live reviews shown")
# Every live review's, kept review by review like the list: a write to one review reads only its counts again.
return_counts = state.read_by_review(live_return_counts)
# Cells are Markdown: every text goes through md_text, and the status is a coloured badge that says it in words.
rows = [
    {
        "Review": md_text(s.review.case_reference),
        "Status": rag_badge(_status_word(s)),
        "Due": short_date(s.due_date),
        "Days left": str(s.working_days_left) if s.review.state == ReviewState.OPEN else "—",
        "Progress": md_text(s.progress),
        "Why": md_text(why_text(s.why) or "—"),
        "Next step": md_text(_next_step(s)),
        "Returns": md_text(return_counts[s.review.id].label) if s.review.id in return_counts else "none requested",
    }
    for s in shown_statuses
]

if not statuses:
    st.info("There are no live reviews. Open one below when a notification arrives.")
elif not rows:
    st.info("No live review matches the filter.")
else:
    # A table whose cells wrap (not a grid drawn on a canvas): every word of every row shows at 1280 px with the
    # menu open, each row as tall as its text; on a phone, one card per review.
    wrapping_table(rows, key="live_list")
    st.caption("Open a review with its link (the links work from the keyboard too):")
    review_page = link_target("review")
    with st.container(horizontal=True, key="open_links"):
        for s in shown_statuses:
            st.page_link(review_page, label=f"{s.review.case_reference} ({_status_word(s)})",
                         icon=":material/folder_open:", query_params={"review": str(s.review.id)})

live_lcsprs(as_of)  # converted reviews whose LCSPR is in progress: stage "LCSPR" with its RAG and why

# Waiting for Ofsted (domain.md "Ending a review as it really happens"): closed reviews, so not in the list above,
# whose Ofsted reply is required and not recorded yet, until it is recorded on their Report page.
# Kept review by review like the list: a write to one review reads only its part again (ui.state.read_by_review).
waiting = state.read_by_review(list_ofsted_outstanding, as_of=as_of)
if waiting:
    st.subheader("Waiting for Ofsted")
    st.caption("Closed reviews (the Panel has responded) whose Ofsted response is not recorded yet: record it on the "
               "review's Report page when it comes.")
    for item in waiting:
        c_item, c_open = st.columns([5, 1], vertical_alignment="center")
        c_item.markdown(f"{rag_badge(ReviewState.CLOSED)} **{md_text(item.case_reference)}**: "
                        f"{md_text(item.sentence)}")
        c_open.page_link(link_target("report"), label="Report", icon=":material/description:",
                         query_params={"review": str(item.review_id)})

# Only the roles that may open a review see the form (the Chair reads the list but cannot open one).
if not may(roles, open_review):
    st.stop()

# The form's 13 inputs are drawn only while its expander is open (Streamlit reruns on opening it): the list is what
# this page is opened for, every time.
new_review = folded("Open a new review", key="new_review_open", icon=":material/add_circle:")
if not new_review.open:
    st.stop()
new_review.caption("When Children's Social Care tell the Partnership of a Serious Incident Notification. The "
                   "incident and CSC-awareness dates may be left blank when not known yet: they are recorded later on "
                   "the Review page and are required before sign-off. " + FREE_TEXT_REMINDER)
with new_review, st.form("new_review"):
    # Row by row, so that the tab order is the reading order: the received date (it starts the clock) first.
    col1, col2 = st.columns(2)
    received = col1.date_input("Notification received by the Partnership (starts the 15-day clock)", value=None,
                               max_value=as_of, format="DD/MM/YYYY", key="nr_received")
    # No default: the user chooses (a silent "Death" was wrong on most notifications).
    notification_type = col2.selectbox(
        "Notification type", list(NOTIFICATION_TYPE_LABELS), format_func=NOTIFICATION_TYPE_LABELS.__getitem__,
        index=None, placeholder="Choose the type", key="nr_type"
    )
    col1, col2 = st.columns(2)
    incident = col1.date_input("Incident date", value=None, max_value=as_of, format="DD/MM/YYYY", key="nr_incident",
                               help=NOT_KNOWN_HELP)
    aware = col2.date_input("Date CSC became aware", value=None, max_value=as_of, format="DD/MM/YYYY", key="nr_aware",
                            help=NOT_KNOWN_HELP)
    col1, _ = st.columns(2)
    sin = col1.date_input("Date CSC submitted the SIN (leave blank if not yet)", value=None, max_value=as_of,
                          format="DD/MM/YYYY", key="nr_sin")
    st.markdown("**Children** (initials and age in years only; up to four children on one notification)")
    children_input = []
    for i in range(1, 5):
        ci, ca = st.columns(2)
        initials = ci.text_input(f"Child {i} initials", key=f"nr_initials_{i}",
                                 placeholder="e.g. AB" if i == 1 else "optional")
        age = ca.text_input(f"Child {i} age in years", key=f"nr_age_{i}")
        children_input.append((initials.strip(), age.strip()))
    submitted = st.form_submit_button("Open review", type="primary")

if submitted:
    children, problem = [], None
    for i, (initials, age) in enumerate(children_input, start=1):
        if not initials and not age:
            continue
        if not initials:
            problem = f"Give child {i}'s initials, or clear their age."
        elif not (age.isascii() and age.isdigit() and len(age) <= 3):  # "²" and "٣" are digits to Python, not ages
            problem = f"Child {i}'s age must be a whole number of years (for example 7)."
        else:
            children.append(ChildEntry(initials, int(age)))
    fingerprint = (notification_type, received, incident, aware, sin, tuple(children))
    if problem:
        st.error(md_sentence(problem))
    elif already_saved("open_review", fingerprint):
        reference = st.session_state.get("nr_last_reference", "a review")
        st.warning(f"This review was already opened as {reference}; it was not opened twice.")
    else:
        review = state.act(open_review, notification_type=notification_type, incident_date=incident,
                           csc_aware_date=aware, notification_received_date=received, sin_submitted_date=sin,
                           children=children, as_of=as_of)
        if review is not None:
            remember_saved("open_review", fingerprint)
            st.session_state["nr_last_reference"] = review.case_reference
            flash(f"Review {review.case_reference} opened.")
            st.switch_page("pages/review.py", query_params={"review": str(review.id)})
