"""Today's date as the partnership sees it (Europe/London); pages call this, services take `as_of`."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def today_in_london() -> date:
    return datetime.now(LONDON).date()
