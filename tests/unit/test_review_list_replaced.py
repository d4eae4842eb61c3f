"""The pickers' list brought up to date from the changed reviews alone (ReviewList.replaced): the same order, look-ups
and labels as the list built afresh, worked by hand below; the list it came from unchanged (it is shared).

Four reviews, newest notification first (on the same day, the greater id first):
    id 4, 3 Dec (open)  ·  id 2, 3 Dec (open)  ·  id 3, 1 Dec (closed)  ·  id 1, 20 Nov (open)
"""
from __future__ import annotations

from datetime import date

from services.reviews.reads import ReviewList, ReviewRead


def _review(review_id: int, received: date, state: str = "open", reference: str | None = None,
            former: tuple[str, ...] = ()) -> ReviewRead:
    return ReviewRead(id=review_id, case_reference=reference or f"R{review_id}", notification_type="death",
                      state=state, incident_date=None, csc_aware_date=None, notification_received_date=received,
                      former_references=former)


def _four() -> ReviewList:
    made = ReviewList([_review(4, date(2026, 12, 3)), _review(2, date(2026, 12, 3)),
                       _review(3, date(2026, 12, 1), "closed"), _review(1, date(2026, 11, 20))])
    assert made.labels[3] == "R3 (closed)" and made.by_id[1].id == 1  # the look-ups computed, as a picker does
    return made


def test_a_changed_review_keeps_its_place_and_gets_its_new_label() -> None:
    before = _four()
    after = before.replaced({2: _review(2, date(2026, 12, 3), "submitted", "R2X", ("R2",))}, set())
    assert [r.id for r in after] == [4, 2, 3, 1]
    assert after.labels == {4: "R4 (open)", 2: "R2X (submitted), formerly R2", 3: "R3 (closed)", 1: "R1 (open)"}
    assert after.by_id[2].case_reference == "R2X"
    assert [r.id for r in after.live] == [4, 2, 1] and [r.id for r in after.closed] == [3]
    # The list it came from, shared with other runs, is as it was.
    assert before.labels[2] == "R2 (open)" and before.by_id[2].case_reference == "R2"


def test_a_new_review_goes_in_its_place_and_a_gone_one_leaves() -> None:
    after = _four().replaced({5: _review(5, date(2026, 12, 1)), 6: _review(6, date(2026, 12, 9))}, {4})
    # 9 Dec first; 3 Dec: id 2; 1 Dec: id 5 before id 3 (greater id first); then 20 Nov.
    assert [r.id for r in after] == [6, 2, 5, 3, 1]
    assert sorted(after.by_id) == [1, 2, 3, 5, 6] and sorted(after.labels) == [1, 2, 3, 5, 6]
    assert after.labels[6] == "R6 (open)"


def test_a_review_whose_date_was_corrected_moves_to_its_new_place() -> None:
    after = _four().replaced({1: _review(1, date(2026, 12, 2))}, set())
    assert [r.id for r in after] == [4, 2, 1, 3]


def test_look_ups_not_computed_before_are_computed_on_the_new_list() -> None:
    plain = ReviewList([_review(2, date(2026, 12, 3)), _review(1, date(2026, 11, 20))])
    after = plain.replaced({3: _review(3, date(2026, 11, 25), "withdrawn")}, set())
    assert [r.id for r in after] == [2, 3, 1]
    assert after.labels == {2: "R2 (open)", 3: "R3 (withdrawn)", 1: "R1 (open)"}
