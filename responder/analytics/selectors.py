"""Every figure of the analytics dashboard, computed by the database.

Times are in hours. Percentiles are PostgreSQL's `percentile_cont` (linear
interpolation between the two nearest values); on SQLite (the embedded `make run`
database) the same formula is applied in Python to the rows.

Definitions (the dashboard's "how we count" note repeats them):
- time to first response: case.first_response_at - case.received_at;
- time to posted reply: case.replied_at - case.received_at;
- time in a layer: step.decided_at - step.opened_at, for steps that were decided
  (approved or sent back), not withdrawn ones;
- a layer "changed" a draft when a reviewer edited it while approving, and "sent it
  back" when it requested changes;
- SLA met: decided no later than the step's due time; breached: decided later, or
  still open past it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDay, TruncWeek
from django.utils import timezone

from responder.channels.models import OutboxItem, OutboxStatus
from responder.inbox.models import Case, CaseState, LibraryAnswer
from workflows.models import ApprovalStep, Decision, StepDecision, StepStatus

# A layer whose median wait is at least this long and which changed or sent back
# fewer than this share of drafts "adds hours and changes nothing".
NO_EFFECT_MIN_HOURS = 1.0
NO_EFFECT_MAX_SHARE = 0.02
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    department_id: int | None = None
    platform: str = ""
    language: str = ""
    topic_id: int | None = None

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

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
    if filters.platform:
        q &= Q(**{f"{prefix}platform": filters.platform})
    if filters.language:
        q &= Q(**{f"{prefix}language": filters.language})
    if filters.topic_id:
        q &= Q(**{f"{prefix}topics": filters.topic_id})
    return q


def cases_for(filters: Filters) -> QuerySet[Case]:
    return Case.objects.filter(case_q(filters))


# --- percentiles ------------------------------------------------------------------


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()  # type: ignore[assignment]

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochSeconds(Func):
    """Seconds in an interval (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()  # type: ignore[assignment]


def seconds_between(start: str, end: str) -> EpochSeconds:
    return EpochSeconds(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))


def percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont in Python: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600.0, 2)


