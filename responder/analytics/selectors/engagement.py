"""Engagement with our posted replies (favourites, boosts, replies)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Avg, Count, Sum

from responder.analytics.selectors.filters import DIMENSIONS, Filters, case_q


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
