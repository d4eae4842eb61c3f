"""scripts/bench_browser.py's round order and table rows, from pages and medians written by hand."""
from scripts.bench_browser import Row, Step, schedule, summarise


def test_a_round_clicks_each_page_at_each_scale_then_its_floor() -> None:
    # The board role opens one page (Board figures), the admin role one (Administration).
    assert schedule(["board", "admin"], ["demo", "national"]) == [
        Step("board", "board", "demo"), Step("board", "board", "national"), Step("board", "board", "floor"),
        Step("admin", "admin", "demo"), Step("admin", "admin", "national"), Step("admin", "admin", "floor"),
    ]


def test_an_officer_round_follows_the_menu() -> None:
    # Eight pages in the menu's order, three steps each.
    steps = schedule(["officer"], ["demo", "national"])
    assert len(steps) == 24
    assert [s.key for s in steps[::3]] == ["live", "review", "returns", "log", "meetings", "report", "actions",
                                           "account"]


def test_rows_take_the_medians_and_the_floor_of_the_pages_kind_and_mode() -> None:
    samples = {
        Step("board", "board", "demo"): [1000.0, 3000.0, 2000.0],  # median 2000
        Step("board", "board", "national"): [5000.0, 4000.0, 9000.0],  # median 5000
        Step("admin", "admin", "demo"): [400.0, 600.0],  # median 500
        Step("admin", "admin", "national"): [700.0],
    }
    floors = {("chart", "reload"): [1000.0, 1500.0, 2000.0],  # median 1500
              ("page", "reload"): [200.0, 250.0, 300.0]}  # median 250
    board, admin = summarise(samples, floors, ["board", "admin"], ["demo", "national"])
    assert (board.page, board.mode, board.kind, board.medians, board.floor) == (
        "Board figures", "reload", "chart", {"demo": 2000.0, "national": 5000.0}, 1500.0)
    assert board.ratio("national") == 2.5  # 5000 / 2000
    assert round(board.ratio("national", "floor"), 3) == 3.333  # 5000 / 1500
    assert board.over_targets() == ["national/demo 2.50x", "national/floor 3.33x"]
    assert (admin.medians, admin.floor) == ({"demo": 500.0, "national": 700.0}, 250.0)
    assert admin.over_targets() == []  # 1.40x demo, 2.80x floor


def test_a_row_at_the_limits_is_within_them() -> None:
    assert Row("Live reviews", "manager", "click", "page", {"demo": 400.0, "national": 600.0}, 200.0) \
        .over_targets() == []  # exactly 1.5x demo and 3x floor
    assert Row("Live reviews", "manager", "click", "page", {"demo": 400.0, "national": 601.0}, 200.0) \
        .over_targets() == ["national/demo 1.50x", "national/floor 3.00x"]
    assert Row("Live reviews", "manager", "click", "page", {"demo": 400.0}, 200.0).over_targets() == []
