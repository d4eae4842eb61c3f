"""The rules of practice themes (pure): a theme's name and description, the one sentence of learning a review is
coded with (no details that could name the child).

The learning is one sentence of at most 300 characters about practice. It is refused, with the reason, when it holds
what looks like a child's details: a full date (a date of birth), "DOB" or "born on", a number of ten digits (an NHS
number is ten digits, often written 3-3-4), a UK postcode, or a street address (a house number and a street word).
"""
from __future__ import annotations

import re

from db.models_after import MAX_LEARNING_CHARS, PracticeTheme
from services.errors import InvalidInput
from services.text import clean_optional_text, clean_text, max_length_of

PARTNERSHIP_SOURCE = "Partnership"  # the source of a theme the partnership adds to the national list
MAX_NAME_CHARS = max_length_of(PracticeTheme.name) or 120
MAX_DESCRIPTION_CHARS = 1000
MAX_LEARNING = MAX_LEARNING_CHARS

_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
           "|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
# A full date: 03/04/2019, 3-4-19, 3.4.2019, 2019-04-03, 3 April 2019, 3rd of April 2019, April 3, 2019.
FULL_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2})(?!\d)"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{2,4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b",
    re.IGNORECASE)
BIRTH_WORDS = re.compile(r"\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bborn\s+(?:on|in)\b", re.IGNORECASE)
# Ten digits in a row, or written 3-3-4 with spaces or hyphens (an NHS number), not part of a longer number.
TEN_DIGITS = re.compile(r"(?<![\d\-])\d{3}[ \-]?\d{3}[ \-]?\d{4}(?![\d\-])")
# A UK postcode: outward code (A9, A99, A9A, AA9, AA99, AA9A), a space or none, inward code (9AA).
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
STREET = re.compile(
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Court|Gardens|Place|Terrace|Grove|Walk|Row|"
    r"Mews|Square|Hill|Park)\b")
# The end of a sentence followed by another one (a capital letter or a digit after the stop); abbreviations that end
# with a stop before a name are not sentence ends.
ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "st", "no", "e.g", "i.e", "etc", "approx", "vs", "cf")
SENTENCE_END = re.compile(r"([^\s]*?)[.!?]+[\"'’”)\]]*\s+(?=[\"'‘“(]?[A-Z0-9])")


def clean_name(value: str | None) -> str:
    """A theme's name, on one line: required, at most 120 characters."""
    return clean_text(value, label="theme's name", max_length=MAX_NAME_CHARS, multiline=False, required=True)


def clean_description(value: str | None) -> str | None:
    """A theme's description (optional): what the theme covers, for those who code reviews with it."""
    return clean_optional_text(value, label="theme's description", max_length=MAX_DESCRIPTION_CHARS)


def same_name(a: str, b: str) -> bool:
    """Names are unique whatever their case (and the database's index says so too: lower(name))."""
    return a.casefold() == b.casefold()


def _sentences(text: str) -> int:
    count = 1
    for match in SENTENCE_END.finditer(text):
        word = match.group(1).lower().lstrip("(\"'‘“")
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue  # "Dr. Patel", "e.g. Police", an initial
        count += 1
    return count


def child_detail(text: str) -> str | None:
    """Why `text` looks as if it names the child (a sentence to show), or None."""
    if BIRTH_WORDS.search(text) or FULL_DATE.search(text):
        return ("The learning holds what looks like a date of birth or a full date: leave dates out, they could "
                "identify the child (write, for example, 'in the weeks before the incident').")
    if TEN_DIGITS.search(text):
        return ("The learning holds a ten-digit number, which looks like an NHS number: leave it out, it identifies "
                "the child.")
    if POSTCODE.search(text):
        return "The learning holds what looks like a postcode: leave addresses out, they could identify the child."
    if STREET.search(text):
        return ("The learning holds what looks like a street address: leave addresses out, they could identify the "
                "child.")
    return None


def clean_learning(value: str | None) -> str:
    """The learning a review is coded with: one sentence about practice, at most 300 characters, with nothing that
    looks like the child's details (a date of birth, an NHS number, a postcode or an address)."""
    text = clean_text(value, label="learning", max_length=MAX_LEARNING, multiline=False, required=True)
    if _sentences(text) > 1:
        raise InvalidInput("Write the learning as one sentence: keep the main point and leave the rest to the "
                           "review's report.")
    problem = child_detail(text)
    if problem is not None:
        raise InvalidInput(problem)
    return text
