"""Real Chromium, the demo partnership: at 1280x720 with the menu open no text is cut off on the Live reviews,
Review and Agency returns pages; on a phone (390x844) the live list, each review and the worklist fit the screen,
and the menu closes once a page is chosen.

"Cut off" is measured in the browser, not judged from the code:
- an element of the page that clips its content (overflow or an ellipsis) holds more than it shows
  (scrollWidth > clientWidth), or reaches past the right edge of the page;
- a grid drawn on a canvas (st.dataframe) needs more width for its columns than it has (columns off-screen), or a
  cell's text, measured with the grid's own font, is wider than its column (or, where the grid wraps text, takes
  more lines than the row holds). The columns' drawn widths, the texts and the font are the grid's own, read from
  the grid component behind the canvas."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, wait_for_app
from tests.e2e.test_accessibility_browser import (
    DEMO_TEST_PASSWORD,
    demo_app,  # noqa: F401 (the demo partnership, served once)
)

LAPTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}

# Every element of the main area that clips what it holds and holds more than it shows, or that reaches past the
# main area's right edge; each named by its test id or tag and the start of its text.
CLIPPED_TEXT = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const right = main.getBoundingClientRect().right;
  const name = (e) => (e.closest('[data-testid]')?.getAttribute('data-testid') || e.tagName) + ': '
                      + (e.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  const found = [];
  for (const e of main.querySelectorAll('*')) {
    if (e.closest('canvas') || e.matches('input, textarea, canvas, script, style')) continue;
    const box = e.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || !(e.innerText || '').trim()) continue;
    const style = getComputedStyle(e);
    const clips = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
    if (clips && e.scrollWidth > e.clientWidth + 1) found.push('clipped ' + name(e));
    else if (box.right > right + 1) found.push('past the edge ' + name(e));
  }
  return found;
}
"""

# For each canvas grid: the problems found (columns wider than the grid; a cell's text wider than its column or
# taller than its row).
GRID_PROBLEMS = """
() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]')).map(grid => {
  const canvas = grid.querySelector('canvas[data-testid="data-grid-canvas"]');
  if (!grid.checkVisibility()) return [];  // inside a closed expander: not drawn, not shown
  const reactKey = Object.keys(canvas).find(k => k.startsWith('__reactFiber'));
  let fiber = canvas[reactKey];
  while (fiber && !(fiber.memoizedProps?.getCellContent && fiber.memoizedProps?.columns)) fiber = fiber.return;
  if (!fiber) return ['the grid component behind the canvas was not found'];
  const { columns, rows, rowHeight, getCellContent, theme } = fiber.memoizedProps;
  const measure = document.createElement('canvas').getContext('2d');
  const pad = 2 * theme.cellHorizontalPadding;
  const lineHeight = parseFloat(theme.baseFontStyle.match(/([\\d.]+)px/)[1]) * theme.lineHeight;
  const lines = (text, room) => {  // greedy word wrap, as the grid wraps
    let count = 1, line = '';
    for (const word of text.split(/\\s+/)) {
      const next = line ? line + ' ' + word : word;
      if (line && measure.measureText(next).width > room) { count += 1; line = word; } else line = next;
    }
    return count;
  };
  const problems = [];
  const drawn = canvas.getBoundingClientRect().width;
  const needed = columns.reduce((sum, c) => sum + c.width, 0);
  if (needed > drawn + 1) problems.push(`columns ${needed}px wide in a grid ${drawn}px wide`);
  columns.forEach((column, i) => {
    if (!column.title) return;  // the row-selection column
    measure.font = theme.headerFontFull;
    if (measure.measureText(column.title).width + pad > column.width)
      problems.push(`heading '${column.title}' wider than its column (${column.width}px)`);
    measure.font = theme.baseFontFull;
    for (let r = 0; r < rows; r++) {
      const cell = getCellContent([i, r]);
      const text = String(typeof cell.displayData === 'string' ? cell.displayData : (cell.copyData ?? ''));
      const room = column.width - pad;
      const fits = cell.allowWrapping
        ? lines(text, room) * lineHeight <= rowHeight - 2 * theme.cellVerticalPadding
        : measure.measureText(text).width <= room;
      if (!fits) problems.push(`'${column.title}' row ${r + 1}: '${text}' cut off (${column.width}px)`);
    }
  });
  return problems;
}).flat()
"""


