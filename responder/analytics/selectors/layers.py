"""What each approval layer costs: hours waited, and the drafts it changed or sent back."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from responder.analytics.selectors.filters import Filters, case_q
from responder.analytics.selectors.percentiles import (
    PercentileCont,
    _duration_stats,
    _hours,
    is_postgres,
    seconds_between,
)
from workflows.models import ApprovalStep, Decision, StepDecision, StepStatus

# A layer whose median wait is at least this long and which changed or sent back
# fewer than this share of drafts "adds hours and changes nothing".
NO_EFFECT_MIN_HOURS = 1.0
NO_EFFECT_MAX_SHARE = 0.02

DECIDED = (StepStatus.APPROVED, StepStatus.CHANGES_REQUESTED)
LAYER_KEY = ("policy_name", "position", "name")


Key = tuple[Any, ...]


@dataclass
class _LayerFigures:
    """What the database says per layer key, before the rows are shaped."""

    stats: dict[Key, dict[str, Any]] = field(default_factory=dict)
    sent_back: dict[Key, int] = field(default_factory=dict)
    changed: dict[Key, int] = field(default_factory=dict)
    total_seconds: dict[Key, float] = field(default_factory=dict)


def steps_for(filters: Filters) -> QuerySet[ApprovalStep]:
    return ApprovalStep.objects.filter(case_q(filters, "case__"))


def layer_costs(filters: Filters) -> list[dict[str, Any]]:
    """Per policy layer: decided steps, median/p90/total hours waited, and the share
    of drafts the layer changed or sent back."""
    steps = steps_for(filters).filter(
        status__in=DECIDED, opened_at__isnull=False, decided_at__isnull=False
    )
    figures = _postgres_figures(filters, steps) if is_postgres() else _portable_figures(steps)
    return [_layer_row(key, figures) for key in sorted(figures.stats)]


def _postgres_figures(filters: Filters, steps: QuerySet[ApprovalStep]) -> _LayerFigures:
    """One pass: percentiles, totals and counts per layer; then the edits."""
    figures = _LayerFigures()
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
        figures.stats[key] = {"n": r["n"], "median": _hours(r["median"]), "p90": _hours(r["p90"])}
        figures.sent_back[key] = r["sent_back"]
        figures.total_seconds[key] = r["secs"] or 0.0
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
        figures.changed[tuple(r[k] for k in step_keys)] = r["changed"]
    return figures


def _portable_figures(steps: QuerySet[ApprovalStep]) -> _LayerFigures:
    edited = Exists(
        StepDecision.objects.filter(step=OuterRef("pk"), decision=Decision.EDIT_APPROVE)
    )
    return _LayerFigures(
        stats={
            tuple(r[k] for k in LAYER_KEY): r
            for r in _duration_stats(
                steps, group=None, start="opened_at", end="decided_at", extra_groups=LAYER_KEY
            )
        },
        sent_back={
            tuple(r[k] for k in LAYER_KEY): r["sent_back"]
            for r in steps.values(*LAYER_KEY).annotate(
                sent_back=Count("pk", filter=Q(status=StepStatus.CHANGES_REQUESTED)),
            )
        },
        changed={
            tuple(r[k] for k in LAYER_KEY): r["changed"]
            for r in steps.filter(edited).values(*LAYER_KEY).annotate(changed=Count("pk"))
        },
        total_seconds=_total_seconds(steps),
    )


def _layer_row(key: Key, figures: _LayerFigures) -> dict[str, Any]:
    s = figures.stats[key]
    n = s["n"]
    sent_back = figures.sent_back.get(key, 0)
    n_changed = figures.changed.get(key, 0)
    changed_share = n_changed / n if n else 0.0
    sent_back_share = sent_back / n if n else 0.0
    return {
        "policy": key[0],
        "position": key[1],
        "layer": key[2],
        "n": n,
        "median": s["median"],
        "p90": s["p90"],
        "total_hours": _hours(figures.total_seconds.get(key, 0.0)),
        "changed": n_changed,
        "sent_back": sent_back,
        "changed_share": round(changed_share, 4),
        "sent_back_share": round(sent_back_share, 4),
        "no_effect": (s["median"] or 0) >= NO_EFFECT_MIN_HOURS
        and (changed_share + sent_back_share) < NO_EFFECT_MAX_SHARE,
    }


def _total_seconds(steps: QuerySet[ApprovalStep]) -> dict[Key, float]:
    if is_postgres():
        return {
            tuple(r[k] for k in LAYER_KEY): r["secs"] or 0.0
            for r in steps.annotate(_secs=seconds_between("opened_at", "decided_at"))
            .values(*LAYER_KEY)
            .annotate(secs=Sum("_secs"))
        }
    out: dict[Key, float] = defaultdict(float)
    for *key, opened, decided in steps.values_list(*LAYER_KEY, "opened_at", "decided_at"):
        out[tuple(key)] += (decided - opened).total_seconds()
    return out
