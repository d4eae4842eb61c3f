"""Issue 26, 3: the digest's pure rules: whose each item is (the plan's owners), the one-line summary first, and a
link to each item when the tracker's address is known."""
from __future__ import annotations

from datetime import date

from services.due_mail import DigestItem, DigestLine, digest_mail, digest_summary, lines_for, owner_roles, public_url

# Thu 26 Nov 2026: the next working day is Fri 27 Nov.
TODAY, NEXT = date(2026, 11, 26), date(2026, 11, 27)


def test_a_plan_owner_names_its_roles_and_a_step_naming_none_is_the_managers() -> None:
    assert owner_roles("manager / officer") == {"manager", "officer"}
    assert owner_roles("officer, manager") == {"manager", "officer"}
    assert owner_roles("chair") == {"chair"}
    assert owner_roles("JCR Chair") == {"chair"}
    assert owner_roles("Business Unit") == {"manager"}


def test_each_role_gets_its_own_items_and_the_manager_every_item() -> None:
    officer_step = DigestItem(DigestLine(TODAY, "201126AB", "Case folder created"), frozenset({"officer"}))
    chair_step = DigestItem(DigestLine(TODAY, "201126AB", "Rapid Review meeting held"), frozenset({"chair"}))
    shared = DigestItem(DigestLine(TODAY, "201126AB", "Scoping forms sent"), frozenset({"manager", "officer"}))
    items = [officer_step, chair_step, shared]
    assert [line.what for line in lines_for(items, {"chair"})] == ["Rapid Review meeting held"]
    assert [line.what for line in lines_for(items, {"officer"})] == ["Case folder created", "Scoping forms sent"]
    assert len(lines_for(items, {"manager"})) == 3
    assert [line.what for line in lines_for(items, {"officer", "chair"})] == [
        "Case folder created", "Rapid Review meeting held", "Scoping forms sent"]


def test_the_summary_names_the_next_working_day_when_it_is_not_tomorrow() -> None:
    assert digest_summary(today=TODAY, next_day=NEXT, overdue=3, due_today=2, due_next=1) == \
        "3 overdue, 2 due today, 1 due tomorrow."
    # Fri 27 Nov 2026: the next working day is Mon 30 Nov.
    assert digest_summary(today=NEXT, next_day=date(2026, 11, 30), overdue=0, due_today=0, due_next=2, waiting=1,
                          delegated=1) == ("0 overdue, 0 due today, 2 due on Mon 30 Nov, 1 waiting for Ofsted, "
                                           "1 delegated to you.")


def test_each_item_links_to_its_page_when_the_address_is_known_and_none_without() -> None:
    lines = [DigestLine(date(2026, 11, 25), "201126AB", "Case folder created", 7, "review"),
             DigestLine(TODAY, "201126AB", "Police return not received", 7, "returns")]
    waiting = [DigestLine(date(2026, 11, 2), "011026CD", "Ofsted's response outstanding", 3, "report")]
    mail = digest_mail(name="Morgan", today=TODAY, next_day=NEXT, lines=lines, delegated=[], waiting=waiting,
                       partnership="P", base_url="https://tracker.example.org")
    assert mail is not None
    _, body = mail
    assert ("Overdue:\n  Wed 25 Nov  201126AB: Case folder created\n"
            "    https://tracker.example.org/review?review=7\n") in body
    assert ("  Thu 26 Nov  201126AB: Police return not received\n"
            "    https://tracker.example.org/returns?review=7") in body
    assert ("Waiting for Ofsted (closed reviews; sent on):\n  Mon 02 Nov  011026CD: Ofsted's response outstanding\n"
            "    https://tracker.example.org/report?review=3") in body
    assert "Open the Rapid Review Tracker at https://tracker.example.org for the details." in body
    assert body.split("\n\n")[1] == "1 overdue, 1 due today, 0 due tomorrow, 1 waiting for Ofsted."
    mail = digest_mail(name="Morgan", today=TODAY, next_day=NEXT, lines=lines, delegated=[], partnership="P")
    assert mail is not None
    _, without = mail
    assert "http" not in without


def test_the_address_comes_from_rrt_public_url_without_its_trailing_slash() -> None:
    assert public_url({"RRT_PUBLIC_URL": "https://tracker.example.org/"}) == "https://tracker.example.org"
    assert public_url({"RRT_PUBLIC_URL": "  "}) is None
    assert public_url({}) is None
