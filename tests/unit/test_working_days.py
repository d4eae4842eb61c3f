"""Working-day arithmetic (domain.md, "Working days and day numbers").

Every expected date below was worked out by hand from a printed calendar and the GOV.UK list of
England and Wales bank holidays; none is computed with the code under test.
"""
from datetime import date, timedelta

import pytest

from services.working_days import WorkingCalendar, is_england_bank_holiday

D = date
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

# ----------------------------------------------------------------------------------------------
# England bank holidays, written out by hand (GOV.UK). Only the days that fall Monday to Friday:
# a holiday on a weekend is replaced by its substitute day.
# ----------------------------------------------------------------------------------------------
ENGLAND_BANK_HOLIDAYS = {
    2025: [
        (D(2025, 1, 1), "New Year's Day (Wed)"),
        (D(2025, 4, 18), "Good Friday"),
        (D(2025, 4, 21), "Easter Monday"),
        (D(2025, 5, 5), "Early May bank holiday"),
        (D(2025, 5, 26), "Spring bank holiday"),
        (D(2025, 8, 25), "Summer bank holiday (August)"),
        (D(2025, 12, 25), "Christmas Day (Thu)"),
        (D(2025, 12, 26), "Boxing Day (Fri)"),
    ],
    2026: [
        (D(2026, 1, 1), "New Year's Day (Thu)"),
        (D(2026, 4, 3), "Good Friday"),
        (D(2026, 4, 6), "Easter Monday"),
        (D(2026, 5, 4), "Early May bank holiday"),
        (D(2026, 5, 25), "Spring bank holiday"),
        (D(2026, 8, 31), "Summer bank holiday (August)"),
        (D(2026, 12, 25), "Christmas Day (Fri)"),
        (D(2026, 12, 28), "Boxing Day substitute (26 Dec is a Saturday)"),
    ],
    2027: [
        (D(2027, 1, 1), "New Year's Day (Fri)"),
        (D(2027, 3, 26), "Good Friday"),
        (D(2027, 3, 29), "Easter Monday"),
        (D(2027, 5, 3), "Early May bank holiday"),
        (D(2027, 5, 31), "Spring bank holiday"),
        (D(2027, 8, 30), "Summer bank holiday (August)"),
        (D(2027, 12, 27), "Christmas Day substitute (25 Dec is a Saturday)"),
        (D(2027, 12, 28), "Boxing Day substitute (26 Dec is a Sunday)"),
    ],
}
ALL_HOLIDAYS = [(d, name) for year in sorted(ENGLAND_BANK_HOLIDAYS) for d, name in ENGLAND_BANK_HOLIDAYS[year]]
HOLIDAY_IDS = [f"{d.isoformat()} {name}" for d, name in ALL_HOLIDAYS]


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


# ------------------------------------------------------------------ sanity of the hand-written data


@pytest.mark.parametrize(("day", "name"), ALL_HOLIDAYS, ids=HOLIDAY_IDS)
def test_hand_written_holidays_are_weekdays(day: date, name: str) -> None:
    # Guards the table above: each listed day really is Monday to Friday.
    assert day.weekday() < 5


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        (D(2026, 12, 18), FRI),
        (D(2026, 12, 19), SAT),
        (D(2026, 12, 21), MON),
        (D(2026, 12, 25), FRI),
        (D(2026, 12, 26), SAT),
        (D(2026, 12, 28), MON),
        (D(2026, 12, 29), TUE),
        (D(2026, 12, 31), THU),
        (D(2027, 1, 1), FRI),
        (D(2027, 1, 4), MON),
        (D(2027, 1, 12), TUE),
        (D(2027, 1, 13), WED),
        (D(2027, 1, 15), FRI),
        (D(2027, 12, 25), SAT),
        (D(2027, 12, 26), SUN),
        (D(2027, 12, 31), FRI),
        (D(2028, 1, 1), SAT),
    ],
)
def test_hand_calendar_weekdays(day: date, weekday: int) -> None:
    assert day.weekday() == weekday


