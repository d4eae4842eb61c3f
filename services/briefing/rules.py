"""The seven-minute briefing of one review, as text (pure: no database, no Word).

A seven-minute briefing is the one page partnerships circulate so that practitioners take in a review's learning in
the time of a team meeting. It is built from what the tracker holds after the Rapid Review: the review's practice
themes (each with its sentence of learning), its recommendations with their actions (owning agency, due date,
status), and, when the review became a Local Child Safeguarding Practice Review (LCSPR) that is published, the
address of its report. The usual headings, in order:

1. Background: what kind of review this is and where it stands (never a child's initials, age or a date of the
   case: the review is named by its case reference only);
2. Why it matters: the purpose of reviews and the themes of this one;
3. What we found: each theme's learning;
4. What we are doing: the recommendations and their actions (agency, due date, status; owners are not named);
5. Questions for reflection: one per theme;
6. Where to find out more: the published report's address, or who to ask.

One page: what is shown is capped (themes, recommendations, actions, and the words of a recommendation or an
action) and the rest is counted in a sentence pointing to the tracker's register; `word_count` of the fullest
briefing stays under `MAX_WORDS` (tests/unit/test_briefing_rules.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db.enums import ActionStatus, NotificationType, RecommendationSource
from services.formatting import long_date

TITLE = "Seven-minute briefing"
MAX_WORDS = 600
MAX_THEMES = 3
MAX_RECOMMENDATIONS = 3
MAX_ACTIONS = 4
RECOMMENDATION_WORDS = 20
ACTION_WORDS = 13
LEARNING_WORDS = 35  # a learning sentence is at most 300 characters (db.models_after), about 50 words
ELLIPSIS = "…"

HEADINGS = ("1. Background", "2. Why it matters", "3. What we found", "4. What we are doing",
            "5. Questions for reflection", "6. Where to find out more")
ACTION_COLUMNS = ("Rec.", "Action", "Agency", "Due", "Status")

NO_THEMES = "[No practice themes are coded for this review yet: the learning is added when they are]"
NO_RECOMMENDATIONS = "[No recommendations are recorded for this review yet]"
NO_ACTIONS = "[No actions are recorded for these recommendations yet]"

EVENT_WORDS: dict[str, str] = {
    NotificationType.DEATH: "that a child died",
    NotificationType.SERIOUS_HARM: "that a child was seriously harmed",
    NotificationType.OTHER: "of a serious incident involving a child",
}
SOURCE_WORDS: dict[str, str] = {
    RecommendationSource.RAPID_REVIEW: "Rapid Review",
    RecommendationSource.PANEL_RESPONSE: "National Panel's response",
    RecommendationSource.LCSPR: "LCSPR",
}
STATUS_WORDS: dict[str, str] = {
    ActionStatus.NOT_STARTED: "Not started",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done; evidence being checked",
    ActionStatus.EVIDENCE_ACCEPTED: "Done; evidence accepted",
    ActionStatus.IMPACT_CHECKED: "Done; impact checked",
}
OPEN_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)

# A question for each theme of the default list (migration 0025); a theme the partnership added gets GENERAL_QUESTION.
QUESTIONS = {
    "multi-agency information sharing": "What do you share, with whom and how quickly, when you are worried about a "
                                        "child? What stops you?",
    "risk assessment and decision-making": "When did you last revisit a risk assessment because something changed?",
    "critical thinking and professional challenge": "When did you last challenge another agency's view, and how "
                                                    "was the disagreement resolved?",
    "the child's lived experience": "How do your records show what a day in this child's life is like?",
    "involving fathers and male carers": "Who are the men in the children's lives you work with, and what do you "
                                         "know of them?",
    "domestic abuse": "How do you ask about domestic abuse, and what do you do with the answer?",
    "parental mental health": "How does a parent's mental health change what the child needs from you?",
    "parental substance misuse": "How do you judge the effect of a parent's drinking or drug use on the child?",
    "neglect": "How do you notice neglect that builds up slowly, and when do you act on it?",
    "physical abuse": "What injuries or explanations would make you ask more questions, and of whom?",
    "sexual abuse, including within the family": "What helps a child tell you about sexual abuse, and what gets "
                                                 "in the way?",
    "emotional abuse": "How do you record and share concern about emotional harm that leaves no mark?",
    "non-accidental injury in babies": "Do you know the bruising protocol for babies who are not yet mobile, "
                                       "and when to use it?",
    "sudden unexpected death in infancy and safer sleep": "How do you talk about safer sleep when a family's "
                                                          "circumstances change?",
    "child criminal exploitation and serious youth violence": "How do you recognise exploitation when a child "
                                                              "presents as offending?",
    "extra-familial harm": "Who else, outside the family, could be harming the children you work with?",
    "adolescent mental health, self-harm and suicide": "How do you respond when a young person tells you they "
                                                       "are thinking of harming themselves?",
    "disabled children and children with complex health needs": "How do you hear the voice of a child who does "
                                                                 "not communicate in words?",
    "race, ethnicity, culture and identity": "How do a family's race, culture and identity shape your assessment "
                                             "and their trust in you?",
    "online harm": "How do you ask children about their lives online?",
    "education, attendance and elective home education": "Who sees the child when they are not in school?",
}
GENERAL_QUESTION = "What does this learning mean for your own practice, and what will you do differently?"
WHY_IT_MATTERS = ("Reviews find what should change so that children are safer (Working Together to Safeguard "
                  "Children 2023).")
TRACKER_NOTE = "Every action and its evidence: the partnership's register of review actions."
NATIONAL_NOTE = "National learning: the Child Safeguarding Practice Review Panel's reports, on GOV.UK."
REGISTER = "the partnership's register of review actions"


@dataclass(frozen=True)
class ThemeLearning:
    """One practice theme of the review and its sentence of learning."""

    theme: str
    learning: str


@dataclass(frozen=True)
class ActionFacts:
    description: str
    agency: str
    due_on: date
    status: str  # an ActionStatus value


@dataclass(frozen=True)
class RecommendationFacts:
    source: str  # a RecommendationSource value
    text: str
    actions: tuple[ActionFacts, ...] = ()


@dataclass(frozen=True)
class BriefingFacts:
    """What the briefing is built from: nothing about the child beyond the kind of notification."""

    partnership: str
    case_reference: str
    notification_type: str  # a NotificationType value
    lcspr_decision: bool | None  # the Rapid Review's decision on an LCSPR; None: not made yet
    lcspr_started: bool  # the review continues as an LCSPR (a row in lcsprs)
    published_address: str | None  # the published LCSPR's report
    not_published: bool  # the partnership decided the LCSPR's report is not published
    themes: tuple[ThemeLearning, ...]
    recommendations: tuple[RecommendationFacts, ...]
    as_of: date


@dataclass(frozen=True)
class BriefingSection:
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()  # rows under ACTION_COLUMNS
    notes: tuple[str, ...] = ()  # after the table, in italics
    marker: str | None = None  # what is missing, in red


@dataclass(frozen=True)
class Briefing:
    title: str
    subtitle: str
    partnership: str
    case_reference: str
    as_of: date
    sections: tuple[BriefingSection, ...]


def shorten(text: str, words: int) -> str:
    """`text` on one line, cut to its first `words` words with an ellipsis when longer."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(",;:.") + ELLIPSIS


