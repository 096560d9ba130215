"""What the response times would have been with one layer removed or its SLA changed.

The model, computed from the recorded approval steps of the cases replied to in the
period (the dashboard's filters apply):

- a case's time to reply is replied_at - received_at;
- **remove a layer**: every decided step of that layer (policy + position, all
  submission rounds) is taken out of the case's time: the time to reply minus the
  sum of those steps' durations (decided_at - opened_at). Later layers are assumed
  to have started as soon as the earlier one decided, as they do;
- **change its SLA**: each of that layer's step durations is capped at the new SLA
  (the reviewer is assumed to have decided by the deadline, or the delegate at it);
  the time saved is the sum of (duration - SLA) over steps longer than the SLA. A
  longer SLA changes nothing: we cannot know who would have waited longer.

Not modelled: changes a removed layer requested (the rounds it caused stay), and
business hours (durations are wall-clock).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from responder.analytics.selectors import DECIDED, Filters, cases_for, percentile, steps_for


@dataclass(frozen=True)
class Scenario:
    position: int
    policy_name: str = ""  # empty: that position in every policy
    remove: bool = True
    sla_minutes: int | None = None  # used when remove is False


def _stats(seconds: list[float]) -> dict[str, Any]:
    def h(v: float | None) -> float | None:
        return None if v is None else round(v / 3600.0, 2)

    return {
        "n": len(seconds),
        "median": h(percentile(seconds, 0.5)),
        "p90": h(percentile(seconds, 0.9)),
    }


def layer_reductions(filters: Filters, scenario: Scenario) -> dict[int, float]:
    """Seconds that would be saved on each affected case."""
    steps = steps_for(filters).filter(
        status__in=DECIDED,
        position=scenario.position,
        opened_at__isnull=False,
        decided_at__isnull=False,
        case__replied_at__isnull=False,
    )
    if scenario.policy_name:
        steps = steps.filter(policy_name=scenario.policy_name)
    saved: dict[int, float] = defaultdict(float)
    cap = (scenario.sla_minutes or 0) * 60.0
    for case_id, opened, decided in steps.values_list("case_id", "opened_at", "decided_at"):
        duration = (decided - opened).total_seconds()  # type: ignore[operator]
        saved[case_id] += duration if scenario.remove else max(0.0, duration - cap)
    return saved


def whatif(filters: Filters, scenario: Scenario) -> dict[str, Any]:
    cases = cases_for(filters).filter(replied_at__isnull=False).distinct()
    baseline: dict[int, float] = {
        pk: (replied - received).total_seconds()  # type: ignore[operator]
        for pk, received, replied in cases.values_list("pk", "received_at", "replied_at")
    }
    saved = layer_reductions(filters, scenario)
    after = {pk: max(0.0, secs - saved.get(pk, 0.0)) for pk, secs in baseline.items()}
    affected = [pk for pk in baseline if saved.get(pk, 0.0) > 0]
    # What the figures leave out, said on the page: cases of the period with no
    # posted reply (still open, or closed without one), and replied cases whose step
    # in this layer was never decided (withdrawn or cancelled), so it cannot be timed.
    layer_steps = steps_for(filters).filter(position=scenario.position)
    if scenario.policy_name:
        layer_steps = layer_steps.filter(policy_name=scenario.policy_name)
    undecided = (
        layer_steps.filter(case__replied_at__isnull=False)
        .exclude(case_id__in=layer_steps.filter(status__in=DECIDED).values("case_id"))
        .values("case_id")
        .distinct()
        .count()
    )
    return {
        "left_out_unreplied": cases_for(filters).filter(replied_at__isnull=True).count(),
        "left_out_undecided": undecided,
        "scenario": scenario,
        "before": _stats(list(baseline.values())),
        "after": _stats(list(after.values())),
        "affected": len(affected),
        "hours_saved": round(sum(saved.get(pk, 0.0) for pk in baseline) / 3600.0, 2),
        "affected_before": _stats([baseline[pk] for pk in affected]),
        "affected_after": _stats([after[pk] for pk in affected]),
        "per_case": after,
    }