# ------------------------------------------------------------------ weekends


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 6, 15), True),   # Mon
        (D(2026, 6, 16), True),   # Tue
        (D(2026, 6, 17), True),   # Wed
        (D(2026, 6, 18), True),   # Thu
        (D(2026, 6, 19), True),   # Fri
        (D(2026, 6, 20), False),  # Sat
        (D(2026, 6, 21), False),  # Sun
        (D(2025, 3, 1), False),   # Sat
        (D(2025, 3, 2), False),   # Sun
        (D(2027, 2, 6), False),   # Sat
        (D(2027, 2, 7), False),   # Sun
        (D(2027, 2, 8), True),    # Mon
    ],
)
def test_weekdays_work_and_weekends_do_not(cal: WorkingCalendar, day: date, expected: bool) -> None:
    assert cal.is_working_day(day) is expected


# ------------------------------------------------------------------ bank holidays


@pytest.mark.parametrize(("day", "name"), ALL_HOLIDAYS, ids=HOLIDAY_IDS)
def test_every_england_bank_holiday_is_not_a_working_day(cal: WorkingCalendar, day: date, name: str) -> None:
    assert cal.is_working_day(day) is False


@pytest.mark.parametrize(("day", "name"), ALL_HOLIDAYS, ids=HOLIDAY_IDS)
def test_every_england_bank_holiday_is_recognised(day: date, name: str) -> None:
    assert is_england_bank_holiday(day) is True


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_weekday_holidays_are_exactly_the_hand_written_list(cal: WorkingCalendar, year: int) -> None:
    """No missing and no extra non-working weekdays in the year (no Scottish or NI days)."""
    expected = {d for d, _ in ENGLAND_BANK_HOLIDAYS[year]}
    found = set()
    d = D(year, 1, 1)
    while d.year == year:
        if d.weekday() < 5 and not cal.is_working_day(d):
            found.add(d)
        d += timedelta(days=1)
    assert found == expected


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 4, 6),    # Easter Monday: missing from GB without subdiv="ENG"
        D(2026, 8, 31),   # August holiday: missing from GB without subdiv="ENG"
        D(2025, 4, 21),
        D(2025, 8, 25),
        D(2027, 3, 29),
        D(2027, 8, 30),
    ],
)
def test_easter_monday_and_august_holiday_prove_england_subdivision(cal: WorkingCalendar, day: date) -> None:
    assert cal.is_working_day(day) is False


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 1, 2),    # 2 Jan: a holiday in Scotland only
        D(2025, 1, 2),
        D(2027, 1, 4),    # Scotland's 2 Jan substitute in 2027
        D(2026, 3, 17),   # St Patrick's Day: Northern Ireland only
        D(2027, 3, 17),
        D(2026, 7, 13),   # Battle of the Boyne substitute: Northern Ireland only
        D(2025, 7, 14),   # 12 July substitute 2025: Northern Ireland only
        D(2026, 8, 3),    # first Monday of August: Scotland only
        D(2026, 11, 30),  # St Andrew's Day: Scotland only
        D(2026, 12, 24),  # Christmas Eve is a working day
        D(2026, 12, 29),
        D(2026, 12, 30),
        D(2026, 12, 31),  # New Year's Eve is a working day
        D(2027, 12, 24),
        D(2027, 12, 29),
        D(2025, 4, 17),   # the day before Good Friday
        D(2025, 4, 22),   # the day after Easter Monday
        D(2026, 5, 5),
        D(2026, 5, 26),
        D(2026, 9, 1),
    ],
)
def test_days_around_holidays_and_other_nations_holidays_are_working_days(cal: WorkingCalendar, day: date) -> None:
    assert cal.is_working_day(day) is True
    assert is_england_bank_holiday(day) is False


@pytest.mark.parametrize(
    ("before", "after", "count"),
    [
        (D(2024, 12, 31), D(2025, 12, 31), 253),  # 261 weekdays - 8 bank holidays
        (D(2025, 12, 31), D(2026, 12, 31), 253),
        (D(2026, 12, 31), D(2027, 12, 31), 253),
    ],
)
def test_working_days_in_a_whole_year(cal: WorkingCalendar, before: date, after: date, count: int) -> None:
    assert cal.working_days_between(before, after) == count


# ------------------------------------------------------------------ closure days


def test_closure_day_is_not_a_working_day() -> None:
    cal = WorkingCalendar(closures=[D(2026, 12, 29)])
    assert cal.is_working_day(D(2026, 12, 29)) is False
    assert cal.is_working_day(D(2026, 12, 30)) is True


