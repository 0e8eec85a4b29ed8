"""Standard crontab expressions as APScheduler triggers.

APScheduler 3's ``CronTrigger.from_crontab`` is not standard cron: it counts Monday as
day-of-week 0 and ANDs day-of-month with day-of-week. ``man 5 crontab`` says Sunday is 0
(and 7), and that when both day fields are restricted (neither starts with ``*``) a day
matches if *either* does. This module parses the expression itself, expands the
day-of-week field into names APScheduler cannot misread, and builds an ``OrTrigger`` of two
cron triggers for the "either day field" case.

No Django imports here: settings validate schedules with it before apps are loaded.
"""

import re

from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

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

# (name, low, high, names that map to low, low+1, ...)
FIELDS = [
    ("minute", 0, 59, None),
    ("hour", 0, 23, None),
    ("day of month", 1, 31, None),
    ("month", 1, 12, MONTH_NAMES),
    ("day of week", 0, 7, DAY_NAMES),
    ("second", 0, 59, None),
]
SECOND = 5

_ITEM = re.compile(r"^(?:(\*)|(\w+)(?:-(\w+))?)(?:/(\d+))?$")


class CronError(ValueError):
    """An expression that is not valid standard cron; the message says which part."""


def _number(token, low, high, names, field):
    token = token.lower()
    if names and token in names:
        return names.index(token) + low
    if not token.isdigit():
        raise CronError(f"{field}: {token!r} is not a number{' or a name' if names else ''}")
    value = int(token)
    if not low <= value <= high:
        raise CronError(f"{field}: {value} is outside {low}-{high}")
    return value


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
            # "5/15" means 5-max/15, as cronie reads it
            end = _number(last, low, high, names, field) if last else (high if step else start)
        if end < start:
            raise CronError(f"{field}: range {item!r} runs backwards")
        step_value = int(step) if step else 1
        if step_value < 1:
            raise CronError(f"{field}: step in {item!r} must be at least 1")
        values.update(range(start, end + 1, step_value))
    if field == "day of week" and 7 in values:
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
    for index, field in enumerate(fields[-5:]):
        expand_field(field, index)
    for field in seconds:
        expand_field(field, SECOND)
    return fields


def build_trigger(expression, timezone, jitter=None):
    """An APScheduler trigger that fires exactly when standard cron would."""
    fields = normalize(expression)
    minute, hour, dom, month, dow = fields[-5:]
    second = _compress(expand_field(fields[0], SECOND)) if len(fields) == 6 else "0"
    common = {
        "second": second,
        "minute": _compress(expand_field(minute, 0)),
        "hour": _compress(expand_field(hour, 1)),
        "month": _compress(expand_field(month, 3)),
        "timezone": timezone,
    }
    days = _compress(expand_field(dom, 2))
    weekdays = ",".join(DAY_NAMES[day] for day in expand_field(dow, 4))
    dom_restricted = not dom.startswith("*")
    dow_restricted = not dow.startswith("*")
    if dom_restricted and dow_restricted:
        return OrTrigger(
            [CronTrigger(day=days, **common), CronTrigger(day_of_week=weekdays, **common)],
            jitter=jitter,
        )
    # Only one (or neither) is restricted: the other matches every day, so AND is right.
    return CronTrigger(day=days, day_of_week=weekdays, jitter=jitter, **common)


def describe(expression):
    """The expression in words, e.g. 'At 02:00 AM'; falls back to the expression."""
    from cron_descriptor import Options, get_description

    options = Options()
    options.use_24hour_time_format = True
    options.day_of_week_start_index_zero = True
    try:
        return get_description(" ".join(normalize(expression)), options)
    except Exception:  # cron-descriptor has its own error zoo; words are a nicety
        return expression


def validate(expression, timezone="UTC"):
    """Raise CronError when the expression is not valid; return the normalized text."""
    fields = normalize(expression)
    build_trigger(expression, timezone)
    return " ".join(fields)
