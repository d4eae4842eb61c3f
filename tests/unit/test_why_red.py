"""Issue 14: "why is this red?", answered where it is asked. The pure wording of services.reviews.status, with
hand-written expectations."""
from __future__ import annotations

from datetime import date

from services.rag import Rag
from services.returns.rules import Stage
from services.reviews.reads import MilestoneRead
from services.reviews.rules import MilestoneStatus, WhyItem
from services.reviews.status import ReturnItem, why_items, why_text


def _milestone(key: str, title: str, rag: Rag, due: date | None, optional: bool = False,
               position: int = 1) -> MilestoneStatus:
    read = MilestoneRead(id=position, review_id=1, key=key, title=title, owner="manager", sort_order=position,
                         due_date=due, optional=optional)
    return MilestoneStatus(read, rag, "Day 1")


def test_the_issues_example() -> None:
    milestones = [_milestone("timeline_agreed", "Timeline agreed", Rag.RED, date(2026, 11, 27)),
                  _milestone("case_folder", "Case folder created", Rag.COMPLETE, date(2026, 11, 27), position=2)]
    returns = [ReturnItem(7, "Early Help", Stage.RECEIVED, Rag.RED, date(2026, 11, 30)),
               ReturnItem(8, "Police", Stage.AWAITING, Rag.GREEN, date(2026, 12, 4))]
    items = why_items(milestones, returns)
    assert items == (WhyItem(Rag.RED, "Timeline agreed (Fri 27 Nov)", "review"),
                     WhyItem(Rag.RED, "Early Help return unchecked", "returns", 7))
    assert why_text(items) == "2 items overdue: Timeline agreed (Fri 27 Nov); Early Help return unchecked"


def test_red_before_amber_soonest_first_with_the_page_where_each_is_dealt_with() -> None:
    milestones = [
        _milestone("minutes", "Minutes saved and circulated", Rag.AMBER, date(2026, 12, 2)),
        _milestone("pre_meets", "Pre-meets", Rag.RED, date(2026, 11, 20), optional=True, position=2),
        _milestone("signed_report", "Signed final report", Rag.RED, date(2026, 12, 1), position=3),
    ]
    returns = [ReturnItem(3, "Health", Stage.SENT_BACK, Rag.RED, date(2026, 11, 30)),
               ReturnItem(4, "School", Stage.AWAITING, Rag.AMBER, date(2026, 12, 1)),
               ReturnItem(5, "GP", Stage.CHECKED, Rag.COMPLETE, None)]
    items = why_items(milestones, returns)
    assert [(i.rag, i.label, i.page) for i in items] == [
        (Rag.RED, "Health return resubmission not received (due Mon 30 Nov)", "returns"),
        (Rag.RED, "Signed final report (Tue 01 Dec)", "report"),
        (Rag.AMBER, "School return not received (due Tue 01 Dec)", "returns"),
        (Rag.AMBER, "Minutes saved and circulated (Wed 02 Dec)", "meetings"),
    ]
    assert why_text(items) == (
        "2 items overdue: Health return resubmission not received (due Mon 30 Nov); Signed final report (Tue 01 Dec)"
        " · 2 items due soon: School return not received (due Tue 01 Dec); Minutes saved and circulated (Wed 02 Dec)")


def test_only_amber_and_nothing() -> None:
    items = (WhyItem(Rag.AMBER, "Police return awaiting final QA", "returns", 1),)
    assert why_text(items) == "1 item due soon: Police return awaiting final QA"
    assert why_text(()) == ""
    assert why_items([_milestone("x", "X", Rag.GREEN, date(2026, 12, 1))], []) == ()