def test_closures_belong_to_one_calendar_only() -> None:
    closed = WorkingCalendar(closures=[D(2026, 12, 29)])
    plain = WorkingCalendar()
    assert closed.is_working_day(D(2026, 12, 29)) is False
    assert plain.is_working_day(D(2026, 12, 29)) is True


def test_closures_accept_any_iterable() -> None:
    cal = WorkingCalendar(closures=(D(2026, 12, 29) + timedelta(days=i) for i in range(3)))
    assert [cal.is_working_day(D(2026, 12, d)) for d in (29, 30, 31)] == [False, False, False]
    assert cal.is_working_day(D(2027, 1, 4)) is True


@pytest.mark.parametrize(
    ("closures", "a", "b", "expected"),
    [
        ([], D(2026, 12, 18), D(2027, 1, 15), 17),
        ([D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)], D(2026, 12, 18), D(2027, 1, 15), 14),
        ([D(2026, 6, 20)], D(2026, 6, 19), D(2026, 6, 22), 1),   # a Saturday closure changes nothing
        ([D(2026, 12, 25)], D(2026, 12, 24), D(2026, 12, 29), 1),  # closure on a bank holiday
        ([D(2026, 6, 17)], D(2026, 6, 15), D(2026, 6, 19), 3),   # Wed closed: Tue, Thu, Fri
    ],
)
def test_closures_in_working_days_between(closures: list[date], a: date, b: date, expected: int) -> None:
    assert WorkingCalendar(closures=closures).working_days_between(a, b) == expected


@pytest.mark.parametrize(
    ("closures", "start", "n", "expected"),
    [
        ([D(2026, 6, 17)], D(2026, 6, 16), 1, D(2026, 6, 18)),
        ([D(2026, 6, 17), D(2026, 6, 18)], D(2026, 6, 16), 1, D(2026, 6, 19)),
        ([D(2026, 6, 19)], D(2026, 6, 18), 1, D(2026, 6, 22)),  # Fri closed: Mon
        ([D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)], D(2026, 12, 18), 5, D(2027, 1, 4)),
        ([D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)], D(2026, 12, 24), 1, D(2027, 1, 4)),
        ([D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)], D(2026, 12, 28), 0, D(2027, 1, 4)),
        ([D(2026, 6, 17)], D(2026, 6, 17), 0, D(2026, 6, 18)),  # n=0 on a closure day
    ],
)
def test_closures_in_add_working_days(closures: list[date], start: date, n: int, expected: date) -> None:
    assert WorkingCalendar(closures=closures).add_working_days(start, n) == expected


