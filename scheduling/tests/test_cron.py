"""build_trigger() fires when standard cron does.

croniter is the oracle for which days and times match (read as cron reads the day fields:
``day_or=True`` for the "either day field" rule and ``implement_cron_bug=True`` so that a
field starting with ``*`` does not count as restricted). On the days the clocks change,
croniter's own handling differs from cron's; the module docstring of scheduling/cron.py
says what this project promises, the tests under "Days the clocks change" pin each rule
with times written out by hand (and show where croniter differs), and cron_times() below
applies the rules to croniter's wall-clock times for the comparisons in zones with
daylight saving time.
"""

import pickle
from datetime import UTC, datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from scheduling.cron import MACROS, CronError, build_trigger, describe, expand_field, validate

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # clocks move by 30 minutes
FIRES = 20


def fire_times(expression, zone, start, count=FIRES):
    """The next `count` fire times, in UTC, as the scheduler walks the trigger."""
    trigger = build_trigger(expression, zone)
    times = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and len(times) < count:
        times.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire)
    return times


def croniter_times(expression, zone, start, count=FIRES):
    """croniter's next `count` times after start, in UTC."""
    schedule = croniter(expression, start.astimezone(zone), day_or=True, implement_cron_bug=True)
    return [schedule.get_next(datetime).astimezone(UTC) for _ in range(count)]


def cron_times(expression, zone, start, count=FIRES):
    """What cron runs by the rules of the cron.py docstring, built on croniter.

    croniter lists the matching wall-clock times with no time zone (so with no guesses of
    its own about clock changes); each is then placed on the clock of the zone. A wall
    time that comes once runs then. One that comes twice runs on its first pass, and for
    a wildcard job on its second pass too. One that was skipped runs at the jump for a
    fixed-time job and not at all for a wildcard job.
    """
    minute, hour = expression.split()[:2]
    fixed_time = not minute.startswith("*") and not hour.startswith("*")
    # Three hours either side: wall-clock order and time order differ by at most one
    # clock change, and no change here is longer.
    around = timedelta(hours=3)
    walls = croniter(
        expression, wall_time(start, zone) - around, day_or=True, implement_cron_bug=True
    )
    times = set()
    while True:
        wall = walls.get_next(datetime)
        times.update(moment for moment in placed(wall, zone, fixed_time) if moment >= start)
        if len(times) >= count and wall > wall_time(sorted(times)[count - 1], zone) + around:
            return sorted(times)[:count]


def placed(wall, zone, fixed_time):
    """The instants (UTC) at which cron runs a job whose wall-clock time is `wall`."""
    first, second = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
    if wall_time(first, zone) != wall:
        return [jump_over(wall, zone)] if fixed_time else []
    if first.utcoffset() != second.utcoffset():
        return [first.astimezone(UTC)] + ([] if fixed_time else [second.astimezone(UTC)])
    return [first.astimezone(UTC)]


def jump_over(wall, zone):
    """When the clocks jumped over a skipped wall time, found a minute at a time."""
    moment = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # just before the jump
    before = moment.astimezone(zone).utcoffset()
    while moment.astimezone(zone).utcoffset() == before:
        moment += timedelta(minutes=1)
    return moment


def wall_time(moment, zone):
    """What the clocks in zone show at moment (via UTC: astimezone() to its own zone is a no-op)."""
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None)


def at(zone, *fields):
    """A wall time in zone (the first pass of a repeated one), as the UTC instant it is.

    UTC because Python never finds an aware datetime in a repeated hour equal to one in
    another zone.
    """
    return datetime(*fields, tzinfo=zone).astimezone(UTC)


def utc(*fields):
    return datetime(*fields, tzinfo=UTC)


# --- Agreement with croniter -------------------------------------------------------------

# Every kind of field: lists, ranges, steps, "N/step", names in any case, Sunday as 0 and
# 7, day fields that start with "*" (ANDed, as cron does) or not (ORed).
MINUTES = ["0", "*/15", "5,35", "10-20/5", "59", "7/20", "*/7", "1-3,30"]
HOURS = ["*", "0", "2", "9-17", "*/6", "1,13,22", "3/4", "23"]
DAYS = ["*", "1", "13", "1-7", "*/10", "29,30,31", "31", "15-20/2", "5/9", "*/2"]
# Months whose lengths let every day in DAYS come (February alone is tested apart).
MONTHS = ["*", "jan-mar", "*/3", "6,12", "OCT-Dec", "4-11/2", "7", "1,feb,3"]
# Not "N/step" nor "7-7": croniter reads "1/3" as 1-6/3 and "7-7" as every day, where
# cron.py reads 1-7/3 and Sunday (pinned by hand below).
WEEKDAYS = ["*", "0", "7", "5", "1-5", "mon-fri", "sun", "sat,SUN", "5-7", "*/2", "0-6", "Fri"]
WEEKDAYS += ["6,0", "tue-thu", "0-7/3", "*/3", "1,3,5"]


