"""The dashboard's figures equal figures recomputed in pure Python from the audit log,
on a large generated history (responder.testing.history, inserted in bulk: the volume
and the percentiles over thousands of cases). That the figures equal what the real
services write is test_figures_from_services.py's job."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

import pytest
from django.utils import timezone

from responder.analytics import selectors, whatif
from responder.audit.models import AuditEvent
from responder.testing.history import generate, make_world

pytestmark = pytest.mark.django_db

N_CASES = 3000


def _pct(values: list[float]) -> tuple[float, float]:
    """Median and p90 with linear interpolation (percentile_cont), via statistics."""
    if len(values) == 1:
        return values[0], values[0]
    return statistics.median(values), statistics.quantiles(values, n=10, method="inclusive")[8]


def _h(seconds: float) -> float:
    return seconds / 3600.0


@pytest.fixture
def history(db: None) -> dict[str, Any]:
    world = make_world()
    end = timezone.now() - dt.timedelta(days=1)
    generate(world, n_cases=N_CASES, seed=7, end=end, days=28)
    filters = selectors.Filters(
        start=timezone.localdate(end - dt.timedelta(days=29)), end=timezone.localdate(end)
    )
    return {"world": world, "filters": filters}


def replay(events: list[AuditEvent], sla: dict[tuple[str, int], int]) -> dict[str, Any]:
    """Rebuild per-case timings and per-step durations from the audit events only."""
    cases: dict[int, dict[str, Any]] = {}
    steps: list[dict[str, Any]] = []
    open_steps: dict[int, dict[str, Any]] = {}
    for e in events:
        c = cases.setdefault(e.case_id, {"round": 0, "policy": None})
        if e.action == "case.ingested":
            c.update(received=e.created_at, **e.details)
        elif e.action == "case.close":
            c["closed"] = True
        elif e.action == "case.submit":
            c["round"] += 1
            c["policy"] = e.details["policy"]
            c["library_unchanged"] = e.details["library_unchanged"]
            if e.details["layers"]:
                open_steps[e.case_id] = {
                    "case": e.case_id,
                    "policy": c["policy"],
                    "position": 1,
                    "name": e.details["layers"][0],
                    "round": c["round"],
                    "opened": e.created_at,
                    "layers": e.details["layers"],
                }
        elif e.action in ("approval.approve", "approval.request_changes"):
            step = open_steps.pop(e.case_id)
            assert step["position"] == e.details["layer"]
            step.update(decided=e.created_at, decision=e.details["decision"], reviewer=e.actor_id)
            steps.append(step)
            if "next_layer" in e.details:
                position = e.details["next_layer"]
                open_steps[e.case_id] = {
                    **step,
                    "position": position,
                    "name": step["layers"][position - 1],
                    "opened": e.created_at,
                    "decided": None,
                }
        elif e.action == "case.mark_replied":
            c.setdefault("first", e.created_at)
            c["replied"] = e.created_at
    for step in [*steps, *open_steps.values()]:
        step["due"] = step["opened"] + dt.timedelta(minutes=sla[(step["policy"], step["position"])])
    return {"cases": cases, "steps": steps, "open": list(open_steps.values())}


def test_dashboard_figures_equal_the_audit_log(history: dict[str, Any]) -> None:
    filters = history["filters"]
    world = history["world"]
    events = list(AuditEvent.objects.exclude(case=None).order_by("created_at", "id"))
    truth = replay(events, world.sla)
    cases = truth["cases"]
    assert len(cases) == N_CASES

    # Time to posted reply, by platform.
    by_platform: dict[str, list[float]] = defaultdict(list)
    for c in cases.values():
        if "replied" in c:
            by_platform[c["platform"]].append(_h((c["replied"] - c["received"]).total_seconds()))
    rows = {r["key"]: r for r in selectors.response_times_by(filters, "platform")}
    assert set(rows) == set(by_platform)
    for platform, values in by_platform.items():
        median, p90 = _pct(values)
        assert rows[platform]["reply_n"] == len(values)
        assert rows[platform]["reply_median"] == pytest.approx(median, abs=0.006)
        assert rows[platform]["reply_p90"] == pytest.approx(p90, abs=0.006)
        assert rows[platform]["first_median"] == pytest.approx(median, abs=0.006)

    # Over time, per day (in the site's time zone).
    per_day: dict[str, list[float]] = defaultdict(list)
    for c in cases.values():
        if "replied" in c:
            day = timezone.localtime(c["received"]).date().isoformat()
            per_day[day].append(_h((c["replied"] - c["received"]).total_seconds()))
    over = {r["period"]: r for r in selectors.response_times_over_time(filters)["rows"]}
    assert set(over) == set(per_day)
    for day, values in per_day.items():
        assert over[day]["reply_n"] == len(values)
        assert over[day]["reply_p90"] == pytest.approx(_pct(values)[1], abs=0.006)

    # Time in each layer, and what each layer changed or sent back.
    per_layer: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for s in truth["steps"]:
        per_layer[(s["policy"], s["position"])].append(s)
    layers = {(r["policy"], r["position"]): r for r in selectors.layer_costs(filters)}
    assert set(layers) == set(per_layer)
    for key, steps in per_layer.items():
        hours = [_h((s["decided"] - s["opened"]).total_seconds()) for s in steps]
        median, p90 = _pct(hours)
        row = layers[key]
        assert row["n"] == len(steps)
        assert row["median"] == pytest.approx(median, abs=0.006)
        assert row["p90"] == pytest.approx(p90, abs=0.006)
        assert row["total_hours"] == pytest.approx(sum(hours), abs=0.01)
        assert row["changed"] == sum(s["decision"] == "edit_approve" for s in steps)
        assert row["sent_back"] == sum(s["decision"] == "request_changes" for s in steps)
    # The director layer adds hours and changes nothing: it stands out; the SME does not.
    assert layers[(world.two.name, 2)]["no_effect"] is True
    assert layers[(world.two.name, 1)]["no_effect"] is False

    # SLA met / breached by layer (open steps past due count as breached).
    now = timezone.now()
    sla = {(r["policy"], r["position"]): r for r in selectors.sla_by_layer(filters)}
    for key, steps in per_layer.items():
        met = sum(s["decided"] <= s["due"] for s in steps)
        late = len(steps) - met
        late += sum(
            1 for s in truth["open"] if (s["policy"], s["position"]) == key and s["due"] < now
        )
        assert (sla[key]["met"], sla[key]["breached"]) == (met, late)

    # SLA by reviewer.
    per_reviewer: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for s in truth["steps"]:
        per_reviewer[s["reviewer"]][0 if s["decided"] <= s["due"] else 1] += 1
    reviewers = {
        r["reviewer"]: (r["met"], r["breached"]) for r in selectors.sla_by_reviewer(filters)
    }
    names = {
        u.pk: f"{u.first_name} {u.last_name} ({u.username})" for u in [*world.smes, world.director]
    }
    assert reviewers == {names[pk]: tuple(v) for pk, v in per_reviewer.items()}

    # Volumes by platform: in, answered, closed unanswered.
    volumes = {r["key"]: r for r in selectors.volumes_by(filters, "platform")}
    for platform in {c["platform"] for c in cases.values()}:
        mine = [c for c in cases.values() if c["platform"] == platform]
        assert volumes[platform]["received"] == len(mine)
        assert volumes[platform]["answered"] == sum("replied" in c for c in mine)
        assert volumes[platform]["closed"] == sum(bool(c.get("closed")) for c in mine)

    # Library use: share of replies that were an unchanged library answer.
    replied = [c for c in cases.values() if "replied" in c]
    library = selectors.library_use(filters)
    assert library["replied"] == len(replied)
    assert library["from_library"] == sum(bool(c.get("library_unchanged")) for c in replied)

    # One history, several checks: generating it is the slow part.
    check_engagement_on_replies_by_platform(history)
    check_filters_narrow_the_figures(history)


def check_engagement_on_replies_by_platform(history: dict[str, Any]) -> None:
    from responder.channels.models import ReplyEngagement

    data = selectors.engagement_by(history["filters"], "platform")
    assert data["available"]
    rows = {r["key"]: r for r in data["rows"]}
    for platform in ("mastodon", "bluesky", "x"):
        mine = ReplyEngagement.objects.filter(outbox_item__case__platform=platform)
        values = list(mine.values_list("favourites", "boosts", "replies"))
        assert rows[platform]["n"] == len(values)
        assert rows[platform]["favourites"] == sum(v[0] for v in values)
        assert rows[platform]["boosts"] == sum(v[1] for v in values)
        assert rows[platform]["replies_avg"] == pytest.approx(
            sum(v[2] for v in values) / len(values), abs=0.006
        )


def test_whatif_remove_layer_2_equals_recomputed_durations(history: dict[str, Any]) -> None:
    filters = history["filters"]
    world = history["world"]
    events = list(AuditEvent.objects.exclude(case=None).order_by("created_at", "id"))
    truth = replay(events, world.sla)
    saved: dict[int, float] = defaultdict(float)
    for s in truth["steps"]:
        if s["policy"] == world.two.name and s["position"] == 2:
            saved[s["case"]] += (s["decided"] - s["opened"]).total_seconds()
    expected = {
        pk: (c["replied"] - c["received"]).total_seconds() - saved.get(pk, 0.0)
        for pk, c in truth["cases"].items()
        if "replied" in c
    }
    result = whatif.whatif(
        filters, whatif.Scenario(position=2, policy_name=world.two.name, remove=True)
    )
    assert result["per_case"] == pytest.approx(expected)
    assert result["affected"] == len([pk for pk in saved if pk in expected])
    after = [v / 3600 for v in expected.values()]
    assert result["after"]["median"] == pytest.approx(_pct(after)[0], abs=0.006)
    assert result["after"]["p90"] < result["before"]["p90"]
    # It says what it left out: the cases without a posted reply, and the replied
    # cases whose step in this layer was never decided.
    assert result["left_out_unreplied"] == len(truth["cases"]) - len(expected)
    undecided = {
        s["case"]
        for s in truth["steps"]
        if s["policy"] == world.two.name and s["position"] == 2 and s.get("decided") is None
    } - set(saved)
    assert result["left_out_undecided"] == len(undecided & set(expected))

    # A new SLA caps the layer's durations instead.
    capped = whatif.whatif(
        filters,
        whatif.Scenario(position=2, policy_name=world.two.name, remove=False, sla_minutes=120),
    )
    for s in truth["steps"]:
        if s["policy"] == world.two.name and s["position"] == 2 and s["case"] in expected:
            duration = (s["decided"] - s["opened"]).total_seconds()
            base = (
                truth["cases"][s["case"]]["replied"] - truth["cases"][s["case"]]["received"]
            ).total_seconds()
            assert capped["per_case"][s["case"]] == pytest.approx(base - max(0.0, duration - 7200))


def check_filters_narrow_the_figures(history: dict[str, Any]) -> None:
    filters = history["filters"]
    fr = selectors.Filters(start=filters.start, end=filters.end, language="fr")
    all_in = sum(r["received"] for r in selectors.volumes_by(filters, "platform"))
    fr_in = sum(r["received"] for r in selectors.volumes_by(fr, "platform"))
    expected = AuditEvent.objects.filter(action="case.ingested", details__language="fr").count()
    assert all_in == N_CASES
    assert fr_in == expected