def status_words(action: ActionFacts, as_of: date) -> str:
    """The action's status in words; an action not done by its due date says it is overdue."""
    words = STATUS_WORDS.get(action.status, action.status)
    if action.status in OPEN_STATUSES and action.due_on < as_of:
        words += "; overdue"
    return words


def question_for(theme: str) -> str:
    return f"{theme}: {QUESTIONS.get(theme.strip().lower(), GENERAL_QUESTION)}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:d} {one if count == 1 else many}"


def _background(facts: BriefingFacts) -> BriefingSection:
    event = EVENT_WORDS.get(facts.notification_type, EVENT_WORDS[NotificationType.OTHER])
    opening = (f"{facts.partnership} held a Rapid Review (case reference {facts.case_reference}) after a "
               f"notification {event}.")
    if facts.published_address is not None:
        stage = ("The review went on to a Local Child Safeguarding Practice Review (LCSPR), whose report is "
                 "published.")
    elif facts.not_published:
        stage = "The review went on to a Local Child Safeguarding Practice Review (LCSPR); its report is not published."
    elif facts.lcspr_started or facts.lcspr_decision:
        stage = ("The review is continuing as a Local Child Safeguarding Practice Review (LCSPR); this briefing "
                 "will change as it reports.")
    elif facts.lcspr_decision is False:
        stage = "The Rapid Review decided that a Local Child Safeguarding Practice Review was not needed."
    else:
        stage = "The decision on a Local Child Safeguarding Practice Review is not made yet."
    privacy = "To protect the family, this briefing gives no names, ages or dates of the case."
    return BriefingSection(HEADINGS[0], paragraphs=(f"{opening} {stage} {privacy}",))


def _shown_themes(facts: BriefingFacts) -> tuple[ThemeLearning, ...]:
    return facts.themes[:MAX_THEMES]