def _open(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.wait_for_load_state("networkidle")
    wait_for_app(page)
    page.get_by_role("heading", level=1).first.wait_for()


def _cut_off(page) -> list[str]:
    return page.evaluate(CLIPPED_TEXT) + page.evaluate(GRID_PROBLEMS)


@pytest.fixture(scope="module")
def laptop(browser, demo_app):  # noqa: F811
    """The manager (who sees every form) at 1280x720, signed in once, the menu open beside the page."""
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(30_000)
    sign_in(page, demo_app, "demo-manager", DEMO_TEST_PASSWORD)
    expect(page.locator('[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "false")
    yield page
    context.close()


def test_the_live_list_shows_every_word_at_1280(laptop, demo_app):  # noqa: F811
    _open(laptop, demo_app + "/")
    assert _cut_off(laptop) == []
    # What matters is on the screen: status, due, why, next step.
    headings = [h.strip() for h in laptop.locator('[data-testid="stTable"] thead th').all_inner_texts()]
    assert {"Review", "Status", "Due", "Why", "Next step"} <= set(headings), headings


def _live_review_ids(page, app: str) -> list[str]:
    """The ids of the live reviews, from their links on the live list."""
    _open(page, app + "/")
    links = page.locator(".st-key-open_links a")
    addresses = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    return [parse_qs(urlsplit(address).query)["review"][0] for address in addresses]


def test_every_live_review_page_shows_every_word_at_1280(laptop, demo_app):  # noqa: F811
    ids = _live_review_ids(laptop, demo_app)
    assert len(ids) == 10  # the demo's live reviews, each with its link
    for review_id in ids:
        _open(laptop, f"{demo_app}/review?review={review_id}")
        assert _cut_off(laptop) == [], review_id


def test_the_returns_page_shows_every_word_at_1280(laptop, demo_app):  # noqa: F811
    """The outstanding returns, then each live review's checklist (cards, send-back rounds); the checklist's own
    table, folded away as a preview of its export, is not shown unless opened."""
    _open(laptop, demo_app + "/returns?view=outstanding")
    laptop.get_by_role("heading", name="Chase late returns").wait_for()
    laptop.locator('[data-testid="stExpander"] summary', has_text="The late returns, to chase").click()
    laptop.get_by_role("button", name="Log that I chased").first.wait_for()
    assert _cut_off(laptop) == []
    for review_id in _live_review_ids(laptop, demo_app):
        _open(laptop, f"{demo_app}/returns?review={review_id}")
        assert _cut_off(laptop) == [], review_id


def test_on_a_phone_the_live_list_and_each_review_fit_the_screen(browser, demo_app):  # noqa: F811
    """At 390x844 the live list and the milestones read as one card per row: nothing runs off the screen."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, demo_app, "demo-officer", DEMO_TEST_PASSWORD)
        ids = _live_review_ids(page, demo_app)
        assert _cut_off(page) == []
        for review_id in ids:
            _open(page, f"{demo_app}/review?review={review_id}")
            assert _cut_off(page) == [], review_id
    finally:
        context.close()


def test_on_a_phone_the_worklist_fits_the_screen_with_its_counts_two_to_a_row(browser, demo_app):  # noqa: F811
    """At 390x844 the page does not scroll sideways and the list starts on the first screen: the four counts sit two
    to a row. The table of returns, a grid of data, scrolls sideways within itself (WCAG 1.4.10 allows it for
    content that needs two dimensions, as a data table does)."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, demo_app, "demo-manager", DEMO_TEST_PASSWORD)
        _open(page, demo_app + "/returns?view=outstanding")
        page.get_by_role("heading", name="Chase late returns").wait_for()
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll_width <= client_width
        tiles = page.locator('.st-key-compact_on_phone_worklist_counts [data-testid="stMetric"]')
        assert tiles.count() == 4
        first, second, third, fourth = (tiles.nth(i).bounding_box() for i in range(4))
        assert first["y"] == second["y"] < third["y"] == fourth["y"]
        assert page.locator('[data-testid="stDataFrame"]').first.bounding_box()["y"] < PHONE["height"]
    finally:
        context.close()


def test_on_a_phone_the_menu_closes_once_a_page_is_chosen(browser, demo_app):  # noqa: F811
    """A desktop browser at a phone's size: Streamlit closes its menu by itself only on a device that says it is a
    phone, so this is the case the app has to handle."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, demo_app, "demo-officer", DEMO_TEST_PASSWORD)
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar).to_have_attribute("data-collapsed", "true")  # closed on arrival
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(sidebar).to_have_attribute("data-collapsed", "false")
        page.locator('[data-testid="stSidebarNav"] a', has_text="Daily log").click()
        wait_for_app(page)
        page.get_by_role("heading", name="Daily log").first.wait_for()
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        # And again from there, by keyboard: the menu still opens, and closes after Enter on a page.
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(sidebar).to_have_attribute("data-collapsed", "false")
        page.locator('[data-testid="stSidebarNav"] a', has_text="Live reviews").focus()
        page.keyboard.press("Enter")
        wait_for_app(page)
        page.get_by_role("heading", name="Live reviews").first.wait_for()
        expect(sidebar).to_have_attribute("data-collapsed", "true")
    finally:
        context.close()
