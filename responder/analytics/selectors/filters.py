"""The period and filters of the dashboard, and the cases they select."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from responder.inbox.models import Case

# The breakdowns of the figures (response times, volumes, engagement): dimension ->
# the Case field it groups by.
DIMENSIONS: dict[str, str] = {
    "department": "department__name",
    "platform": "platform",
    "language": "language",
    "topic": "topics__slug",
}


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of `day` in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def monday(day: dt.date) -> dt.date:
    """The Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def this_week(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """Today and the Monday of this week, in the current time zone (the headline's)."""
    today = timezone.localdate(now)
    return today, monday(today)


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    department_id: int | None = None
    platform: str = ""
    language: str = ""
    topic_id: int | None = None
    # The departments the reader may see (None: every one, a site admin). Set from who
    # asks (responder.accounts.authz), never from the request's parameters.
    department_ids: frozenset[int] | None = None

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return local_midnight(self.end + dt.timedelta(days=1))

    def as_query(self) -> dict[str, str]:
        values = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "department": str(self.department_id or ""),
            "platform": self.platform,
            "language": self.language,
            "topic": str(self.topic_id or ""),
        }
        return {k: v for k, v in values.items() if v}

    def cache_key(self) -> str:
        """The filters and the reader's scope: two readers who may see different
        departments never share cached figures."""
        scope = (
            "all"
            if self.department_ids is None
            else ",".join(map(str, sorted(self.department_ids)))
        )
        return "&".join(f"{k}={v}" for k, v in sorted(self.as_query().items())) + f"|scope={scope}"

    def scoped(self, department_ids: set[int] | frozenset[int] | None) -> Filters:
        """These filters, limited to `department_ids` (None: no limit)."""
        return replace(
            self, department_ids=None if department_ids is None else frozenset(department_ids)
        )


def _date(raw: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def filters_from(params: Any, *, today: dt.date | None = None) -> Filters:
    """Filters from a request's GET parameters; the last 30 days by default."""
    today = today or timezone.localdate()
    end = _date(params.get("end"), today)
    start = _date(params.get("start"), end - dt.timedelta(days=29))
    if start > end:
        start, end = end, start
    return Filters(
        start=start,
        end=end,
        department_id=_int_or_none(params.get("department")),
        platform=params.get("platform", "") or "",
        language=params.get("language", "") or "",
        topic_id=_int_or_none(params.get("topic")),
    )


def case_q(filters: Filters, prefix: str = "") -> Q:
    """The filters as a Q on Case, or on a model that reaches Case through `prefix`."""
    q = Q(
        **{
            f"{prefix}received_at__gte": filters.start_at,
            f"{prefix}received_at__lt": filters.end_at,
        }
    )
    if filters.department_id:
        q &= Q(**{f"{prefix}department_id": filters.department_id})
    if filters.department_ids is not None:
        q &= Q(**{f"{prefix}department_id__in": sorted(filters.department_ids)})
    if filters.platform:
        q &= Q(**{f"{prefix}platform": filters.platform})
    if filters.language:
        q &= Q(**{f"{prefix}language": filters.language})
    if filters.topic_id:
        q &= Q(**{f"{prefix}topics": filters.topic_id})
    return q


def cases_for(filters: Filters) -> QuerySet[Case]:
    return Case.objects.filter(case_q(filters))
