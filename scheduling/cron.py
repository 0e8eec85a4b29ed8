"""Standard crontab expressions as APScheduler triggers.

APScheduler 3's ``CronTrigger.from_crontab`` is not standard cron: it counts Monday as
day-of-week 0 and ANDs day-of-month with day-of-week. ``man 5 crontab`` says Sunday is 0
(and 7), and that when both day fields are restricted (neither starts with ``*``) a day
matches if *either* does. This module parses the expression itself and builds a
StandardCronTrigger: CronTriggers kept in UTC find the matching wall-clock times (with the
weekdays as names APScheduler cannot misread, and one CronTrigger per day field in the
"either day field" case), and the StandardCronTrigger places them on the local clock.

Days the clocks change
----------------------
Schedules are wall-clock times in the scheduler's time zone. When the clocks jump, this
module keeps the rules of cron itself (vixie cron and cronie, ``man 8 cron``), not those of
APScheduler or croniter. A *fixed-time* job is one whose minute and hour fields both start
without ``*`` (``30 2 * * *``, ``0,30 1-3 * * *``); every other job, ``@hourly`` included,
is a *wildcard* job.

* Clocks go forward (Berlin, last Sunday of March, 02:00 becomes 03:00):

  - a fixed-time job whose time was skipped runs once, at the moment of the change:
    ``30 2 * * *`` runs at 03:00 CEST. Several skipped times (``0,30 2 * * *``) still make
    one run. (cronie runs each skipped time, all at once; APScheduler alone would run the
    job as late as the clocks jumped, at 03:30; croniter agrees with us.)
  - a wildcard job simply has no runs in the hour that does not exist: ``*/15 2 * * *``
    does not run that day, ``*/15 * * * *`` runs at 01:45 CET and then 03:00 CEST, as
    cronie does. (croniter runs ``*/15 2 * * *`` once at 03:00.)

* Clocks go back (Berlin, last Sunday of October, 03:00 becomes 02:00 again):

  - a fixed-time job whose time comes twice runs once, on the first pass: ``30 2 * * *``
    runs at 02:30 CEST and not at 02:30 CET, as cronie does. (APScheduler and croniter
    both run it twice.)
  - a wildcard job runs on both passes: ``*/20 * * * *`` runs at 02:00, 02:20, 02:40
    CEST and again at 02:00, 02:20, 02:40 CET, as cronie and APScheduler do. (croniter
    sometimes misses a second pass: ``*/20 1 * * *`` at 01:40 in Lord Howe.)
  - a scheduler that starts during the second pass does not run the fixed-time jobs of
    the repeated hour: their time came on the first pass.

The same holds for changes of other sizes (Australia/Lord_Howe moves by 30 minutes) and in
the six-field form (seconds first; its seconds field does not make a job a wildcard one).

No Django imports here: settings validate schedules with it before apps are loaded.
"""

import random
import re
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.util import astimezone
from tzlocal import get_localzone

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# The longest each month gets (February in a leap year).
MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

# (name, low, high, names that map to low, low+1, ...)
FIELDS = [
    ("minute", 0, 59, None),
    ("hour", 0, 23, None),
    ("day of month", 1, 31, None),
    ("month", 1, 12, MONTH_NAMES),
    ("day of week", 0, 7, DAY_NAMES),
    ("second", 0, 59, None),
]
MINUTE, HOUR, DAY, MONTH, WEEKDAY, SECOND = range(6)

# ASCII only: str.isdigit() and \d also accept digits such as "²" and "٣".
_ITEM = re.compile(r"^(?:(\*)|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:/([0-9]+))?$")


class CronError(ValueError):
    """An expression that is not valid standard cron; the message says which part."""


def _number(token, low, high, names, field):
    token = token.lower()
    if names and token in names:
        return names.index(token) + low
    if not token.isdigit():
        raise CronError(f"{field}: {token!r} is not a number{' or a name' if names else ''}")
    value = _whole(token)
    if not low <= value <= high:
        raise CronError(f"{field}: {token} is outside {low}-{high}")
    return value


