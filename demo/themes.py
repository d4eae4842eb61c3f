"""Fictional demo data: practice themes on most closed reviews, two or three each with a sentence of learning about
practice (no child's details), coded by the demo officer through the themes service; the board's themes by year then
show a realistic picture."""
from __future__ import annotations

import random
from collections.abc import Sequence

from sqlalchemy.orm import Session

from db.models import Review
from demo.cast import DemoCast
from services.themes import code_review_theme, list_themes

# A sentence of learning for each default theme the demo uses (fictional; about practice, never about a child).
LEARNING = {
    "Multi-agency information sharing": "The GP practice held the father's history but was not asked for it "
                                        "before the strategy discussion.",
    "Risk assessment and responding to changing risk and need": "The assessment was not revisited when a new "
                                                                 "partner moved into the household.",
    "Critical thinking and professional challenge": "Professionals accepted the family's explanation without "
                                                    "testing it against what the school had seen.",
    "The child's lived experience and voice": "No agency recorded what an ordinary day was like for the child at "
                                              "home.",
    "Working with families who are reluctant to engage": "Missed appointments were closed as no further action "
                                                         "rather than followed up in person.",
    "Involving fathers and male carers": "The mother's partner was never seen or assessed although he cared for "
                                         "the baby most days.",
    "Domestic abuse": "Police call-outs for domestic abuse were not shared with the health visitor within the "
                      "agreed time.",
    "Parental mental health": "Adult mental health services did not consider the parent's caring role when "
                              "discharging them.",
    "Parental substance misuse": "The substance misuse service did not know that there was a baby in the home.",
    "Neglect": "Repeated concerns about home conditions were each judged alone rather than as a pattern of "
               "neglect.",
    "The vulnerability of babies": "Bruising in a non-mobile baby was not referred under the partnership's "
                                   "bruising protocol.",
    "Sudden unexpected death in infancy and safer sleep": "Safer sleep advice was given at birth but not revisited "
                                                          "when the family's circumstances changed.",
    "Extra-familial harm": "Episodes of going missing were not linked to the exploitation risk known to the youth "
                           "justice service.",
    "Children's mental health, self-harm and suicide": "The referral to mental health services waited eleven weeks "
                                                       "with no contact from any agency in between.",
    "Children not in school": "The move to elective home education was not shared with the social worker.",
}


def load_demo_themes(session: Session, cast: DemoCast, reviews: Sequence[Review], *, rng: random.Random) -> int:
    """Code about four in five of `reviews` with two or three themes each; returns how many reviews were coded."""
    themes = {t.name: t.id for t in list_themes(session, cast.officer, active_only=True) if t.name in LEARNING}
    names = sorted(themes)
    coded = 0
    for review in reviews:
        if rng.random() < 0.2:
            continue
        for name in rng.sample(names, rng.choice([2, 2, 3])):
            code_review_theme(session, cast.officer, review_id=review.id, theme_id=themes[name],
                              learning=LEARNING[name])
        coded += 1
    return coded