def _why(facts: BriefingFacts) -> BriefingSection:
    themes = _shown_themes(facts)
    if not themes:
        return BriefingSection(HEADINGS[1], paragraphs=(WHY_IT_MATTERS,))
    counted = _plural(len(facts.themes), "practice theme", "practice themes")
    return BriefingSection(HEADINGS[1], paragraphs=(
        WHY_IT_MATTERS, f"This review found learning for practice in {counted}; the main learning follows."))


def _found(facts: BriefingFacts) -> BriefingSection:
    themes = _shown_themes(facts)
    if not themes:
        return BriefingSection(HEADINGS[2], marker=NO_THEMES)
    more = len(facts.themes) - len(themes)
    notes = (f"{_plural(more, 'more theme is', 'more themes are')} coded for this review, in the tracker.",) \
        if more else ()
    return BriefingSection(HEADINGS[2], bullets=tuple(f"{t.theme}: {shorten(t.learning, LEARNING_WORDS)}"
                                                      for t in themes), notes=notes)


def _doing(facts: BriefingFacts) -> BriefingSection:
    if not facts.recommendations:
        return BriefingSection(HEADINGS[3], marker=NO_RECOMMENDATIONS)
    shown = facts.recommendations[:MAX_RECOMMENDATIONS]
    paragraphs = tuple(f"R{number}. {shorten(r.text, RECOMMENDATION_WORDS)} ({SOURCE_WORDS.get(r.source, r.source)})"
                       for number, r in enumerate(shown, start=1))
    rows: list[tuple[str, ...]] = []
    for number, recommendation in enumerate(shown, start=1):
        for action in sorted(recommendation.actions, key=lambda a: a.due_on):
            rows.append((f"R{number}", shorten(action.description, ACTION_WORDS), action.agency,
                         long_date(action.due_on), status_words(action, facts.as_of)))
    all_actions = sum(len(r.actions) for r in facts.recommendations)
    hidden_recommendations = len(facts.recommendations) - len(shown)
    hidden_actions = all_actions - min(len(rows), MAX_ACTIONS)
    notes = []
    if hidden_recommendations or hidden_actions:
        parts = [_plural(n, one, many) for n, one, many in (
            (hidden_recommendations, "more recommendation", "more recommendations"),
            (hidden_actions, "more action", "more actions")) if n]
        notes.append(f"And {' and '.join(parts)} in {REGISTER}.")
    return BriefingSection(HEADINGS[3], paragraphs=paragraphs, table=tuple(rows[:MAX_ACTIONS]), notes=tuple(notes),
                           marker=None if all_actions else NO_ACTIONS)


def _questions(facts: BriefingFacts) -> BriefingSection:
    themes = _shown_themes(facts)
    if not themes:
        return BriefingSection(HEADINGS[4], bullets=(GENERAL_QUESTION,))
    return BriefingSection(HEADINGS[4], bullets=tuple(question_for(t.theme) for t in themes))


def _more(facts: BriefingFacts) -> BriefingSection:
    if facts.published_address is not None:
        first = f"The LCSPR's published report: {facts.published_address}"
    else:
        first = f"The review's report is not published: ask {facts.partnership} for more."
    return BriefingSection(HEADINGS[5], bullets=(first, TRACKER_NOTE, NATIONAL_NOTE))


def assemble(facts: BriefingFacts) -> Briefing:
    """The briefing's text, section by section, from `facts`."""
    return Briefing(title=TITLE, subtitle=f"Learning from a review by {facts.partnership}",
                    partnership=facts.partnership, case_reference=facts.case_reference, as_of=facts.as_of,
                    sections=(_background(facts), _why(facts), _found(facts), _doing(facts), _questions(facts),
                              _more(facts)))


def body_lines(briefing: Briefing) -> list[str]:
    """Every line of text of the briefing's page, in order (the table's cells row by row)."""
    lines = [briefing.title, briefing.subtitle, f"Status at {long_date(briefing.as_of)}"]
    for section in briefing.sections:
        lines.append(section.heading)
        lines += section.paragraphs
        lines += section.bullets
        if section.table:
            lines.append(" ".join(ACTION_COLUMNS))
            lines += [" ".join(row) for row in section.table]
        lines += section.notes
        if section.marker:
            lines.append(section.marker)
    return lines


def word_count(briefing: Briefing) -> int:
    return sum(len(line.split()) for line in body_lines(briefing))


def briefing_file_name(case_reference: str, as_of: date) -> str:
    """'181226AB seven-minute briefing 2027-03-01.docx', as the other files of a review are named."""
    return f"{case_reference} seven-minute briefing {as_of:%Y-%m-%d}.docx"