def _whole(digits):
    """The number an ASCII digit string spells, capped at 1000000.

    int() refuses strings over 4300 digits with a plain ValueError; no field or step needs
    more than two.
    """
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 6 else 1_000_000


def expand_field(text, field_index):
    """Return the sorted set of values a cron field matches (day of week: 7 becomes 0)."""
    field, low, high, names = FIELDS[field_index]
    values = set()
    for item in text.split(","):
        match = _ITEM.match(item.strip())
        if not match:
            raise CronError(f"{field}: {item!r} is not valid")
        star, first, last, step = match.groups()
        if star:
            start, end = low, high
        else:
            start = _number(first, low, high, names, field)
            # "5/15" means 5-max/15 (max 7 for weekdays, as in "*"): an extension that
            # croniter and node-cron share; vixie cron and cronie reject it.
            end = _number(last, low, high, names, field) if last else (high if step else start)
        if end < start:
            raise CronError(f"{field}: range {item!r} runs backwards")
        step_value = _whole(step) if step else 1
        if step_value < 1:
            raise CronError(f"{field}: step in {item!r} must be at least 1")
        values.update(range(start, end + 1, step_value))
    if field_index == WEEKDAY and 7 in values:
        values.discard(7)
        values.add(0)
    return sorted(values)


def _compress(values):
    """[1, 2, 3, 5] -> '1-3,5': shorter expressions for APScheduler to evaluate."""
    parts, run = [], []
    for value in values:
        if run and value == run[-1] + 1:
            run.append(value)
            continue
        if run:
            parts.append(_run_text(run))
        run = [value]
    parts.append(_run_text(run))
    return ",".join(parts)


def _run_text(run):
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


def _either_day(dom, dow):
    """True when cron fires on a day matching either day field (both restricted)."""
    return not dom.startswith("*") and not dow.startswith("*")


def _day_comes(days, months):
    """True when some listed day of the month exists in some listed month."""
    return min(days) <= max(MONTH_DAYS[month - 1] for month in months)


def normalize(expression):
    """Return the fields of an expression (macros expanded), or raise CronError.

    Five fields are standard cron. Six fields put seconds first (as node-cron and Quartz
    do): an extension for tests and for jobs that must run more often than each minute.
    """
    text = (expression or "").strip()
    if text.startswith("@"):
        if text.lower() not in MACROS:
            raise CronError(f"unknown macro {text!r} (known: {', '.join(sorted(MACROS))})")
        text = MACROS[text.lower()]
    fields = text.split()
    if len(fields) not in (5, 6):
        raise CronError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    seconds = fields[:-5]
    expanded = [expand_field(field, index) for index, field in enumerate(fields[-5:])]
    for field in seconds:
        expand_field(field, SECOND)
    dom, month, dow = fields[-3:]
    # With the weekday unrestricted only the day of month decides, and it may never come.
    if not _either_day(dom, dow) and not _day_comes(expanded[DAY], expanded[MONTH]):
        raise CronError(f"day of month: {dom!r} never comes in month {month!r}, so it never runs")
    return fields


