"""N simultaneous signed-in users loading the Live reviews page of a running app, in real browser contexts.

    .venv/bin/python scripts/load.py --url http://127.0.0.1:8501 --users 25 --username demo-manager \
        [--password-stdin] [--rounds 3]

Each user is one Chromium context (Debian's /usr/bin/chromium, driven by Playwright): it signs in (the sign-in
form, then the session cookie), then `--rounds` times reloads the Live reviews page and waits until Streamlit has
finished the script run. All users start together. Prints the errors and the p50/p95 of the sign-in and of the
page's load (from the request to the end of the script run, as the user waits for it). Start the app first, e.g.
`make run WORKERS=4` on a database with the demo partnership (`manage.py demo-data`).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
DONE = '[data-test-script-state="notRunning"]'


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def settled(page: object) -> None:
    await page.wait_for_selector(DONE, state="attached", timeout=120_000)  # type: ignore[attr-defined]
    await page.wait_for_timeout(200)  # type: ignore[attr-defined]
    await page.wait_for_selector(DONE, state="attached", timeout=120_000)  # type: ignore[attr-defined]


async def one_user(browser: object, args: argparse.Namespace, password: str, sign_ins: list[float],
                   loads: list[float], errors: list[str]) -> None:
    context = await browser.new_context()  # type: ignore[attr-defined]
    page = await context.new_page()
    try:
        started = time.perf_counter()
        await page.goto(args.url)
        await settled(page)
        await page.get_by_role("textbox", name="Username").fill(args.username)
        await page.get_by_role("textbox", name="Password").fill(password)
        await page.get_by_role("button", name="Sign in").click()
        for _ in range(600):
            if any(c["name"] == "rrt_session" for c in await context.cookies()):
                break
            await page.wait_for_timeout(100)
        else:
            raise RuntimeError("no session cookie after signing in")
        await page.wait_for_load_state()
        await settled(page)
        sign_ins.append(time.perf_counter() - started)
        for _ in range(args.rounds):
            started = time.perf_counter()
            await page.goto(args.url.rstrip("/") + "/live_reviews")
            await settled(page)
            if await page.get_by_role("button", name="Sign in").count():
                raise RuntimeError("asked to sign in again")
            loads.append(time.perf_counter() - started)
    except Exception as error:  # every failure is counted and printed; none stops the others
        errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:160]}")
    finally:
        await context.close()


async def run(args: argparse.Namespace, password: str) -> int:
    from playwright.async_api import async_playwright

    sign_ins: list[float] = []
    loads: list[float] = []
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        await asyncio.gather(*(one_user(browser, args, password, sign_ins, loads, errors)
                               for _ in range(args.users)))
        await browser.close()
    print(f"{args.users} users, {args.rounds} loads of the live page each: {len(errors)} errors")
    for error in errors:
        print("  ", error)
    for label, samples in (("sign-in to first page", sign_ins), ("live page load", loads)):
        if samples:
            print(f"  {label:24} p50 {statistics.median(samples):6.2f} s   p95 {percentile(samples, 0.95):6.2f} s"
                  f"   ({len(samples)} samples)")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--username", default="demo-manager")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
        from demo.partnership import DEMO_PASSWORD

        password = DEMO_PASSWORD
    return asyncio.run(run(args, password))


if __name__ == "__main__":
    raise SystemExit(main())
