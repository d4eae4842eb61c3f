"""Pure review rules: initials, case reference, children, review dates and SIN timeliness.

(domain.md, "The review and its dates" and the worked examples.) No database is used.
"""
from datetime import date
from typing import Any

import pytest

from services.errors import InvalidInput
from services.reviews.rules import (
    ChildEntry,
    case_reference_base,
    check_corrected_done_date,
    check_date_in_review_window,
    check_received_correction,
    missing_sign_off_dates,
    normalise_initials,
    one_year_after,
    sin_timeliness,
    validate_children,
    validate_review_dates,
)
from services.working_days import WorkingCalendar

D = date


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


# ------------------------------------------------------------------ initials


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AB", "AB"),
        ("ab", "AB"),
        ("a.b", "AB"),
        ("A.B.", "AB"),
        (" ab ", "AB"),
        ("A B", "AB"),
        ("a\tb\n", "AB"),
        ("x", "X"),
        ("abc", "ABC"),
        ("abcd", "ABCD"),
        ("J. K. L. M.", "JKLM"),
    ],
)
def test_normalise_initials(raw: str, expected: str) -> None:
    assert normalise_initials(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", ".", ". .", None])
def test_normalise_initials_refuses_empty(raw: str | None) -> None:
    with pytest.raises(InvalidInput, match="Give each child's initials"):
        normalise_initials(raw)  # type: ignore[arg-type]  # None as a form may send it: refused


@pytest.mark.parametrize(
    "raw",
    [
        "ABCDE",        # five letters
        "John Smith",   # a name, not initials
        "A1",
        "1",
        "A-B",
        "O'B",
        "A,B",
        "É",
        "AB/CD",
    ],
)
def test_normalise_initials_refuses_non_letters_and_names(raw: str) -> None:
    with pytest.raises(InvalidInput, match="is not a set of initials"):
        normalise_initials(raw)


# ------------------------------------------------------------------ case reference


@pytest.mark.parametrize(
    ("received", "initials", "expected"),
    [
        (D(2026, 6, 18), "AB", "180626AB"),   # domain.md's example
        (D(2025, 1, 5), "X", "050125X"),
        (D(2026, 12, 18), "JKLM", "181226JKLM"),
        (D(2027, 12, 31), "CD", "311227CD"),
        (D(2027, 3, 9), "AB", "090327AB"),
    ],
)
def test_case_reference_base(received: date, initials: str, expected: str) -> None:
    assert case_reference_base(received, initials) == expected


# ------------------------------------------------------------------ children


def test_validate_children_normalises_and_keeps_order() -> None:
    got = validate_children([ChildEntry("a.b", 3), ChildEntry("cd", 0), ChildEntry("E", 17)])
    assert got == [ChildEntry("AB", 3), ChildEntry("CD", 0), ChildEntry("E", 17)]


def test_validate_children_accepts_four() -> None:
    got = validate_children([ChildEntry(i, n) for n, i in enumerate(["a", "b", "c", "d"], start=1)])
    assert got == [ChildEntry("A", 1), ChildEntry("B", 2), ChildEntry("C", 3), ChildEntry("D", 4)]


def test_validate_children_turns_a_whole_number_string_into_an_int() -> None:
    got = validate_children([ChildEntry("AB", "7")])  # type: ignore[arg-type]  # the form's text, made an int
    assert got == [ChildEntry("AB", 7)]
    assert type(got[0].age_years) is int


def test_validate_children_refuses_none() -> None:
    with pytest.raises(InvalidInput, match="at least one child"):
        validate_children([])


def test_validate_children_refuses_five() -> None:
    with pytest.raises(InvalidInput, match="at most 4 children"):
        validate_children([ChildEntry(i, 5) for i in ["A", "B", "C", "D", "E"]])


@pytest.mark.parametrize("age", [-1, 18, 25])
def test_validate_children_refuses_out_of_range_ages(age: int) -> None:
    with pytest.raises(InvalidInput, match="between 0 and 17"):
        validate_children([ChildEntry("AB", age)])


@pytest.mark.parametrize("age", ["seven", None, "", "7 years"])
def test_validate_children_refuses_non_numeric_ages(age: str | None) -> None:
    with pytest.raises(InvalidInput, match="whole number of years"):
        validate_children([ChildEntry("AB", age)])  # type: ignore[arg-type]  # what a form may send: refused


@pytest.mark.parametrize("age", [0, 1, 16, 17])
def test_validate_children_accepts_ages_0_to_17(age: int) -> None:
    assert validate_children([ChildEntry("ab", age)]) == [ChildEntry("AB", age)]


def test_validate_children_refuses_a_name_among_several() -> None:
    with pytest.raises(InvalidInput, match="is not a set of initials"):
        validate_children([ChildEntry("AB", 3), ChildEntry("Jane Doe", 4)])


# ------------------------------------------------------------------ review dates

GOOD = dict(
    incident_date=D(2026, 12, 14),
    csc_aware_date=D(2026, 12, 16),
    notification_received_date=D(2026, 12, 18),
    sin_submitted_date=D(2026, 12, 17),
    as_of=D(2026, 12, 21),
)


def _dates(**changes: date | None) -> dict[str, Any]:
    values: dict[str, Any] = dict(GOOD)
    values.update(changes)
    return values


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"sin_submitted_date": None},                                    # SIN may be blank on day 1
        {"sin_submitted_date": D(2026, 12, 21)},                         # after the notification; today
        {"sin_submitted_date": D(2026, 12, 16)},                         # same day CSC became aware
        {"incident_date": D(2026, 12, 18), "csc_aware_date": D(2026, 12, 18),
         "sin_submitted_date": D(2026, 12, 18)},                          # all on one day
        {"notification_received_date": D(2026, 12, 21)},                 # received today
        {"incident_date": D(2020, 1, 1)},                                # long ago
        {"incident_date": None},                                         # not known yet on Day 1
        {"csc_aware_date": None},
        {"incident_date": None, "csc_aware_date": None, "sin_submitted_date": None},
        {"csc_aware_date": None, "sin_submitted_date": D(2026, 12, 15)},  # SIN after the incident
    ],
)
def test_validate_review_dates_accepts(changes: dict[str, date | None]) -> None:
    values = _dates(**changes)
    dates = validate_review_dates(**values)
    assert (dates.incident_date, dates.csc_aware_date, dates.notification_received_date, dates.sin_submitted_date) \
        == (values["incident_date"], values["csc_aware_date"], values["notification_received_date"],
            values["sin_submitted_date"])