# ------------------------------------------------------------------ add_working_days


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # n == 0: the day itself when working, else the next working day
        (D(2026, 12, 18), 0, D(2026, 12, 18)),  # Fri, working
        (D(2026, 6, 17), 0, D(2026, 6, 17)),    # Wed, working
        (D(2026, 12, 19), 0, D(2026, 12, 21)),  # Sat -> Mon
        (D(2026, 12, 20), 0, D(2026, 12, 21)),  # Sun -> Mon
        (D(2026, 12, 25), 0, D(2026, 12, 29)),  # Christmas -> Tue 29 (28 is a substitute)
        (D(2026, 12, 26), 0, D(2026, 12, 29)),
        (D(2027, 1, 1), 0, D(2027, 1, 4)),      # New Year's Day (Fri) -> Mon
        (D(2027, 12, 25), 0, D(2027, 12, 29)),  # Sat, then both substitutes -> Wed
        (D(2026, 4, 3), 0, D(2026, 4, 7)),      # Good Friday -> Tue after Easter Monday
        # n >= 1: the start day is not counted
        (D(2026, 6, 15), 1, D(2026, 6, 16)),
        (D(2026, 6, 15), 4, D(2026, 6, 19)),
        (D(2026, 6, 15), 5, D(2026, 6, 22)),    # over a weekend
        (D(2026, 6, 19), 1, D(2026, 6, 22)),    # Fri -> Mon
        (D(2026, 6, 20), 1, D(2026, 6, 22)),    # Sat -> Mon
        (D(2026, 6, 21), 1, D(2026, 6, 22)),    # Sun -> Mon
        (D(2026, 6, 20), 2, D(2026, 6, 23)),
        (D(2026, 12, 18), 5, D(2026, 12, 29)),  # scoping forms sent 18 Dec due Tue 29 Dec
        (D(2026, 12, 24), 1, D(2026, 12, 29)),
        (D(2026, 12, 31), 1, D(2027, 1, 4)),    # minutes after a meeting on 31 Dec
        (D(2027, 12, 24), 1, D(2027, 12, 29)),
        (D(2025, 12, 24), 1, D(2025, 12, 29)),  # 25 and 26 Dec 2025 Thu/Fri
        (D(2025, 4, 17), 1, D(2025, 4, 22)),    # over Easter
        (D(2026, 8, 28), 1, D(2026, 9, 1)),     # over the August holiday and a month end
        (D(2026, 5, 22), 1, D(2026, 5, 26)),    # over the spring holiday
        (D(2025, 5, 2), 1, D(2025, 5, 6)),      # over the early May holiday
        # month and year ends
        (D(2026, 1, 30), 1, D(2026, 2, 2)),     # Fri 30 Jan -> Mon 2 Feb
        (D(2025, 2, 28), 1, D(2025, 3, 3)),     # Fri 28 Feb -> Mon 3 Mar
        (D(2025, 6, 30), 1, D(2025, 7, 1)),     # Mon 30 Jun -> Tue 1 Jul
        (D(2025, 12, 31), 1, D(2026, 1, 2)),    # over New Year's Day 2026 (Thu)
        (D(2027, 12, 31), 1, D(2028, 1, 4)),    # 1 Jan 2028 Sat, substitute Mon 3 Jan
        (D(2026, 12, 30), 2, D(2027, 1, 4)),
        (D(2026, 12, 18), 14, D(2027, 1, 12)),
    ],
)
def test_add_working_days(cal: WorkingCalendar, start: date, n: int, expected: date) -> None:
    assert cal.add_working_days(start, n) == expected


def test_add_working_days_refuses_negative_n(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 6, 17), -1)


# ------------------------------------------------------------------ working_days_between


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 6, 17), D(2026, 6, 17), 0),    # b == a
        (D(2026, 6, 17), D(2026, 6, 16), 0),    # b < a
        (D(2027, 1, 12), D(2026, 12, 18), 0),   # b well before a
        (D(2026, 6, 15), D(2026, 6, 16), 1),    # a not counted, b counted
        (D(2026, 6, 15), D(2026, 6, 19), 4),
        (D(2026, 6, 15), D(2026, 6, 22), 5),
        (D(2026, 6, 19), D(2026, 6, 21), 0),    # Fri to Sun
        (D(2026, 6, 19), D(2026, 6, 22), 1),    # Fri to Mon
        (D(2026, 6, 20), D(2026, 6, 21), 0),    # Sat to Sun
        (D(2026, 6, 20), D(2026, 6, 22), 1),    # Sat to Mon
        (D(2026, 12, 23), D(2026, 12, 29), 2),  # 24 and 29
        (D(2026, 12, 24), D(2026, 12, 29), 1),
        (D(2026, 12, 24), D(2026, 12, 28), 0),  # only holidays and a weekend
        (D(2026, 12, 18), D(2027, 1, 12), 14),
        (D(2026, 12, 31), D(2027, 1, 4), 1),
        (D(2025, 12, 31), D(2026, 1, 2), 1),
        (D(2027, 12, 24), D(2028, 1, 4), 4),    # 29, 30, 31 Dec and 4 Jan
    ],
)
def test_working_days_between(cal: WorkingCalendar, a: date, b: date, expected: int) -> None:
    assert cal.working_days_between(a, b) == expected


# ------------------------------------------------------------------ Day 1 and day numbers


