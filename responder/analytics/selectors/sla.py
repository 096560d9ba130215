"""SLA met and breached, by approval layer and by reviewer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from responder.analytics.selectors.filters import Filters, case_q
from responder.analytics.selectors.layers import LAYER_KEY, steps_for
from workflows.models import StepDecision, StepStatus


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