class StandardCronTrigger(BaseTrigger):
    """Fires at the wall-clock times of a cron expression, by cron's rules on clock changes.

    The matching is done by CronTriggers kept in UTC, where no clock ever changes, so they
    list the matching wall-clock times as naive times: one trigger, or one per day field
    when a day matches if either field does. get_next_fire_time() then places those wall
    times on the clock of ``timezone`` as the module docstring describes. (APScheduler's
    own CronTrigger in a local zone places a skipped time by where its search happened
    to start: sometimes late, sometimes not at all.)
    """

    def __init__(self, wall_clocks, timezone, fixed_time, jitter=None):
        self.wall_clocks = wall_clocks
        self.timezone = astimezone(timezone) if timezone else get_localzone()
        self.fixed_time = fixed_time
        self.jitter = jitter

    def get_next_fire_time(self, previous_fire_time, now):
        start = _search_start(previous_fire_time, now).astimezone(self.timezone)
        fires = [self._first_pass_fire(start)]
        if not self.fixed_time and _repeated(start):
            fires.append(self._second_pass_fire(start))
        fires = [fire for fire in fires if fire is not None]
        if not fires:
            return None
        fire = min(fires, key=lambda moment: moment.timestamp())
        if self.jitter:
            fire = _later(fire, timedelta(seconds=random.uniform(0, self.jitter)))
        return fire

    def _first_pass_fire(self, start):
        """The first fire at or after start among first passes and runs at a jump forward.

        Placing each wall time on its first pass, and a skipped one at the jump, keeps
        wall-clock order, so the first matching wall time from the right place decides.
        """
        if start.fold and _repeated(start):
            # The first passes of this repeated hour are over: look from where it ends.
            change, length = _clock_change(start)
            wall = self._next_wall_time(_wall(_later(change, length)))
        else:
            # Just after a jump forward, the skipped wall times still count (at the jump).
            wall = self._next_wall_time(_wall(_later(start, -_SECOND)) + _SECOND)
        while wall is not None:
            moment = wall.replace(tzinfo=self.timezone)
            if _exists(moment):
                return moment
            change, _ = _clock_change(moment)
            if self.fixed_time:
                return change
            wall = self._next_wall_time(_wall(change))
        return None

    def _second_pass_fire(self, start):
        """The first second-pass fire at or after start, within start's repeated hour."""
        change, length = _clock_change(start)
        wall = self._next_wall_time(_wall(start) if start.fold else _wall(change))
        if wall is not None and wall < _wall(_later(change, length)):
            return wall.replace(tzinfo=self.timezone, fold=1)
        return None

    def _next_wall_time(self, wall):
        """The first matching wall-clock time at or after a naive wall-clock time."""
        found = [
            clock.get_next_fire_time(None, wall.replace(tzinfo=UTC)) for clock in self.wall_clocks
        ]
        found = [moment for moment in found if moment is not None]
        return min(found).replace(tzinfo=None) if found else None

    def __str__(self):
        clocks = " or ".join(str(clock) for clock in self.wall_clocks)
        kind = "fixed-time" if self.fixed_time else "wildcard"
        return f"{clocks} in {self.timezone} ({kind})"

    def __repr__(self):
        jitter = f", jitter={self.jitter}" if self.jitter else ""
        return f"<{type(self).__name__} ({self}{jitter})>"


_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)


def _search_start(previous_fire_time, now):
    """Where CronTrigger starts looking: now, or just after the previous fire; whole seconds."""
    start = now.astimezone(UTC)
    if previous_fire_time is not None:
        previous = previous_fire_time.astimezone(UTC)
        start = min(start, previous + _MICROSECOND)
        if start == previous:
            start += _MICROSECOND
    if start.microsecond:
        start = start.replace(microsecond=0) + _SECOND
    return start


def _later(moment, delta):
    """moment + delta as elapsed time (aware arithmetic in one zone is wall-clock arithmetic)."""
    return (moment.astimezone(UTC) + delta).astimezone(moment.tzinfo)


def _wall(moment):
    """The naive wall-clock time of an aware moment, in the moment's own zone."""
    return moment.replace(tzinfo=None)


def _exists(moment):
    """False for a wall time the clocks skipped (it does not survive a trip through UTC)."""
    wall = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return wall.replace(tzinfo=None) == moment.replace(tzinfo=None)


def _repeated(moment):
    """True for a wall time that comes twice (its two folds are different instants)."""
    return moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset()


def _clock_change(moment):
    """(when, by how much) the clocks changed around a skipped or repeated wall time.

    The wall time read with the offsets before and after the change gives two instants,
    one on either side of the change; the change is found between them by halving.
    """
    zone = moment.tzinfo
    low, high = sorted(int(moment.replace(fold=fold).timestamp()) for fold in (0, 1))
    length = timedelta(seconds=high - low)
    after = datetime.fromtimestamp(high, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, zone), length


