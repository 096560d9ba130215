"""A department's business hours: its time zone, workday and working weekdays, with
holidays (its own and those for every department) as days off.

The one home of "counted in business hours": approval-step SLAs (workflows/sla.py)
and the first-response clock of new cases (responder/inbox/response_clock.py) both
add working minutes here. With business hours switched off time runs around the clock.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from responder.accounts.models import Department, Holiday

# Guards the day-by-day walk against a calendar with no working time at all.
_MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class WorkCalendar:
    tz: dt.tzinfo
    start: dt.time
    end: dt.time
    weekdays: frozenset[int]  # ISO weekdays, 1 = Monday
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def workday_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(day, self.start, tzinfo=self.tz)
        end = dt.datetime.combine(day, self.end, tzinfo=self.tz)
        return start, end


def zone_named(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def department_calendar(
    department: Department, *, start: dt.date | None = None, end: dt.date | None = None
) -> WorkCalendar | None:
    """The department's working calendar, or None when its SLAs run around the clock."""
    weekdays = frozenset(int(c) for c in (department.working_days or "") if c in "1234567")
    if (
        not department.sla_business_hours
        or not weekdays
        or department.workday_end <= department.workday_start
    ):
        return None
    holidays = Holiday.objects.filter(Q(department=department) | Q(department__isnull=True))
    if start is not None:
        holidays = holidays.filter(date__gte=start)
    if end is not None:
        holidays = holidays.filter(date__lte=end)
    return WorkCalendar(
        tz=zone_named(department.timezone),
        start=department.workday_start,
        end=department.workday_end,
        weekdays=weekdays,
        holidays=frozenset(holidays.values_list("date", flat=True)),
    )


def add_business_minutes(
    calendar: WorkCalendar, *, start: dt.datetime, minutes: float
) -> dt.datetime:
    """`start` plus `minutes` of working time; the answer is in the calendar's zone."""
    moment = start.astimezone(calendar.tz)
    remaining = dt.timedelta(minutes=minutes)
    day = moment.date()
    for _ in range(_MAX_DAYS):
        if calendar.is_working_day(day):
            opens, closes = calendar.workday_bounds(day)
            begin = max(moment, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time.min, tzinfo=calendar.tz)
    # No working time within three years: count the rest around the clock.
    return moment + remaining


def business_deadline(*, department: Department, start: dt.datetime, minutes: float) -> dt.datetime:
    # Holidays are loaded for a window generous enough for any realistic SLA.
    horizon = start.date() + dt.timedelta(days=max(30, int(minutes // 60) * 3 + 30))
    calendar = department_calendar(
        department, start=start.date() - dt.timedelta(days=1), end=horizon
    )
    return deadline_in(calendar, start=start, minutes=minutes)


def deadline_in(
    calendar: WorkCalendar | None, *, start: dt.datetime, minutes: float
) -> dt.datetime:
    """`start` plus `minutes` of working time in a calendar already loaded (None: around
    the clock), in UTC: a batch of new cases loads its department's calendar once."""
    if calendar is None:
        return start + dt.timedelta(minutes=minutes)
    return add_business_minutes(calendar, start=start, minutes=minutes).astimezone(dt.UTC)
