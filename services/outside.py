"""What may leave the product for a calendar or an inbox (issue 17).

The case reference holds the first child's initials (`180626AB`), so nothing that leaves the product in a calendar
event or an email subject carries it: they name a review by its outside reference, the date part of the case
reference and the review's number (`180626 no. 12`), which the Review page shows beside its calendar download.
Pure rules.
"""
from __future__ import annotations

import re

# A case reference anywhere in a text: six digits then one to four capital letters (the child's initials).
_CASE_REFERENCE = re.compile(r"\d{6}[A-Z]{1,4}\b")


def outside_reference(case_reference: str, review_id: int) -> str:
    """The reference that may leave the product: '180626AB-2' of review 12 -> '180626 no. 12'."""
    return f"{case_reference[:6]} no. {review_id}"


def check_no_case_reference(text: str, *, what: str) -> str:
    """`text` unchanged, or ValueError when it carries a case reference (and so a child's initials): a bug, since
    every subject and event is built from outside references."""
    if _CASE_REFERENCE.search(text):
        raise ValueError(f"{what} would carry a case reference, and with it a child's initials")
    return text
