"""ReviewList: a picker's lookups over the shared list of reviews, computed once."""
from datetime import date

from services.reviews.reads import ReviewList, ReviewRead


def _review(review_id: int, reference: str, state: str) -> ReviewRead:
    return ReviewRead(id=review_id, case_reference=reference, notification_type="death", state=state,
                      incident_date=None, csc_aware_date=None, notification_received_date=date(2026, 12, 1))


def test_the_lookups_split_live_from_closed_and_keep_the_order() -> None:
    reviews = ReviewList([_review(3, "031226AB", "open"), _review(2, "021226CD", "closed"),
                          _review(1, "011226EF", "submitted")])
    assert [r.id for r in reviews.live] == [3, 1]
    assert [r.id for r in reviews.closed] == [2]
    assert reviews.by_id[2].case_reference == "021226CD"
    assert reviews.labels == {3: "031226AB (open)", 2: "021226CD (closed)", 1: "011226EF (submitted)"}


def test_the_lookups_are_computed_once_and_handed_back_as_kept() -> None:
    reviews = ReviewList([_review(1, "011226EF", "open")])
    assert reviews.live is reviews.live
    assert reviews.by_id is reviews.by_id


def test_an_empty_list_is_false_and_has_nothing_closed() -> None:
    reviews = ReviewList()
    assert not reviews and not reviews.closed and reviews.live == []