def grid():
    """262 expressions: every pair of day fields, months with them, times of day."""
    expressions = []
    for index, (day, weekday) in enumerate(product(DAYS, WEEKDAYS)):
        expressions.append(
            f"{MINUTES[index % 8]} {HOURS[index // 8 % 8]} {day} {MONTHS[index % 7]} {weekday}"
        )
    for index, (month, day) in enumerate(product(["2", "feb", "*/2", "11-12"], DAYS[:8])):
        if month.lower() in ("2", "feb") and day in ("29,30,31", "31"):
            continue  # never comes: refused, see "0 0 30 2 *" under Refusals
        expressions.append(f"0 12 {day} {month} {WEEKDAYS[index % len(WEEKDAYS)]}")
    for minute, hour in product(MINUTES, HOURS):
        expressions.append(f"{minute} {hour} * * *")
    return expressions


HAND_PICKED = [
    "0 0 13 * 5",
    "0 9 1-7 * 1",
    "*/15 9-17 * * mon-fri",
    "0 0 29 2 *",
    "0 0 31 * *",
    "5 4 * * sun",
    "0 22 * * 1-5",
    "0 2 * * *",
    "0 3 * * 0",
    "0 4 1 * *",
    "30 4 * * 0",
    "0 3 2 * *",
    "0 1 * * *",
    "0 0 1-7 * */2",
    "0 0 */2 * 1",
    "0 0 1 jan,jul 7",
    "* * * * *",
]


@pytest.mark.parametrize("expression", grid())
def test_it_fires_when_croniter_does_in_utc(expression):
    for start in (utc(2025, 1, 1, 0, 0, 30), utc(2027, 12, 31, 23, 59, 30)):
        assert fire_times(expression, UTC, start) == croniter_times(expression, UTC, start)


@pytest.mark.parametrize("expression", HAND_PICKED)
@pytest.mark.parametrize("zone", [UTC, BERLIN, NEW_YORK, LORD_HOWE], ids=str)
def test_hand_picked_expressions_fire_when_cron_does(expression, zone):
    for start in (
        utc(2024, 2, 27, 12, 0, 30),
        utc(2025, 3, 29, 0, 0, 30),
        utc(2025, 10, 4, 7, 7, 7),
    ):
        assert fire_times(expression, zone, start) == cron_times(expression, zone, start)


# Times of day around the changes, fixed-time and wildcard, every day.
CLOCK_MINUTES = ["0", "30", "15,45", "*/20", "*/7", "59", "10-40/10"]
CLOCK_HOURS = ["*", "1", "2", "3", "1-3", "*/2", "0,2", "1/12"]
# About 90 minutes before each change (local times in comments).
CLOCK_CHANGES = [
    (BERLIN, utc(2025, 3, 29, 23, 30, 30)),  # 02:00 CET becomes 03:00 CEST
    (BERLIN, utc(2025, 10, 25, 23, 30, 30)),  # 03:00 CEST becomes 02:00 CET
    (NEW_YORK, utc(2025, 3, 9, 5, 30, 30)),  # 02:00 EST becomes 03:00 EDT
    (NEW_YORK, utc(2025, 11, 2, 4, 30, 30)),  # 02:00 EDT becomes 01:00 EST
    (LORD_HOWE, utc(2025, 4, 5, 13, 30, 30)),  # 02:00 +11 becomes 01:30 +10:30
    (LORD_HOWE, utc(2025, 10, 4, 14, 0, 30)),  # 02:00 +10:30 becomes 02:30 +11
]


# The change days are Sundays: some with days, weekdays or either.
CLOCK_DAYS = ["* * 0", "* * 1-5", "26,30 * sat", "* 3,10 *", "6,9 * 0", "* * */2", "5 4 *"]


