"""Today's date as the partnership sees it (Europe/London); pages call this, services take `as_of`.

`RRT_TODAY=YYYY-MM-DD` pins "today" for a whole server: the browser tests use it so that a run on a
weekend or a bank holiday sees the same days as one on a weekday, and a training copy can use it to
replay a week (read with the server's settings, config.settings). A production server never sets it."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from config.settings import settings

LONDON = ZoneInfo("Europe/London")
PINNED_TODAY_VARIABLE = "RRT_TODAY"


def today_in_london() -> date:
    pinned = settings().today
    if pinned is not None:
        return pinned
    return datetime.now(LONDON).date()
