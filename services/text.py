"""The one gate for free text: what a user types is cleaned here before any service stores it, and stored text is
made safe here before any export or Word file shows it.

Rules (docs/decisions.md, "Free text"):
- Line breaks pasted from other programs (Word's Shift+Enter is a vertical tab; form feeds; Unicode line and
  paragraph separators; carriage returns) become ordinary new lines.
- Any other control character (NUL and the rest of C0 and C1, except tab and new line), an unpaired surrogate, or
  a bidirectional override that could disguise the text is refused with a sentence naming the field.
- Text is put in Unicode's composed form (NFC), trailing spaces are dropped from each line, and the whole is
  trimmed. A single-line field (a name, a path) folds every run of white space into one space.
- Length is counted after cleaning, in characters, against the column's own limit where the column has one.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import String

from services.errors import InvalidInput

LINE_BREAKS = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")
# Bidirectional embeddings, overrides and isolates: they can make stored text read differently from what it holds.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ALLOWED_CONTROLS = frozenset("\t\n")
# What XML 1.0 (so Excel and Word files) cannot hold: kept out of every export, whatever is already stored.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def max_length_of(column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None]) -> int | None:
    """The length a model's String column allows (None for unbounded Text)."""
    column_type = column.property.columns[0].type
    return column_type.length if isinstance(column_type, String) else None


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name.lower()}" if name else "")


def _refuse_hidden_characters(text: str, label: str) -> None:
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        hidden = (category == "Cc" and char not in ALLOWED_CONTROLS) or category == "Cs" or char in BIDI_CONTROLS
        if hidden:
            raise InvalidInput(
                f"The {label} contains a hidden control character ({_describe(char)}) at character {position:,}, "
                "which cannot be stored. It often comes with text pasted from another program: delete it, or type "
                "that part again, then save."
            )


def clean_text(
    value: str | None,
    *,
    label: str,
    max_length: int | None,
    multiline: bool = True,
    required: bool = False,
) -> str:
    """`value` as it will be stored, or InvalidInput with a sentence naming `label` (e.g. "summary")."""
    text = LINE_BREAKS.sub("\n", value or "")
    _refuse_hidden_characters(text, label)
    text = unicodedata.normalize("NFC", text)
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    else:
        text = " ".join(text.split())
    if required and not text:
        raise InvalidInput(f"Give the {label}.")
    if max_length is not None and len(text) > max_length:
        raise InvalidInput(
            f"The {label} is {len(text):,} characters long; it can be at most {max_length:,}. "
            "Shorten it and save again: what you typed is still in the form."
        )
    return text


def clean_optional_text(value: str | None, *, label: str, max_length: int | None, multiline: bool = True) -> str | None:
    """As clean_text, with blank stored as None."""
    return clean_text(value, label=label, max_length=max_length, multiline=multiline) or None


def printable(value: str | None) -> str:
    """Stored text made safe for an Excel, CSV or Word file: characters XML cannot hold become U+FFFD."""
    return NOT_IN_XML.sub("\ufffd", LINE_BREAKS.sub("\n", value or ""))