@pytest.mark.parametrize(
    ("received", "day_one"),
    [
        (D(2026, 12, 18), D(2026, 12, 18)),  # Fri, working: same day
        (D(2026, 12, 19), D(2026, 12, 21)),  # Sat -> Mon
        (D(2026, 12, 20), D(2026, 12, 21)),  # Sun -> Mon
        (D(2026, 12, 25), D(2026, 12, 29)),  # Christmas Day
        (D(2026, 12, 28), D(2026, 12, 29)),  # Boxing Day substitute
        (D(2027, 1, 1), D(2027, 1, 4)),
        (D(2026, 4, 3), D(2026, 4, 7)),      # Good Friday
        (D(2026, 4, 4), D(2026, 4, 7)),      # Easter Saturday
        (D(2026, 4, 6), D(2026, 4, 7)),      # Easter Monday
        (D(2027, 8, 28), D(2027, 8, 31)),    # Sat before the August holiday
        (D(2027, 12, 24), D(2027, 12, 24)),  # Christmas Eve is a working day
        (D(2027, 12, 25), D(2027, 12, 29)),
        (D(2027, 12, 27), D(2027, 12, 29)),
        (D(2025, 1, 1), D(2025, 1, 2)),
        (D(2025, 5, 26), D(2025, 5, 27)),
    ],
)
def test_day_one(cal: WorkingCalendar, received: date, day_one: date) -> None:
    assert cal.day_one(received) == day_one


@pytest.mark.parametrize(
    ("closures", "received", "day_one"),
    [
        ([D(2026, 12, 31)], D(2026, 12, 31), D(2027, 1, 4)),
        ([D(2026, 6, 17)], D(2026, 6, 17), D(2026, 6, 18)),
        ([D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)], D(2026, 12, 25), D(2027, 1, 4)),
    ],
)
def test_day_one_on_a_closure_day(closures: list[date], received: date, day_one: date) -> None:
    assert WorkingCalendar(closures=closures).day_one(received) == day_one


@pytest.mark.parametrize(
    ("received", "on", "expected"),
    [
        # received Fri 18 Dec 2026 (Day 1 = 18 Dec)
        (D(2026, 12, 18), D(2026, 12, 17), 0),   # before Day 1
        (D(2026, 12, 18), D(2026, 1, 1), 0),
        (D(2026, 12, 18), D(2026, 12, 18), 1),
        (D(2026, 12, 18), D(2026, 12, 21), 2),
        (D(2026, 12, 18), D(2026, 12, 24), 5),
        (D(2026, 12, 18), D(2026, 12, 29), 6),
        (D(2026, 12, 18), D(2026, 12, 30), 7),
        (D(2026, 12, 18), D(2026, 12, 31), 8),
        (D(2026, 12, 18), D(2027, 1, 4), 9),
        (D(2026, 12, 18), D(2027, 1, 12), 15),
        (D(2026, 12, 18), D(2027, 1, 13), 16),
        # a non-working day keeps the Day of the last working day before it
        (D(2026, 12, 18), D(2026, 12, 19), 1),
        (D(2026, 12, 18), D(2026, 12, 20), 1),
        (D(2026, 12, 18), D(2026, 12, 25), 5),
        (D(2026, 12, 18), D(2026, 12, 28), 5),
        (D(2027, 12, 23), D(2028, 1, 3), 5),
        # received Sat 19 Dec 2026 (Day 1 = Mon 21 Dec)
        (D(2026, 12, 19), D(2026, 12, 18), 0),
        (D(2026, 12, 19), D(2026, 12, 19), 0),   # received on a weekend: not yet Day 1
        (D(2026, 12, 19), D(2026, 12, 20), 0),
        (D(2026, 12, 19), D(2026, 12, 21), 1),
        (D(2026, 12, 19), D(2027, 1, 13), 15),
        # received on Christmas Day 2026 (Day 1 = Tue 29 Dec)
        (D(2026, 12, 25), D(2026, 12, 28), 0),
        (D(2026, 12, 25), D(2026, 12, 29), 1),
        (D(2026, 12, 25), D(2027, 1, 4), 4),
    ],
)
def test_day_number(cal: WorkingCalendar, received: date, on: date, expected: int) -> None:
    assert cal.day_number(received, on) == expected


def test_day_number_with_closures() -> None:
    cal = WorkingCalendar(closures=[D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)])
    received = D(2026, 12, 18)
    assert cal.day_number(received, D(2026, 12, 24)) == 5
    assert cal.day_number(received, D(2026, 12, 30)) == 5
    assert cal.day_number(received, D(2027, 1, 4)) == 6
    assert cal.day_number(received, D(2027, 1, 15)) == 15


