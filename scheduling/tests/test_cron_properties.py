"""Properties of build_trigger() over random expressions: hypothesis writes them.

Valid expressions use every form of standard cron. Three forms are left out because
croniter, the oracle, reads them differently from cron.py (test_cron.py pins cron.py's
reading): a weekday step after one day ("1/3", croniter stops at Saturday), the weekday
range "7-7" (croniter reads every day) and a day field that does not start with "*" but
that croniter reads as "*" ("0,*", "0-3,*/2,*/5"): cron goes by the first character alone,
so the field counts as restricted and the two day fields are ORed; croniter ANDs them.
"""

from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, croniter
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scheduling.cron import MONTH_NAMES, CronError, build_trigger, describe, validate
from scheduling.tests.test_cron import CLOCK_CHANGES, cron_times, fire_times

DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


@st.composite
def shown(draw, value, low, names):
    """A field value as written: its number, or its name in any case."""
    if names and value - low < len(names) and draw(st.booleans()):
        name = names[value - low]
        return draw(st.sampled_from([name, name.upper(), name.title()]))
    return str(value)


@st.composite
def items(draw, low, high, names=None, weekday=False):
    """One comma-separated item: *, */step, n, a-b, a-b/step or (not for weekdays) n/step."""
    first, last = sorted([draw(st.integers(low, high)), draw(st.integers(low, high))])
    if weekday and first == 7:
        first = last = 7  # a single 7, never the range "7-7"
    step = draw(st.integers(1, high - low + 1))
    start, end = draw(shown(first, low, names)), draw(shown(last, low, names))
    forms = ["*", f"*/{step}", start]
    if first < last:
        forms += [f"{start}-{end}", f"{start}-{end}/{step}"]
    if not weekday:
        forms.append(f"{start}/{step}")
    return draw(st.sampled_from(forms))


def field(low, high, names=None, weekday=False):
    return st.lists(items(low, high, names, weekday), min_size=1, max_size=3).map(",".join)


expressions = st.tuples(
    field(0, 59),
    field(0, 23),
    field(1, 31),
    field(1, 12, MONTH_NAMES),
    field(0, 7, DAY_NAMES, weekday=True),
).map(" ".join)

starts = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)).map(
    # Never exactly on a second: croniter looks after its start, the trigger from it.
    lambda moment: moment.replace(microsecond=max(moment.microsecond, 1), tzinfo=UTC)
)

CRONISH = [*"*/-, 0123456789", "7", "12", "31", "59", "60", "99", "mon", "JAN", "sun", "@"]
CRONISH += ["@daily", "@reboot", "L", "#", "?", "W", "\t", "\n", "²", "٣", "-1", "*/0", "1-"]
junk = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(CRONISH), max_size=20).map("".join),
)


def croniter_reads_day_fields_as_cron_does(expression):
    """False when croniter takes a day field for "*" though it does not start with one."""
    fields, expanded = expression.split(), croniter(expression).expanded
    return all(fields[index].startswith("*") or "*" not in expanded[index] for index in (2, 4))


@settings(max_examples=200, deadline=None)
@given(expression=expressions, start=starts)
def test_a_valid_expression_fires_when_croniter_does(expression, start):
    assume(croniter_reads_day_fields_as_cron_does(expression))
    schedule = croniter(expression, start, day_or=True, implement_cron_bug=True)
    try:
        expected = [schedule.get_next(datetime).astimezone(UTC) for _ in range(5)]
    except CroniterBadDateError:  # a day of month that never comes, as "30 2"
        try:
            build_trigger(expression, UTC)
        except CronError as refused:
            assert "never comes" in str(refused)
            return
        raise AssertionError(f"{expression!r} never runs but was accepted") from None
    assert fire_times(expression, UTC, start, 5) == expected


@settings(max_examples=100, deadline=None)
@given(
    expression=expressions,
    change=st.sampled_from(CLOCK_CHANGES),
    shift=st.integers(-180, 180),
)
def test_a_valid_expression_keeps_crons_rules_around_clock_changes(expression, change, shift):
    assume(croniter_reads_day_fields_as_cron_does(expression))
    zone, near = change
    start = near + timedelta(minutes=shift)
    try:
        expected = cron_times(expression, zone, start, 5)
    except CroniterBadDateError:
        return  # never runs: the test above checks it is refused
    assert fire_times(expression, zone, start, 5) == expected


@settings(max_examples=300, deadline=None)
@given(text=junk)
def test_junk_is_refused_with_a_cron_error_or_builds_a_working_trigger(text):
    try:
        trigger = build_trigger(text, "Europe/Berlin")
    except CronError:
        return
    fire = trigger.get_next_fire_time(None, datetime(2025, 3, 30, tzinfo=UTC))
    assert fire is None or fire > datetime(2025, 3, 29, 23, 59, tzinfo=UTC)
    assert validate(text)


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(junk, expressions))
def test_words_never_fail(text):
    assert isinstance(describe(text), str)