def test_validate_review_dates_refuses_a_missing_notification_date() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_review_dates(**_dates(notification_received_date=None))
    assert str(err.value) == "Give the date the notification was received."


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("incident_date", "incident date"),
        ("csc_aware_date", "date CSC became aware"),
        ("notification_received_date", "date the notification was received"),
        ("sin_submitted_date", "date the SIN was submitted"),
    ],
)
def test_validate_review_dates_refuses_future(field: str, label: str) -> None:
    changes = {"incident_date": D(2026, 12, 14), "csc_aware_date": D(2026, 12, 16),
               "notification_received_date": D(2026, 12, 18), "sin_submitted_date": D(2026, 12, 17)}
    # push this field (and any later ones that must not come before it) into the future
    changes[field] = D(2026, 12, 22)
    if field == "incident_date":
        changes.update(csc_aware_date=D(2026, 12, 22), notification_received_date=D(2026, 12, 22),
                       sin_submitted_date=D(2026, 12, 22))
    with pytest.raises(InvalidInput) as err:
        validate_review_dates(**changes, as_of=D(2026, 12, 21))
    assert str(err.value) == f"The {label} (22 Dec 2026) cannot be in the future."


def test_validate_review_dates_missing_is_reported_before_future() -> None:
    with pytest.raises(InvalidInput, match="Give the date the notification was received"):
        validate_review_dates(**_dates(notification_received_date=None, incident_date=D(2030, 1, 1)))


def test_validate_review_dates_refuses_incident_after_notification_while_awareness_unknown() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_review_dates(**_dates(incident_date=D(2026, 12, 19), csc_aware_date=None, sin_submitted_date=None,
                                       as_of=D(2026, 12, 21)))
    assert str(err.value) == (
        "The incident date (19 Dec 2026) must be on or before the date the notification was received (18 Dec 2026)."
    )


def test_validate_review_dates_refuses_sin_before_incident_while_awareness_unknown() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_review_dates(**_dates(csc_aware_date=None, sin_submitted_date=D(2026, 12, 13)))
    assert str(err.value) == "The SIN (13 Dec 2026) cannot be submitted before the incident (14 Dec 2026)."


@pytest.mark.parametrize(
    ("incident", "aware", "expected"),
    [
        (D(2026, 12, 14), D(2026, 12, 16), None),
        (None, D(2026, 12, 16),
         "The report cannot be signed off while the incident date is not known: record it on the Review page "
         "(Correct the review's dates) first."),
        (D(2026, 12, 14), None,
         "The report cannot be signed off while the date CSC became aware is not known: record it on the Review "
         "page (Correct the review's dates) first."),
        (None, None,
         "The report cannot be signed off while the incident date and the date CSC became aware are not known: "
         "record them on the Review page (Correct the review's dates) first."),
    ],
)
def test_missing_sign_off_dates(incident: date | None, aware: date | None, expected: str | None) -> None:
    assert missing_sign_off_dates(incident, aware) == expected


