"""scripts/load.py's mixed-page load: what each user clicks, the cookies it sends and how a page's run is judged."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from load import (
    CYCLE,
    WRITE,
    Element,
    Run,
    click_plan,
    cookie_header,
    cookie_set,
    element_of,
    page_origin,
    page_problems,
    write_widgets,
)

from ui.streamlit_internals.protocol import ForwardMsg


def test_the_five_pages_in_turn_with_a_write_in_place_of_every_second_board() -> None:
    # Clicks 0-9: live, review, returns, log, board, live, review, returns, log, and click 9 (the tenth) a write.
    assert click_plan(12) == ["live", "review", "returns", "log", "board",
                              "live", "review", "returns", "log", WRITE,
                              "live", "review"]
    assert CYCLE == ("live", "review", "returns", "log", "board")


def test_a_user_starting_later_in_the_cycle_writes_on_the_same_clicks_of_it() -> None:
    # Starting at click 7: returns (7), log (8), write (9), live (10) ... log (18), write (19), live (20).
    plan = click_plan(14, start=7)
    assert plan[:4] == ["returns", "log", WRITE, "live"]
    assert plan[11:] == ["log", WRITE, "live"]
    assert plan.count(WRITE) == 2


def test_every_write_follows_a_visit_of_the_daily_log_whose_form_it_sends() -> None:
    for start in range(9):  # load.py starts user i at click i mod 9
        plan = click_plan(40, start=start, write_every=10)
        assert plan[0] != WRITE
        for n, step in enumerate(plan):
            if step == WRITE:
                assert plan[n - 1] == "log"
    plan = click_plan(100, write_every=20)
    assert plan.count(WRITE) == 5
    assert [n for n, step in enumerate(plan) if step == WRITE] == [19, 39, 59, 79, 99]


def test_no_writes_when_write_every_is_nought() -> None:
    assert WRITE not in click_plan(30, write_every=0)
    assert click_plan(0) == []


def test_a_write_count_that_would_not_follow_the_log_is_refused() -> None:
    with pytest.raises(ValueError, match="multiple of 5"):
        click_plan(10, write_every=7)


def test_the_cookie_header_leaves_out_cookies_with_no_value() -> None:
    assert cookie_header({"rrt_session": "abc", "rrt_route": "r1"}) == {"Cookie": "rrt_session=abc; rrt_route=r1"}
    assert cookie_header({"rrt_session": None, "rrt_route": "r1"}) == {"Cookie": "rrt_route=r1"}
    assert cookie_header({"rrt_session": None, "rrt_route": ""}) == {}


def test_the_cookie_a_response_sets_is_read_by_name() -> None:
    headers = [("Content-Type", "text/html"),
               ("Set-Cookie", "other=1; Path=/"),
               ("set-cookie", "rrt_route=9f3c; Path=/; HttpOnly; SameSite=Lax")]
    assert cookie_set(headers, "rrt_route") == "9f3c"
    assert cookie_set(headers, "rrt_session") is None
    # A cookie whose name only begins with the one asked for is not it.
    assert cookie_set([("Set-Cookie", "rrt_route_old=1")], "rrt_route") is None


def test_the_origin_is_the_pages_scheme_host_and_port() -> None:
    assert page_origin("http://127.0.0.1:8501") == "http://127.0.0.1:8501"
    assert page_origin("https://tracker.example.org/") == "https://tracker.example.org"


def test_a_page_is_judged_by_its_title_and_what_the_user_would_see_as_an_error() -> None:
    good = Run([Element("heading", "", "Review NX-24 (demo)"), Element("button", "$$ID-1", "Save")])
    assert page_problems(good, "Review") == []
    assert page_problems(good, "Daily log") == ["no 'Daily log' title"]
    signed_out = Run([Element("heading", "", "Sign in"), Element("text_input", "$$ID-2", "Username")])
    assert page_problems(signed_out, "Daily log") == ["asked to sign in again", "no 'Daily log' title"]
    refused = Run([Element("heading", "", "Daily log"),
                   Element("error", "", "Choose the review this entry belongs to.")])
    assert page_problems(refused, "Daily log") == ["error on the page: Choose the review this entry belongs to."]


def _log_page(*, all_live: bool, options: tuple[str, ...] = ("CR-0024 (demo)", "CR-0031 (demo)")) -> Run:
    elements = [Element("heading", "", "Daily log"),
                Element("selectbox", "$$ID-aa-log_review", "Review", ("All live reviews", *options))]
    if all_live:
        elements.append(Element("selectbox", "$$ID-bb-la_review", "Review", options))
    elements += [Element("selectbox", "$$ID-cc-la_category", "Category", ("communication", "decision")),
                 Element("text_area", "$$ID-dd-la_text", "What happened"),
                 Element("button", "$$ID-ee-la_submit", "Add to the log")]
    return Run(elements)


def test_a_write_on_one_reviews_log_sends_the_text_and_the_button() -> None:
    assert write_widgets(_log_page(all_live=False), "Phoned the GP") == [
        ("$$ID-dd-la_text", "string_value", "Phoned the GP"),
        ("$$ID-ee-la_submit", "trigger_value", True)]


def test_a_write_on_all_live_reviews_chooses_the_forms_first_review_not_the_pickers() -> None:
    assert write_widgets(_log_page(all_live=True), "Phoned the GP") == [
        ("$$ID-bb-la_review", "string_value", "CR-0024 (demo)"),
        ("$$ID-dd-la_text", "string_value", "Phoned the GP"),
        ("$$ID-ee-la_submit", "trigger_value", True)]
    with pytest.raises(RuntimeError, match="no live review"):
        write_widgets(_log_page(all_live=True, options=()), "Phoned the GP")


def test_a_write_without_the_form_on_the_page_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no text_area 'What happened'"):
        write_widgets(Run([Element("heading", "", "Board figures")]), "Phoned the GP")


def test_a_select_box_is_read_with_its_options_as_shown() -> None:
    message = ForwardMsg()
    box = message.delta.new_element.selectbox
    box.id, box.label = "$$ID-bb-la_review", "Review"
    box.options.extend(["CR-0024 (demo)", "CR-0031 (demo)"])
    assert element_of(message) == Element("selectbox", "$$ID-bb-la_review", "Review",
                                          ("CR-0024 (demo)", "CR-0031 (demo)"))
    assert Run([element_of(message) or Element("", "", "")]).keyed("selectbox", "review") is None