def clock_grid():
    expressions = [f"{m} {h} * * *" for m, h in product(CLOCK_MINUTES, CLOCK_HOURS)]
    for index, days in enumerate(CLOCK_DAYS * 2):
        expressions.append(f"{CLOCK_MINUTES[index % 7]} {CLOCK_HOURS[index % 8]} {days}")
    return expressions


@pytest.mark.parametrize("expression", clock_grid())
def test_it_fires_when_cron_does_across_clock_changes(expression):
    for zone, start in CLOCK_CHANGES:
        assert fire_times(expression, zone, start) == cron_times(expression, zone, start), zone


# --- Fields as cron reads them, pinned by hand --------------------------------------------


def test_a_step_after_one_weekday_runs_up_to_sunday_as_7():
    start = utc(2025, 1, 1)  # a Wednesday
    days = [fire.strftime("%a %d") for fire in fire_times("0 0 * * 1/3", UTC, start, 6)]
    assert days == ["Thu 02", "Sun 05", "Mon 06", "Thu 09", "Sun 12", "Mon 13"]


def test_a_step_after_one_number_runs_up_to_the_field_maximum():
    assert expand_field("5/15", 0) == [5, 20, 35, 50]
    assert expand_field("fri/2", 4) == [0, 5]


def test_a_weekday_range_from_7_to_7_is_sunday():
    days = {fire.strftime("%a") for fire in fire_times("0 0 * * 7-7", UTC, utc(2025, 1, 1), 5)}
    assert days == {"Sun"}


def test_sunday_is_both_0_and_7():
    assert expand_field("0", 4) == expand_field("7", 4) == expand_field("sun", 4) == [0]
    assert expand_field("5-7", 4) == [0, 5, 6]


def test_a_day_in_either_day_field_is_enough_when_both_are_restricted():
    days = [fire.strftime("%a %d") for fire in fire_times("0 0 13 * 5", UTC, utc(2026, 1, 1), 3)]
    assert days == ["Fri 02", "Fri 09", "Tue 13"]


def test_a_day_field_starting_with_a_star_does_not_count_as_restricted():
    days = [fire.strftime("%a %d") for fire in fire_times("0 0 */2 * 1", UTC, utc(2026, 1, 1), 3)]
    assert days == ["Mon 05", "Mon 19", "Mon 09"]  # Mondays on odd days: not Feb 2


def test_a_day_field_counts_as_restricted_by_its_first_character_alone():
    # As in cron: "0,*" does not start with "*", so day 1 OR any weekday: every day.
    days = [fire.day for fire in fire_times("0 0 1 * 0,*", UTC, utc(2026, 1, 1, 0, 0, 30), 3)]
    assert days == [2, 3, 4]


def test_a_day_of_month_that_never_comes_still_allows_its_weekdays():
    days = [
        fire.strftime("%a %d %b") for fire in fire_times("0 0 31 2 mon", UTC, utc(2026, 1, 1), 3)
    ]
    assert days == ["Mon 02 Feb", "Mon 09 Feb", "Mon 16 Feb"]


def test_the_sixth_field_in_front_is_seconds():
    fires = fire_times("*/20 * * * * *", UTC, utc(2025, 1, 1, 0, 0, 1), 4)
    assert fires == [utc(2025, 1, 1, 0, 0, second) for second in (20, 40)] + [
        utc(2025, 1, 1, 0, 1, 0),
        utc(2025, 1, 1, 0, 1, 20),
    ]


def test_jitter_delays_a_run_by_at_most_the_jitter():
    trigger = build_trigger("30 2 * * *", BERLIN, jitter=60)
    for start in (utc(2025, 3, 29, 12), utc(2025, 10, 25, 12), utc(2025, 6, 1)):
        on_time = fire_times("30 2 * * *", BERLIN, start, 1)[0]
        fire = trigger.get_next_fire_time(None, start)
        assert on_time <= fire <= on_time + timedelta(seconds=60)


def test_a_trigger_keeps_its_clock_change_rules_through_pickling():
    # The job store pickles triggers.
    trigger = pickle.loads(pickle.dumps(build_trigger("30 2 * * *", BERLIN)))
    first = trigger.get_next_fire_time(None, utc(2025, 10, 26))
    assert trigger.get_next_fire_time(first, first) == at(BERLIN, 2025, 10, 27, 2, 30)


# --- Days the clocks change --------------------------------------------------------------