def test_validate_review_dates_refuses_incident_after_awareness() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_review_dates(**_dates(incident_date=D(2026, 12, 17)))
    assert str(err.value) == (
        "The incident date (17 Dec 2026) must be on or before the date CSC became aware (16 Dec 2026)."
    )


def test_validate_review_dates_refuses_awareness_after_notification() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_review_dates(**_dates(csc_aware_date=D(2026, 12, 19), sin_submitted_date=None))
    assert str(err.value) == (
        "The date CSC became aware (19 Dec 2026) must be on or before the date the notification was "
        "received (18 Dec 2026)."
    )


def test_validate_review_dates_refuses_sin_before_awareness() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_review_dates(**_dates(sin_submitted_date=D(2026, 12, 15)))
    assert str(err.value) == (
        "The SIN (15 Dec 2026) cannot be submitted before CSC became aware (16 Dec 2026)."
    )


# ------------------------------------------------------------------ SIN timeliness


@pytest.mark.parametrize(
    ("aware", "submitted", "as_of", "expected"),
    [
        # worked example: aware Mon 21 Dec 2026, due Wed 30 Dec 2026 (25 and 28 Dec are holidays)
        (D(2026, 12, 21), D(2026, 12, 21), D(2027, 1, 10), "on time"),
        (D(2026, 12, 21), D(2026, 12, 24), D(2027, 1, 10), "on time"),
        (D(2026, 12, 21), D(2026, 12, 29), D(2027, 1, 10), "on time"),
        (D(2026, 12, 21), D(2026, 12, 30), D(2027, 1, 10), "on time"),
        (D(2026, 12, 21), D(2026, 12, 31), D(2027, 1, 10), "late"),
        (D(2026, 12, 21), D(2027, 1, 4), D(2027, 1, 10), "late"),
        (D(2026, 12, 21), None, D(2026, 12, 21), "not yet made"),
        (D(2026, 12, 21), None, D(2026, 12, 30), "not yet made"),
        (D(2026, 12, 21), None, D(2026, 12, 31), "late (not yet made)"),
        # aware Fri 18 Dec 2026: due Tue 29 Dec
        (D(2026, 12, 18), D(2026, 12, 29), D(2027, 1, 10), "on time"),
        (D(2026, 12, 18), D(2026, 12, 30), D(2027, 1, 10), "late"),
        (D(2026, 12, 18), None, D(2026, 12, 29), "not yet made"),
        (D(2026, 12, 18), None, D(2026, 12, 30), "late (not yet made)"),
        # aware Sat 19 Dec 2026 (awareness day not counted): due Tue 29 Dec
        (D(2026, 12, 19), D(2026, 12, 29), D(2027, 1, 10), "on time"),
        (D(2026, 12, 19), D(2026, 12, 30), D(2027, 1, 10), "late"),
        # aware Thu 24 Dec 2026: 29, 30, 31 Dec, 4, 5 Jan -> due Tue 5 Jan 2027
        (D(2026, 12, 24), D(2027, 1, 5), D(2027, 1, 10), "on time"),
        (D(2026, 12, 24), D(2027, 1, 6), D(2027, 1, 10), "late"),
        # aware Mon 15 Jun 2026, no holidays: due Mon 22 Jun 2026
        (D(2026, 6, 15), D(2026, 6, 22), D(2026, 7, 1), "on time"),
        (D(2026, 6, 15), D(2026, 6, 23), D(2026, 7, 1), "late"),
        (D(2026, 6, 15), None, D(2026, 6, 22), "not yet made"),
        (D(2026, 6, 15), None, D(2026, 6, 23), "late (not yet made)"),
        # aware Wed 16 Apr 2025: 17, 22, 23, 24, 25 Apr (Easter) -> due Fri 25 Apr 2025
        (D(2025, 4, 16), D(2025, 4, 25), D(2025, 5, 1), "on time"),
        (D(2025, 4, 16), D(2025, 4, 28), D(2025, 5, 1), "late"),
    ],
)
def test_sin_timeliness(cal: WorkingCalendar, aware: date, submitted: date | None, as_of: date, expected: str) -> None:
    assert sin_timeliness(cal, aware, submitted, as_of) == expected


def test_sin_submitted_late_stays_late_whatever_today_is(cal: WorkingCalendar) -> None:
    assert sin_timeliness(cal, D(2026, 12, 21), D(2026, 12, 31), D(2026, 12, 31)) == "late"