# ------------------------------------------------------------------ domain.md worked examples


def test_worked_example_received_fri_18_dec_2026_days() -> None:
    cal = WorkingCalendar()
    received = D(2026, 12, 18)
    expected = {
        1: D(2026, 12, 18),
        2: D(2026, 12, 21),
        3: D(2026, 12, 22),
        4: D(2026, 12, 23),
        5: D(2026, 12, 24),
        6: D(2026, 12, 29),   # 25 and 28 Dec are bank holidays
        7: D(2026, 12, 30),
        8: D(2026, 12, 31),
        9: D(2027, 1, 4),     # 1 Jan is a holiday
        10: D(2027, 1, 5),
        11: D(2027, 1, 6),
        12: D(2027, 1, 7),
        13: D(2027, 1, 8),
        14: D(2027, 1, 11),
        15: D(2027, 1, 12),
    }
    assert {n: cal.day_n(received, n) for n in expected} == expected
    assert cal.day_one(received) == D(2026, 12, 18)
    assert cal.add_working_days(cal.day_one(received), 5) == D(2026, 12, 29)  # Day 6
    assert cal.add_working_days(cal.day_one(received), 8) == D(2027, 1, 4)    # Day 9
    assert cal.add_working_days(cal.day_one(received), 14) == D(2027, 1, 12)  # Day 15
    for n, d in expected.items():
        assert cal.day_number(received, d) == n


def test_worked_example_scoping_forms_sent_18_dec_due_29_dec() -> None:
    assert WorkingCalendar().add_working_days(D(2026, 12, 18), 5) == D(2026, 12, 29)


def test_worked_example_received_sat_19_dec_2026() -> None:
    cal = WorkingCalendar()
    assert cal.day_one(D(2026, 12, 19)) == D(2026, 12, 21)
    assert cal.day_n(D(2026, 12, 19), 15) == D(2027, 1, 13)
    assert cal.add_working_days(D(2026, 12, 21), 14) == D(2027, 1, 13)


def test_worked_example_closures_29_to_31_dec_2026() -> None:
    cal = WorkingCalendar(closures=[D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)])
    assert cal.add_working_days(D(2026, 12, 18), 5) == D(2027, 1, 4)   # returns due Mon 4 Jan
    assert cal.day_n(D(2026, 12, 18), 15) == D(2027, 1, 15)            # review due Fri 15 Jan


def test_worked_example_minutes_after_meeting_thu_31_dec_2026() -> None:
    assert WorkingCalendar().add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_worked_example_sin_due_five_working_days_after_mon_21_dec_2026() -> None:
    assert WorkingCalendar().add_working_days(D(2026, 12, 21), 5) == D(2026, 12, 30)


def test_day_n_refuses_day_zero(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.day_n(D(2026, 12, 18), 0)


def test_counting_and_adding_agree_with_a_day_by_day_walk_across_years_and_closures() -> None:
    """The calendar searches a list of each year's working days; an independent walk, one day at a time, over
    weekends, England bank holidays (Christmas, New Year, Easter, May) and two closure days gives the same answers."""
    closures = {date(2026, 12, 29), date(2027, 1, 4)}
    cal = WorkingCalendar(closures)
    bank = {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29),
            date(2027, 5, 3), date(2027, 5, 31)}

    def working(d: date) -> bool:
        return d.weekday() < 5 and d not in bank and d not in closures

    def walk_between(a: date, b: date) -> int:
        return sum(1 for i in range(1, (b - a).days + 1) if working(a + timedelta(days=i)))

    def walk_add(d: date, n: int) -> date:
        while n or not working(d):
            if n == 0:
                d += timedelta(days=1)
                continue
            d += timedelta(days=1)
            n -= working(d)
        return d

    start = date(2026, 12, 18)
    for i in range(0, 110, 3):
        a = start + timedelta(days=i)
        for n in (0, 1, 4, 15, 40):
            assert cal.add_working_days(a, n) == walk_add(a, n), (a, n)
        for j in (0, 1, 6, 20, 90):
            b = a + timedelta(days=j)
            assert cal.working_days_between(a, b) == walk_between(a, b), (a, b)
            assert cal.working_days_between(b, a) == 0