def test_a_fixed_time_skipped_when_clocks_go_forward_runs_at_the_change():
    fires = fire_times("30 2 * * *", BERLIN, at(BERLIN, 2025, 3, 29, 12), 2)
    assert fires == [at(BERLIN, 2025, 3, 30, 3, 0), at(BERLIN, 2025, 3, 31, 2, 30)]


def test_croniter_agrees_on_a_skipped_fixed_time():
    start = at(BERLIN, 2025, 3, 29, 12)
    assert croniter_times("30 2 * * *", BERLIN, start, 1) == [at(BERLIN, 2025, 3, 30, 3, 0)]


def test_several_skipped_fixed_times_make_one_run_at_the_change():
    fires = fire_times("0,30 2 * * *", BERLIN, at(BERLIN, 2025, 3, 29, 12), 3)
    assert fires == [
        at(BERLIN, 2025, 3, 30, 3, 0),
        at(BERLIN, 2025, 3, 31, 2, 0),
        at(BERLIN, 2025, 3, 31, 2, 30),
    ]


def test_a_skipped_fixed_time_runs_before_the_next_real_one():
    fires = fire_times("30 2,3 * * *", BERLIN, at(BERLIN, 2025, 3, 29, 12), 3)
    assert fires == [
        at(BERLIN, 2025, 3, 30, 3, 0),
        at(BERLIN, 2025, 3, 30, 3, 30),
        at(BERLIN, 2025, 3, 31, 2, 30),
    ]


def test_a_wildcard_job_has_no_runs_in_the_hour_that_does_not_exist():
    fires = fire_times("*/15 2 * * *", BERLIN, at(BERLIN, 2025, 3, 29, 12), 1)
    assert fires == [at(BERLIN, 2025, 3, 31, 2, 0)]


def test_croniter_alone_would_run_a_skipped_wildcard_hour_once():
    start = at(BERLIN, 2025, 3, 29, 12)
    assert croniter_times("*/15 2 * * *", BERLIN, start, 1) == [at(BERLIN, 2025, 3, 30, 3, 0)]


def test_a_wildcard_job_follows_the_clock_over_the_jump():
    fires = fire_times("*/15 * * * *", BERLIN, at(BERLIN, 2025, 3, 30, 1, 40), 3)
    assert fires == [
        at(BERLIN, 2025, 3, 30, 1, 45),
        at(BERLIN, 2025, 3, 30, 3, 0),
        at(BERLIN, 2025, 3, 30, 3, 15),
    ]


def test_a_fixed_time_repeated_when_clocks_go_back_runs_once_on_the_first_pass():
    fires = fire_times("30 2 * * *", BERLIN, at(BERLIN, 2025, 10, 25, 12), 3)
    assert fires == [
        at(BERLIN, 2025, 10, 26, 2, 30),  # 02:30 CEST, 00:30 UTC
        at(BERLIN, 2025, 10, 27, 2, 30),
        at(BERLIN, 2025, 10, 28, 2, 30),
    ]
    assert fires[0] == utc(2025, 10, 26, 0, 30)


def test_croniter_alone_would_run_a_repeated_fixed_time_twice():
    fires = croniter_times("30 2 * * *", BERLIN, at(BERLIN, 2025, 10, 25, 12), 2)
    assert fires == [utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1, 30)]


def test_a_start_during_the_repeated_hour_does_not_repeat_a_fixed_time():
    second_pass_0210 = utc(2025, 10, 26, 1, 10)  # 02:10 CET, after 02:30 CEST
    assert fire_times("30 2 * * *", BERLIN, second_pass_0210, 1) == [
        at(BERLIN, 2025, 10, 27, 2, 30)
    ]


def test_a_wildcard_job_runs_on_both_passes_of_the_repeated_hour():
    fires = fire_times("*/20 * * * *", BERLIN, at(BERLIN, 2025, 10, 26, 1, 50), 7)
    assert fires == [
        utc(2025, 10, 26, 0, 0),  # 02:00 CEST
        utc(2025, 10, 26, 0, 20),
        utc(2025, 10, 26, 0, 40),
        utc(2025, 10, 26, 1, 0),  # 02:00 CET
        utc(2025, 10, 26, 1, 20),
        utc(2025, 10, 26, 1, 40),
        utc(2025, 10, 26, 2, 0),  # 03:00 CET
    ]