def test_sin_submitted_on_time_stays_on_time_later(cal: WorkingCalendar) -> None:
    assert sin_timeliness(cal, D(2026, 12, 21), D(2026, 12, 30), D(2027, 6, 1)) == "on time"


# ------------------------------------------------------------------ hostile initials, date windows (issue 11)


@pytest.mark.parametrize("raw", ["ß", "ı", "aß", "ſ", "Ａ", "αβ"])
def test_initials_outside_a_to_z_are_refused_before_upper_casing(raw: str) -> None:
    # "ß".upper() is "SS" and "ı".upper() is "I": refused, not silently changed into other letters.
    with pytest.raises(InvalidInput, match="use 1 to 4 letters from A to Z only"):
        normalise_initials(raw)


def test_initials_with_a_control_character_are_refused_with_a_sentence() -> None:
    with pytest.raises(InvalidInput, match=r"The initials of child 2 contains a hidden control character \(U\+0000"):
        normalise_initials("A\x00", label="initials of child 2")


@pytest.mark.parametrize(("received", "expected"), [
    (date(2026, 12, 18), date(2027, 12, 18)),
    (date(2028, 2, 29), date(2029, 2, 28)),     # no 29 February in 2029
    (date(2027, 2, 28), date(2028, 2, 28)),
])
def test_one_year_after(received: date, expected: date) -> None:
    assert one_year_after(received) == expected


@pytest.mark.parametrize(("value", "message"), [
    (date(1900, 1, 1), r"The agreed date \(01 Jan 1900\) cannot be before the notification was received "
                       r"\(18 Dec 2026\)\."),
    (date(2026, 12, 17), r"\(17 Dec 2026\) cannot be before"),
    (date(2027, 12, 19), r"The agreed date \(19 Dec 2027\) is more than a year after the notification was received "
                         r"\(18 Dec 2026\): give a date on or before 18 Dec 2027\."),
    (date(2100, 1, 1), r"\(01 Jan 2100\) is more than a year after"),
])
def test_dates_outside_the_review_window_are_refused(value: date, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_date_in_review_window(value, received=date(2026, 12, 18), label="agreed date")


@pytest.mark.parametrize("value", [date(2026, 12, 18), date(2027, 1, 12), date(2027, 12, 18)])
def test_dates_inside_the_review_window_pass(value: date) -> None:
    check_date_in_review_window(value, received=date(2026, 12, 18), label="agreed date")


def test_a_corrected_received_date_cannot_follow_a_milestone_done_or_the_submission() -> None:
    done = [("Case folder created", date(2026, 12, 21)), ("Timeline agreed", date(2026, 12, 18))]
    check_received_correction(date(2026, 12, 18), done=done, submitted_to_panel=None)
    check_received_correction(date(2026, 12, 17), done=done, submitted_to_panel=date(2027, 1, 12))
    with pytest.raises(InvalidInput, match=r"cannot be received \(22 Dec 2026\) after 'Timeline agreed' was done "
                                           r"\(18 Dec 2026\)"):
        check_received_correction(date(2026, 12, 22), done=done, submitted_to_panel=None)
    with pytest.raises(InvalidInput, match=r"cannot be received \(13 Jan 2027\) after the review was submitted to "
                                           r"the Panel \(12 Jan 2027\)"):
        check_received_correction(date(2027, 1, 13), done=[], submitted_to_panel=date(2027, 1, 12))


# ------------------------------------------------------------------ correcting a completed step's date


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (D(2026, 12, 21), None),  # between the sign-off (Mon 21 Dec) and the response (Wed 23 Dec)
        (D(2026, 12, 18), "The corrected date (18 Dec 2026) cannot be before the sign-off (21 Dec 2026)."),
        (D(2026, 12, 24), "The corrected date (24 Dec 2026) cannot be after the response (23 Dec 2026)."),
        (D(2026, 12, 30), "The corrected date (30 Dec 2026) cannot be in the future."),
        (D(2026, 12, 17), "The corrected date (17 Dec 2026) cannot be before the notification was received "
                          "(18 Dec 2026)."),
        (D(2026, 12, 22), "'Step' is already recorded as done on 22 Dec 2026: there is nothing to correct."),
        (None, "Give the date 'Step' was really done."),
    ],
)
def test_check_corrected_done_date(new: date | None, message: str | None) -> None:
    def check() -> date:
        return check_corrected_done_date("Step", new, old=D(2026, 12, 22), received=D(2026, 12, 18),
                                         as_of=D(2026, 12, 29), not_before=[(D(2026, 12, 21), "the sign-off")],
                                         not_after=[(D(2026, 12, 23), "the response")])
    if message is None:
        assert check() == new
    else:
        with pytest.raises(InvalidInput) as err:
            check()
        assert str(err.value) == message