def build_trigger(expression, timezone, jitter=None):
    """An APScheduler trigger that fires exactly when standard cron would."""
    fields = normalize(expression)
    minute, hour, dom, month, dow = fields[-5:]
    clock = {
        "second": _clock_field(fields[0], SECOND) if len(fields) == 6 else "0",
        "minute": _clock_field(minute, MINUTE),
        "hour": _clock_field(hour, HOUR),
        "month": _clock_field(month, MONTH),
        "timezone": UTC,
    }
    days, weekdays = _clock_field(dom, DAY), _clock_field(dow, WEEKDAY)
    if not _either_day(dom, dow):
        # Only one (or neither) is restricted: the other matches every day, so AND is right.
        wall_clocks = [CronTrigger(day=days, day_of_week=weekdays, **clock)]
    elif not _day_comes(expand_field(dom, DAY), expand_field(month, MONTH)):
        # "0 0 31 2 mon" is every Monday in February: a day-of-month trigger that never
        # fires would search up to the year 9999 on every call.
        wall_clocks = [CronTrigger(day_of_week=weekdays, **clock)]
    else:
        wall_clocks = [CronTrigger(day=days, **clock), CronTrigger(day_of_week=weekdays, **clock)]
    fixed_time = not minute.startswith("*") and not hour.startswith("*")
    return StandardCronTrigger(wall_clocks, timezone, fixed_time, jitter)


def _clock_field(text, field_index):
    """A field as CronTrigger should read it: '*', '1-3,5', or weekday names ('sun,mon')."""
    values = expand_field(text, field_index)
    _, low, high, _ = FIELDS[field_index]
    if len(values) == (7 if field_index == WEEKDAY else high - low + 1):
        return "*"
    if field_index == WEEKDAY:
        return ",".join(DAY_NAMES[day] for day in values)
    return _compress(values)


def describe(expression):
    """The expression in words, e.g. 'At 02:00'; falls back to the expression."""
    from cron_descriptor import ExpressionDescriptor, Options, get_description

    options = Options()
    options.use_24hour_time_format = True
    options.day_of_week_start_index_zero = True
    try:
        *clock, dom, month, dow = normalize(expression)
        dom, dow, weekdays_apart = _describable_days(dom, dow)
        words = get_description(" ".join([*clock, dom, month, dow]), options)
        if weekdays_apart:
            words += ExpressionDescriptor(
                f"0 0 * * {weekdays_apart}", options
            ).get_day_of_week_description()
        return words
    except Exception:  # cron-descriptor has its own error zoo; words are a nicety
        return expression


def _describable_days(dom, dow):
    """The day fields rewritten so cron-descriptor reads them as cron does.

    cron-descriptor reads steps of the weekday field its own way ("fri/2" is "every 2
    weeks" to it) and says "or" whenever both day fields are not "*". So the weekday
    becomes plain numbers, a field that allows every day becomes "*", and when cron ANDs
    two restricted-looking fields ("*/2 * 1") the weekday is returned apart, to be
    described after the rest.
    """
    days, weekdays = expand_field(dom, DAY), expand_field(dow, WEEKDAY)
    either = _either_day(dom, dow)
    if either and (len(days) == 31 or len(weekdays) == 7):
        return "*", "*", None
    dom = "*" if len(days) == 31 else dom
    dow = "*" if len(weekdays) == 7 else _weekday_text(weekdays)
    if not either and dom != "*" and dow != "*":
        return dom, "*", dow
    return dom, dow, None


def _weekday_text(weekdays):
    """[0, 2, 4, 6] -> '2,4,6,7' and [1, 2, 3, 4, 5] -> '1-5', in the order people say them.

    Sunday goes last (as 7) when Saturday is there, and only runs of three days or more
    become ranges: "Saturday and Sunday", "Friday through Sunday".
    """
    if weekdays[0] == 0 and weekdays[-1] == 6:
        weekdays = [*weekdays[1:], 7]
    parts = []
    for part in _compress(weekdays).split(","):
        first, _, last = part.partition("-")
        parts.extend([first, last] if last and int(last) - int(first) == 1 else [part])
    return ",".join(parts)


def validate(expression, timezone="UTC"):
    """Raise CronError when the expression is not valid; return the normalized text."""
    fields = normalize(expression)
    build_trigger(expression, timezone)
    return " ".join(fields)
