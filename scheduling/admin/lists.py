"""What the long admin lists share: filters that cost no query, and a paginator that
does not COUNT a million rows on every page load.

The task history grows by every run of every job; the admin must stay fast at a million
rows. Django's defaults would hurt there in three places: the "N of M" total (a second
COUNT, switched off with show_full_result_count = False), the paginator's own COUNT of the
filtered rows (CappedCountPaginator below), and filters that list the distinct values of a
column (JobFilter takes the job names from the registry instead).
"""

from datetime import date, datetime, time, timedelta

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.functional import cached_property

from scheduling import registry


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows; beyond that the count is an estimate.

    An unfiltered list on PostgreSQL takes the planner's row estimate of the table
    (pg_class.reltuples), which costs nothing. Otherwise the rows are counted up to CAP + 1
    (a LIMIT inside the COUNT, so the scan stops there) and a longer list says "more than
    CAP". Pages past the cap stay reachable with ?p=, just not linked.
    """

    CAP = 10_000

    @cached_property
    def count(self):
        rows = self.object_list
        if not hasattr(rows, "query"):
            return len(rows)
        if connection.vendor == "postgresql" and not rows.query.has_filters():
            estimate = _table_estimate(rows.model._meta.db_table)
            if estimate > self.CAP:
                self.count_label = f"about {estimate:,}"
                return estimate
        counted = rows.order_by()[: self.CAP + 1].count()
        if counted > self.CAP:
            self.count_label = f"more than {self.CAP:,}"
        return counted

    count_label = ""  # set when the count is not exact; the pagination template shows it


def _table_estimate(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table]
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] and row[0] > 0 else 0


class JobFilter(admin.SimpleListFilter):
    """Filter by job, choices from the registry: no DISTINCT over the history."""

    title = "job"
    parameter_name = "task_name"

    def lookups(self, request, model_admin):
        return [(job.name, job.title) for job in registry.all_jobs()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(task_name=self.value())
        return queryset


class DateRangeFilter(admin.FieldListFilter):
    """From/to dates (both inclusive, local time) plus quick ranges.

    Filters with >= start of the first day and < start of the day after the last, so the
    index on the date column is used.
    """

    template = "admin/scheduling/date_range_filter.html"
    QUICK = [("Today", 0), ("Past 7 days", 6), ("Past 30 days", 29)]

    # Dates whose day bounds every time zone and database can hold: "9999-12-31" made the
    # day after overflow, a 500 page (with DEBUG on, one showing the settings).
    EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.from_param = f"{field_path}_from"
        self.to_param = f"{field_path}_to"
        self.rejected = []
        super().__init__(field, request, params, model, model_admin, field_path)
        self.start = self._date(self.from_param)
        self.end = self._date(self.to_param)

    def expected_parameters(self):
        return [self.from_param, self.to_param]

    def _date(self, param):
        """The day asked for, or None: nothing asked, or a value it cannot use (rejected)."""
        value = self.used_parameters.get(param)
        if isinstance(value, list):
            value = value[-1] if value else None
        if not value:
            return None
        try:
            day = parse_date(value)
        except ValueError:  # the shape of a date, not a real one: "2026-13-45"
            day = None
        if day is None or not self.EARLIEST <= day <= self.LATEST:
            self.rejected.append(value)
            return None
        return day

    def queryset(self, request, queryset):
        for value in self.rejected:
            messages.warning(
                request,
                f"{value!r} is not a date between {self.EARLIEST} and {self.LATEST} "
                f"(YYYY-MM-DD): the {self.title} filter left it out.",
            )
        if self.start:
            queryset = queryset.filter(**{f"{self.field_path}__gte": _day_start(self.start)})
        if self.end:
            next_day = self.end + timedelta(days=1)
            queryset = queryset.filter(**{f"{self.field_path}__lt": _day_start(next_day)})
        return queryset

    def choices(self, changelist):
        # The template gets the filter, not the changelist: the form's context rides along.
        self.form = self._form_context(changelist)
        today = timezone.localdate()
        yield {
            "selected": not (self.start or self.end),
            "query_string": changelist.get_query_string(remove=self.expected_parameters()),
            "display": "Any date",
        }
        for label, days_back in self.QUICK:
            start = today - timedelta(days=days_back)
            yield {
                "selected": self.start == start and self.end == today,
                "query_string": changelist.get_query_string(
                    {self.from_param: start.isoformat(), self.to_param: today.isoformat()}
                ),
                "display": label,
            }

    def _form_context(self, changelist):
        """The other parameters the from/to form must carry along (a GET form drops the rest)."""
        keep = {
            key: value
            for key, value in changelist.params.items()
            if key not in self.expected_parameters()
        }
        return {
            "hidden": sorted(keep.items()),
            "from_param": self.from_param,
            "to_param": self.to_param,
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
        }


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))