def test_hourly_is_a_wildcard_job_and_runs_on_both_passes():
    fires = fire_times("@hourly", NEW_YORK, at(NEW_YORK, 2025, 11, 2, 0, 30), 3)
    assert fires == [utc(2025, 11, 2, 5, 0), utc(2025, 11, 2, 6, 0), utc(2025, 11, 2, 7, 0)]


def test_new_york_runs_a_repeated_fixed_time_once():
    fires = fire_times("30 1 * * *", NEW_YORK, at(NEW_YORK, 2025, 11, 1, 12), 2)
    assert fires == [utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)]


def test_new_york_runs_a_skipped_fixed_time_at_three():
    fires = fire_times("30 2 * * *", NEW_YORK, at(NEW_YORK, 2025, 3, 8, 12), 2)
    assert fires == [at(NEW_YORK, 2025, 3, 9, 3, 0), at(NEW_YORK, 2025, 3, 10, 2, 30)]


def test_lord_howe_runs_a_time_skipped_by_half_an_hour_at_the_change():
    fires = fire_times("15 2 * * *", LORD_HOWE, at(LORD_HOWE, 2025, 10, 4, 12), 2)
    assert fires == [at(LORD_HOWE, 2025, 10, 5, 2, 30), at(LORD_HOWE, 2025, 10, 6, 2, 15)]


def test_lord_howe_keeps_the_half_of_the_hour_that_was_not_skipped():
    fires = fire_times("*/10 2 * * *", LORD_HOWE, at(LORD_HOWE, 2025, 10, 5, 1), 3)
    assert fires == [
        at(LORD_HOWE, 2025, 10, 5, 2, 30),
        at(LORD_HOWE, 2025, 10, 5, 2, 40),
        at(LORD_HOWE, 2025, 10, 5, 2, 50),
    ]


def test_lord_howe_runs_a_fixed_time_in_the_repeated_half_hour_once():
    fires = fire_times("45 1 * * *", LORD_HOWE, at(LORD_HOWE, 2025, 4, 5, 12), 2)
    assert fires == [utc(2025, 4, 5, 14, 45), utc(2025, 4, 6, 15, 15)]


def test_lord_howe_runs_a_wildcard_job_on_both_passes_of_the_repeated_half_hour():
    fires = fire_times("*/10 1 * * *", LORD_HOWE, at(LORD_HOWE, 2025, 4, 6, 1, 25), 6)
    assert [fire.astimezone(LORD_HOWE).strftime("%H:%M%z") for fire in fires] == [
        "01:30+1100",
        "01:40+1100",
        "01:50+1100",
        "01:30+1030",
        "01:40+1030",
        "01:50+1030",
    ]


def test_seconds_do_not_make_a_fixed_time_a_wildcard_one():
    fires = fire_times("*/20 30 2 * * *", BERLIN, at(BERLIN, 2025, 3, 29, 12), 4)
    assert fires[:3] == [at(BERLIN, 2025, 3, 30, 3, 0)] + [
        at(BERLIN, 2025, 3, 31, 2, 30, second) for second in (0, 20)
    ]


def test_the_default_schedules_run_once_on_both_change_days_in_berlin():
    for expression in ("0 2 * * *", "0 1 * * *", "0 3 * * 0", "30 4 * * 0"):
        for day in (datetime(2025, 3, 30), datetime(2025, 10, 26)):
            start = at(BERLIN, day.year, day.month, day.day)
            fires = fire_times(expression, BERLIN, start, 2)
            on_the_day = [fire for fire in fires if fire.astimezone(BERLIN).date() == day.date()]
            assert len(on_the_day) == 1, (expression, day)


# --- Macros ------------------------------------------------------------------------------


@pytest.mark.parametrize("macro", sorted(MACROS))
def test_a_macro_fires_as_croniter_does(macro):
    start = utc(2025, 1, 1, 0, 0, 30)
    assert fire_times(macro, UTC, start, 5) == croniter_times(macro, UTC, start, 5)


@pytest.mark.parametrize(
    ("macro", "first"),
    [
        ("@yearly", utc(2026, 1, 1)),
        ("@annually", utc(2026, 1, 1)),
        ("@monthly", utc(2025, 2, 1)),
        ("@weekly", utc(2025, 1, 5)),  # the first Sunday
        ("@daily", utc(2025, 1, 2)),
        ("@midnight", utc(2025, 1, 2)),
        ("@hourly", utc(2025, 1, 1, 1)),
    ],
)
def test_a_macro_first_fires_where_its_name_says(macro, first):
    assert fire_times(macro, UTC, utc(2025, 1, 1, 0, 0, 30), 1) == [first]