def _duration_stats(
    qs: QuerySet[Any], *, group: str | None, start: str, end: str, extra_groups: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Per group: n, median and p90 of (end - start) in hours, over rows with both set."""
    qs = qs.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
    group_fields = ([group] if group else []) + list(extra_groups)
    if is_postgres():
        annotated = qs.annotate(_secs=seconds_between(start, end))
        rows = (
            annotated.values(*group_fields)
            .annotate(
                n=Count("pk"),
                median=PercentileCont("_secs", 0.5),
                p90=PercentileCont("_secs", 0.9),
            )
            .order_by(*group_fields)
            if group_fields
            else [
                annotated.aggregate(
                    n=Count("pk"),
                    median=PercentileCont("_secs", 0.5),
                    p90=PercentileCont("_secs", 0.9),
                )
            ]
        )
        out = []
        for row in rows:
            if not row["n"]:
                continue
            row = dict(row)
            row["median"], row["p90"] = _hours(row["median"]), _hours(row["p90"])
            out.append(row)
        return out
    buckets: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for values in qs.values_list(*group_fields, start, end):
        key = tuple(values[: len(group_fields)])
        buckets[key].append((values[-1] - values[-2]).total_seconds())
    return [
        {
            **dict(zip(group_fields, key, strict=True)),
            "n": len(secs),
            "median": _hours(percentile(secs, 0.5)),
            "p90": _hours(percentile(secs, 0.9)),
        }
        for key, secs in sorted(buckets.items(), key=lambda kv: tuple(str(k) for k in kv[0]))
    ]


# --- response times ---------------------------------------------------------------

DIMENSIONS: dict[str, str] = {
    "department": "department__name",
    "platform": "platform",
    "language": "language",
    "topic": "topics__slug",
}


def _bucket(filters: Filters) -> tuple[str, Any]:
    if (filters.end - filters.start).days <= 62:
        return "day", TruncDay("received_at")
    return "week", TruncWeek("received_at")


def _response_stats(qs: QuerySet[Case], group: str) -> dict[Any, dict[str, Any]]:
    """Per group, in one pass: n, median and p90 of time to first response and to
    posted reply (hours). Cases without the time are left out of that figure
    (percentile_cont and COUNT skip NULLs)."""
    metrics = {"first": "first_response_at", "reply": "replied_at"}
    if is_postgres():
        annotated = qs.annotate(
            **{f"_{name}": seconds_between("received_at", end) for name, end in metrics.items()}
        )
        aggregates: dict[str, Any] = {}
        for name, end in metrics.items():
            aggregates[f"{name}_n"] = Count(end)
            aggregates[f"{name}_median"] = PercentileCont(f"_{name}", 0.5)
            aggregates[f"{name}_p90"] = PercentileCont(f"_{name}", 0.9)
        out: dict[Any, dict[str, Any]] = {}
        for row in annotated.values(group).annotate(**aggregates).order_by(group):
            key = row.pop(group)
            for name in metrics:
                row[f"{name}_median"] = _hours(row[f"{name}_median"])
                row[f"{name}_p90"] = _hours(row[f"{name}_p90"])
            out[key] = row
        return out
    buckets: dict[Any, dict[str, list[float]]] = defaultdict(lambda: {m: [] for m in metrics})
    for key, received, *ends in qs.values_list(group, "received_at", *metrics.values()):
        bucket = buckets[key]
        for name, end in zip(metrics, ends, strict=True):
            if end is not None:
                bucket[name].append((end - received).total_seconds())
    result: dict[Any, dict[str, Any]] = {}
    for key, bucket in buckets.items():
        figures: dict[str, Any] = {}
        for name, secs in bucket.items():
            figures[f"{name}_n"] = len(secs)
            figures[f"{name}_median"] = _hours(percentile(secs, 0.5))
            figures[f"{name}_p90"] = _hours(percentile(secs, 0.9))
        result[key] = figures
    return result


TIME_KEYS = ("first_n", "first_median", "first_p90", "reply_n", "reply_median", "reply_p90")


def response_times_over_time(filters: Filters) -> dict[str, Any]:
    """Median and p90 time to first response and to posted reply, per day or week."""
    unit, trunc = _bucket(filters)
    stats = _response_stats(cases_for(filters).annotate(period=trunc), "period")
    rows = []
    for period in sorted(stats):
        label = period.date() if isinstance(period, dt.datetime) else period
        if not (stats[period]["first_n"] or stats[period]["reply_n"]):
            continue
        rows.append({"period": label.isoformat(), **{k: stats[period][k] for k in TIME_KEYS}})
    return {"unit": unit, "rows": rows}


def response_times_by(filters: Filters, dimension: str) -> list[dict[str, Any]]:
    """Median and p90 times by department, platform, language or topic."""
    stats = _response_stats(cases_for(filters), DIMENSIONS[dimension])
    return [
        {"key": key if key is not None else "—", **{k: stats[key][k] for k in TIME_KEYS}}
        for key in sorted(stats, key=lambda k: (k is None, str(k)))
        if stats[key]["first_n"] or stats[key]["reply_n"]
    ]


# --- approval layers --------------------------------------------------------------

DECIDED = (StepStatus.APPROVED, StepStatus.CHANGES_REQUESTED)
LAYER_KEY = ("policy_name", "position", "name")


def steps_for(filters: Filters) -> QuerySet[ApprovalStep]:
    return ApprovalStep.objects.filter(case_q(filters, "case__"))


def layer_costs(filters: Filters) -> list[dict[str, Any]]:
    """Per policy layer: decided steps, median/p90/total hours waited, and the share
    of drafts the layer changed or sent back."""
    steps = steps_for(filters).filter(
        status__in=DECIDED, opened_at__isnull=False, decided_at__isnull=False
    )
    edited = Exists(
        StepDecision.objects.filter(step=OuterRef("pk"), decision=Decision.EDIT_APPROVE)
    )
    stats: dict[tuple[Any, ...], dict[str, Any]] = {}
    totals: dict[tuple[Any, ...], dict[str, Any]] = {}
    changed: dict[tuple[Any, ...], int] = {}
    total_seconds: dict[tuple[Any, ...], float] = {}
    if is_postgres():
        # One pass: percentiles, totals and counts per layer.
        from django.db.models import Sum

        for r in (
            steps.annotate(_secs=seconds_between("opened_at", "decided_at"))
            .values(*LAYER_KEY)
            .annotate(
                n=Count("pk"),
                median=PercentileCont("_secs", 0.5),
                p90=PercentileCont("_secs", 0.9),
                secs=Sum("_secs"),
                sent_back=Count("pk", filter=Q(status=StepStatus.CHANGES_REQUESTED)),
            )
            .order_by(*LAYER_KEY)
        ):
            key = tuple(r[k] for k in LAYER_KEY)
            stats[key] = {"n": r["n"], "median": _hours(r["median"]), "p90": _hours(r["p90"])}
            totals[key] = {"sent_back": r["sent_back"]}
            total_seconds[key] = r["secs"] or 0.0
        # Edits counted from the decisions side (a join, not a subquery per step).
        step_keys = [f"step__{k}" for k in LAYER_KEY]
        for r in (
            StepDecision.objects.filter(
                case_q(filters, "step__case__"),
                decision=Decision.EDIT_APPROVE,
                step__status__in=DECIDED,
                step__opened_at__isnull=False,
                step__decided_at__isnull=False,
            )
            .values(*step_keys)
            .annotate(changed=Count("step", distinct=True))
        ):
            changed[tuple(r[k] for k in step_keys)] = r["changed"]
    else:
        stats = {
            tuple(r[k] for k in LAYER_KEY): r
            for r in _duration_stats(
                steps, group=None, start="opened_at", end="decided_at", extra_groups=LAYER_KEY
            )
        }
        totals = {
            tuple(r[k] for k in LAYER_KEY): r
            for r in steps.values(*LAYER_KEY).annotate(
                sent_back=Count("pk", filter=Q(status=StepStatus.CHANGES_REQUESTED)),
            )
        }
        changed = {
            tuple(r[k] for k in LAYER_KEY): r["changed"]
            for r in steps.filter(edited).values(*LAYER_KEY).annotate(changed=Count("pk"))
        }
        total_seconds = _total_seconds(steps)
    rows = []
    for key in sorted(stats):
        s = stats[key]
        n = s["n"]
        sent_back = totals.get(key, {}).get("sent_back", 0)
        n_changed = changed.get(key, 0)
        changed_share = n_changed / n if n else 0.0
        sent_back_share = sent_back / n if n else 0.0
        rows.append(
            {
                "policy": key[0],
                "position": key[1],
                "layer": key[2],
                "n": n,
                "median": s["median"],
                "p90": s["p90"],
                "total_hours": _hours(total_seconds.get(key, 0.0)),
                "changed": n_changed,
                "sent_back": sent_back,
                "changed_share": round(changed_share, 4),
                "sent_back_share": round(sent_back_share, 4),
                "no_effect": (s["median"] or 0) >= NO_EFFECT_MIN_HOURS
                and (changed_share + sent_back_share) < NO_EFFECT_MAX_SHARE,
            }
        )
    return rows


def _total_seconds(steps: QuerySet[ApprovalStep]) -> dict[tuple[Any, ...], float]:
    if is_postgres():
        from django.db.models import Sum

        return {
            tuple(r[k] for k in LAYER_KEY): r["secs"] or 0.0
            for r in steps.annotate(_secs=seconds_between("opened_at", "decided_at"))
            .values(*LAYER_KEY)
            .annotate(secs=Sum("_secs"))
        }
    out: dict[tuple[Any, ...], float] = defaultdict(float)
    for *key, opened, decided in steps.values_list(*LAYER_KEY, "opened_at", "decided_at"):
        out[tuple(key)] += (decided - opened).total_seconds()
    return out


# --- SLA --------------------------------------------------------------------------


def sla_by_layer(filters: Filters, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    steps = (
        steps_for(filters)
        .filter(due_at__isnull=False)
        .exclude(status__in=[StepStatus.CANCELLED, StepStatus.WAITING])
    )
    met = Q(decided_at__isnull=False, decided_at__lte=F("due_at"))
    breached = Q(decided_at__isnull=False, decided_at__gt=F("due_at")) | Q(
        decided_at__isnull=True, status=StepStatus.OPEN, due_at__lt=now
    )
    rows = (
        steps.values(*LAYER_KEY)
        .annotate(met=Count("pk", filter=met), breached=Count("pk", filter=breached))
        .order_by(*LAYER_KEY)
    )
    return [
        {
            "policy": r["policy_name"],
            "position": r["position"],
            "layer": r["name"],
            "met": r["met"],
            "breached": r["breached"],
            "breached_share": round(r["breached"] / (r["met"] + r["breached"]), 4)
            if (r["met"] + r["breached"])
            else 0.0,
        }
        for r in rows
    ]


def sla_by_reviewer(filters: Filters) -> list[dict[str, Any]]:
    """Each reviewer's decisions taken before or after the step's due time."""
    decisions = StepDecision.objects.filter(
        case_q(filters, "step__case__"), step__due_at__isnull=False
    )
    rows = (
        decisions.values("reviewer__username", "reviewer__first_name", "reviewer__last_name")
        .annotate(
            met=Count("pk", filter=Q(created_at__lte=F("step__due_at"))),
            breached=Count("pk", filter=Q(created_at__gt=F("step__due_at"))),
        )
        .order_by("reviewer__username")
    )
    out = []
    for r in rows:
        name = f"{r['reviewer__first_name']} {r['reviewer__last_name']}".strip()
        total = r["met"] + r["breached"]
        out.append(
            {
                "reviewer": f"{name} ({r['reviewer__username']})"
                if name
                else r["reviewer__username"],
                "met": r["met"],
                "breached": r["breached"],
                "breached_share": round(r["breached"] / total, 4) if total else 0.0,
            }
        )
    return out


# --- volumes ----------------------------------------------------------------------


def volumes_by(filters: Filters, dimension: str) -> list[dict[str, Any]]:
    """Questions in, answered (a reply was posted) and closed unanswered."""
    field = DIMENSIONS[dimension]
    rows = (
        cases_for(filters)
        .values(field)
        .annotate(
            received=Count("pk", distinct=dimension == "topic"),
            answered=Count("pk", filter=Q(replied_at__isnull=False), distinct=dimension == "topic"),
            closed=Count("pk", filter=Q(state=CaseState.CLOSED), distinct=dimension == "topic"),
        )
        .order_by(field)
    )
    return sorted(
        (
            {
                "key": r[field] if r[field] is not None else "—",
                "received": r["received"],
                "answered": r["answered"],
                "closed": r["closed"],
            }
            for r in rows
        ),
        key=lambda r: str(r["key"]),
    )


# --- library ----------------------------------------------------------------------


def library_use(filters: Filters) -> dict[str, Any]:
    """Share of posted replies that were an unchanged library answer."""
    replied = cases_for(filters).filter(replied_at__isnull=False).count()
    # Counted from the outbox side: a join, not a subquery per case.
    from_library = (
        OutboxItem.objects.filter(
            case_q(filters, "case__"),
            case__replied_at__isnull=False,
            status=OutboxStatus.SENT,
            draft__library_unchanged=True,
        )
        .values("case_id")
        .distinct()
        .count()
    )
    counts = {"replied": replied, "from_library": from_library}
    total = counts["replied"] or 0
    return {
        "replied": total,
        "from_library": counts["from_library"] or 0,
        "share": round((counts["from_library"] or 0) / total, 4) if total else 0.0,
    }


def answers_due_for_review(*, today: dt.date | None = None) -> QuerySet[LibraryAnswer]:
    """Active answers past their review date or due within DUE_SOON_DAYS."""
    today = today or timezone.localdate()
    return (
        LibraryAnswer.objects.filter(
            is_active=True, review_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
        )
        .select_related("owner", "topic")
        .order_by("review_date", "pk")
    )


# --- engagement -------------------------------------------------------------------


def engagement_model() -> Any:
    """The connectors' ReplyEngagement model, if that app provides one."""
    try:
        return apps.get_model("channels", "ReplyEngagement")
    except LookupError:
        return None


def engagement_by(filters: Filters, dimension: str = "platform") -> dict[str, Any]:
    """Favourites, boosts and replies on our posted replies, by platform or topic."""
    model = engagement_model()
    if model is None:
        return {"available": False, "rows": []}
    from django.db.models import Avg, Sum

    field_names = {f.name for f in model._meta.get_fields()}
    metrics = [m for m in ("favourites", "boosts", "replies") if m in field_names]
    link = "outbox_item" if "outbox_item" in field_names else None
    if link is None or not metrics:
        return {"available": False, "rows": []}
    prefix = f"{link}__case__"
    qs = model.objects.filter(case_q(filters, prefix))
    group = f"{prefix}{DIMENSIONS[dimension]}"
    aggregates: dict[str, Any] = {"n": Count(link, distinct=True)}
    for m in metrics:
        aggregates[f"{m}_sum"] = Sum(m)
        aggregates[f"{m}_mean"] = Avg(m)
    rows = []
    for r in qs.values(group).annotate(**aggregates).order_by(group):
        row = {"key": r[group] if r[group] is not None else "—", "n": r["n"]}
        for m in metrics:
            row[m] = r[f"{m}_sum"] or 0
            row[f"{m}_avg"] = round(r[f"{m}_mean"] or 0.0, 2)
        rows.append(row)
    return {"available": True, "metrics": metrics, "rows": rows}


# --- the whole dashboard ----------------------------------------------------------


CACHE_SECONDS = 300


def dashboard_cached(filters: Filters, *, fresh: bool = False) -> dict[str, Any]:
    """The dashboard's figures, computed at most every CACHE_SECONDS per set of filters.

    Figures over weeks do not need to be current to the second, and computing them
    reads every case of the period: the cache (Redis in production) keeps the page
    fast; `fresh` recomputes (the page's "Recompute now" button), and the beat task
    analytics_warm keeps the default view (last 30 days, no filter) warm.
    """
    from django.core.cache import cache

    key = "analytics:dashboard:v1:" + "&".join(
        f"{k}={v}" for k, v in sorted(filters.as_query().items())
    )
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
    data = dashboard(filters)
    data["computed_at"] = timezone.now()
    cache.set(key, data, CACHE_SECONDS)
    return data


# Threads that compute figure groups side by side, each on its own connection, so
# PostgreSQL sorts for several percentiles at once. Measured on 2 cores at 100,000
# cases: 3 threads 1.10 s, 6 threads 0.94 s (bench/dashboard_bench.py).
DASHBOARD_THREADS = 6


def dashboard(filters: Filters) -> dict[str, Any]:
    """Every figure of the page. On PostgreSQL, outside a transaction, the independent
    groups of figures are computed in parallel, each on its own connection (a cold
    page at 100,000 cases went from about 1.3 s to under 0.9 s); inside a
    transaction (tests) other connections could not see its rows, so it is serial."""
    jobs: dict[tuple[str, ...], Callable[[], Any]] = {
        ("over_time",): lambda: response_times_over_time(filters),
        **{("by", d): partial(response_times_by, filters, d) for d in DIMENSIONS},
        ("layers",): lambda: layer_costs(filters),
        ("sla_layers",): lambda: sla_by_layer(filters),
        ("sla_reviewers",): lambda: sla_by_reviewer(filters),
        **{("volumes", d): partial(volumes_by, filters, d) for d in ("platform", "topic")},
        ("library",): lambda: library_use(filters),
        ("engagement",): lambda: engagement_by(filters, "platform"),
    }
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        results = _run_in_threads(jobs)
    else:
        results = {path: job() for path, job in jobs.items()}
    data: dict[str, Any] = {"by": {}, "volumes": {}}
    for path, value in results.items():
        if len(path) == 1:
            data[path[0]] = value
        else:
            data[path[0]][path[1]] = value
    return data


def _run_in_threads(jobs: dict[tuple[str, ...], Callable[[], Any]]) -> dict[tuple[str, ...], Any]:
    from concurrent.futures import ThreadPoolExecutor

    def run(job: Callable[[], Any]) -> Any:
        try:
            # The threads already keep the cores busy; PostgreSQL's own parallel
            # workers on top only contend with them (measured: 939 ms -> 872 ms).
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")
            return job()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=DASHBOARD_THREADS) as pool:
        futures = {path: pool.submit(run, job) for path, job in jobs.items()}
        return {path: future.result() for path, future in futures.items()}