def test_macros_ignore_case_and_surrounding_spaces():
    assert validate("  @Daily ") == "0 0 * * *"


# --- Refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("61 * * * *", "minute: 61 is outside 0-59"),
        ("* * * *", "expected 5 fields (minute hour day month weekday), got 4"),
        ("* * 32 * *", "day of month: 32 is outside 1-31"),
        ("* * * * 8", "day of week: 8 is outside 0-7"),
        ("5-1 * * * *", "minute: range '5-1' runs backwards"),
        ("@reboot", "unknown macro '@reboot'"),
        ("", "got 0"),
        ("   ", "got 0"),
        ("*/0 * * * *", "minute: step in '*/0' must be at least 1"),
        ("* 24 * * *", "hour: 24 is outside 0-23"),
        ("* * * 13 *", "month: 13 is outside 1-12"),
        ("* * 0 * *", "day of month: 0 is outside 1-31"),
        ("* * * * funday", "day of week: 'funday' is not a number or a name"),
        ("* * * smarch *", "month: 'smarch' is not a number or a name"),
        ("mon * * * *", "minute: 'mon' is not a number"),
        ("1,,2 * * * *", "minute: '' is not valid"),
        ("-1 * * * *", "minute: '-1' is not valid"),
        ("*/ * * * *", "minute: '*/' is not valid"),
        ("1-2-3 * * * *", "minute: '1-2-3' is not valid"),
        ("² * * * *", "minute: '²' is not valid"),
        ("* * * * * * *", "got 7"),
        ("every day at noon please", "minute: 'every' is not a number"),
        ("0 0 30 2 *", "day of month: '30' never comes in month '2'"),
        ("0 0 31 apr,jun,sep,nov *", "never comes"),
        ("61 * * * * *", "second: 61 is outside 0-59"),
    ],
)
def test_it_refuses_a_bad_expression_naming_what_is_wrong(expression, message):
    with pytest.raises(CronError) as refused:
        build_trigger(expression, UTC)
    assert message in str(refused.value)


def test_validate_refuses_what_build_trigger_refuses():
    with pytest.raises(CronError, match="minute: 61"):
        validate("61 * * * *", BERLIN)


def test_validate_returns_the_expression_with_macros_expanded():
    assert validate("@weekly", "Europe/Berlin") == "0 0 * * 0"
    assert validate(" 0  2 * * * ") == "0 2 * * *"


# --- In words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("0 2 * * *", "At 02:00"),
        ("0 3 * * 0", "At 03:00, only on Sunday"),
        ("0 3 * * 7", "At 03:00, only on Sunday"),
        ("5 4 * * sun", "At 04:05, only on Sunday"),
        ("@weekly", "At 00:00, only on Sunday"),
        ("0 4 1 * *", "At 04:00, on day 1 of the month"),
        ("0 22 * * 1-5", "At 22:00, Monday through Friday"),
        (
            "*/15 9-17 * * mon-fri",
            "Every 15 minutes, between 09:00 and 17:59, Monday through Friday",
        ),
        ("0 0 * * 5-7", "At 00:00, Friday through Sunday"),
        ("0 0 * * 6,0", "At 00:00, only on Saturday and Sunday"),
        ("0 0 13 * 5", "At 00:00, on day 13 of the month, or on Friday"),
    ],
)
def test_it_describes_an_expression_in_words(expression, words):
    assert describe(expression) == words


def test_words_say_every_day_when_the_weekday_field_allows_all_seven():
    assert describe("0 0 * * 0-7") == "At 00:00"
    assert describe("0 0 13 * 0-7") == "At 00:00"


def test_words_read_a_weekday_step_as_cron_does():
    assert describe("0 0 * * */2") == "At 00:00, only on Tuesday, Thursday, Saturday, and Sunday"


def test_words_say_only_when_cron_ands_the_day_fields():
    assert describe("0 0 */2 * 1") == "At 00:00, every 2 days, only on Monday"


def test_words_fall_back_to_the_expression_when_it_is_not_valid():
    assert describe("61 * * * *") == "61 * * * *"
