"""The dashboard's charts and sections: each chart built from the selectors' data,
in the reader's language (views.dashboard renders them)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from responder.analytics import charts
from responder.analytics.names import DIMENSION_LABELS, LayerNames, named_keys

_MEDIAN_P90 = (gettext_lazy("median"), gettext_lazy("90th percentile"))


def _labels(rows: list[dict[str, Any]], key: str = "key") -> list[str]:
    return [str(r[key]) for r in rows]


def _named(dimension: str, rows: list[dict[str, Any]]) -> list[str]:
    """Chart labels by name in the reader's language: platforms, languages and topics
    (the figures carry codes and slugs; CSV keeps them)."""
    return named_keys(dimension, [r["key"] for r in rows])


def time_charts(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Response times over time, and by each dimension."""
    median, p90 = (str(label) for label in _MEDIAN_P90)
    over = data["over_time"]["rows"]
    chart = {
        "first": charts.line_chart(
            uid="first",
            title=_("Time to first response"),
            labels=_labels(over, "period"),
            series=[
                (median, [r["first_median"] for r in over]),
                (p90, [r["first_p90"] for r in over]),
            ],
            unit="h",
        ),
        "reply": charts.line_chart(
            uid="reply",
            title=_("Time to posted reply"),
            labels=_labels(over, "period"),
            series=[
                (median, [r["reply_median"] for r in over]),
                (p90, [r["reply_p90"] for r in over]),
            ],
            unit="h",
        ),
    }
    by_charts = {
        dimension: charts.bar_chart(
            uid=f"by-{dimension}",
            title=_("Time to posted reply by %(dimension)s")
            % {"dimension": DIMENSION_LABELS[dimension]},
            labels=_named(dimension, rows),
            series=[
                (median, [r["reply_median"] for r in rows]),
                (p90, [r["reply_p90"] for r in rows]),
            ],
            unit="h",
        )
        for dimension, rows in data["by"].items()
    }
    return chart, by_charts


def layer_charts(data: dict[str, Any]) -> dict[str, Any]:
    """Approval layers: hours, effect, and the SLA by layer and by reviewer."""
    median, p90 = (str(label) for label in _MEDIAN_P90)
    chart: dict[str, Any] = {}
    layers = data["layers"]
    names = LayerNames()
    layer_labels = [names.label(r) for r in layers]
    chart["layers"] = charts.bar_chart(
        uid="layers",
        title=_("Time spent in each approval layer"),
        labels=layer_labels,
        series=[(median, [r["median"] for r in layers]), (p90, [r["p90"] for r in layers])],
        unit="h",
        highlight=[r["no_effect"] for r in layers],
        highlight_note=_("⚠ marks a layer that adds hours and changes nothing."),
    )
    chart["layer_effect"] = charts.bar_chart(
        uid="layer-effect",
        title=_("Share of drafts each layer edited or sent back (%)"),
        labels=layer_labels,
        series=[
            (_("edited"), [round(100 * r["changed_share"], 1) for r in layers]),
            (_("sent back"), [round(100 * r["sent_back_share"], 1) for r in layers]),
        ],
        unit="%",
        highlight=[r["no_effect"] for r in layers],
    )
    sla = data["sla_layers"]
    chart["sla_layers"] = charts.bar_chart(
        uid="sla-layers",
        title=_("SLA met and breached by layer"),
        labels=[names.label(r) for r in sla],
        series=[(_("met"), [r["met"] for r in sla]), (_("breached"), [r["breached"] for r in sla])],
    )
    reviewers = data["sla_reviewers"]
    chart["sla_reviewers"] = charts.bar_chart(
        uid="sla-reviewers",
        title=_("SLA met and breached by reviewer"),
        labels=_labels(reviewers, "reviewer"),
        series=[
            (_("met"), [r["met"] for r in reviewers]),
            (_("breached"), [r["breached"] for r in reviewers]),
        ],
    )
    return chart


def volume_charts(data: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Volumes by each dimension, and engagement (None when no platform reports it)."""
    volume_charts = {
        dimension: charts.bar_chart(
            uid=f"vol-{dimension}",
            title=_("Questions by %(dimension)s") % {"dimension": DIMENSION_LABELS[dimension]},
            labels=_named(dimension, rows),
            series=[
                (_("in"), [r["received"] for r in rows]),
                (_("answered"), [r["answered"] for r in rows]),
                (_("closed unanswered"), [r["closed"] for r in rows]),
            ],
        )
        for dimension, rows in data["volumes"].items()
    }
    engagement = data["engagement"]
    engagement_chart = None
    if engagement["available"]:
        engagement_chart = charts.bar_chart(
            uid="engagement",
            title=_("Average engagement per reply, by platform"),
            labels=_named("platform", engagement["rows"]),
            series=[
                (m, [r[f"{m}_avg"] for r in engagement["rows"]]) for m in engagement["metrics"]
            ],
        )
    return volume_charts, engagement_chart


def target_charts(data: dict[str, Any]) -> dict[str, Any]:
    """The share of first responses within target, by week and by each dimension."""
    labels = {"week": _("week"), **DIMENSION_LABELS}
    return {
        group: charts.bar_chart(
            uid=f"target-{group}",
            title=_("Share of first responses within target, by %(dimension)s")
            % {"dimension": labels[group]},
            labels=_named(group, rows),
            series=[(_("within target"), [r["share"] or 0 for r in rows])],
            unit="%",
        )
        for group, rows in data["target"].items()
    }


def sections(
    *,
    tables: dict[str, Any],
    chart: dict[str, Any],
    by_charts: dict[str, Any],
    volume_charts: dict[str, Any],
    target_charts: dict[str, Any],
) -> list[dict[str, Any]]:
    """The dashboard's sections in order, each a chart with its table."""
    target_labels = {"week": _("week"), **DIMENSION_LABELS}

    def section(name: str, title: str, svg: Any, group: str) -> dict[str, Any]:
        header, rows = tables[name]
        return {
            "name": name,
            "title": title,
            "svg": svg,
            "header": header,
            "rows": rows,
            "group": group,
        }

    return [
        section("response-times", _("Time to first response over time"), chart["first"], "times"),
        section("response-times", _("Time to posted reply over time"), chart["reply"], "times"),
        *[
            section(
                f"by-{d}",
                _("Response times by %(dimension)s") % {"dimension": DIMENSION_LABELS[d]},
                svg,
                "times",
            )
            for d, svg in by_charts.items()
        ],
        *[
            section(
                f"target-{g}",
                _("First response within target by %(dimension)s")
                % {"dimension": target_labels[g]},
                svg,
                "times",
            )
            for g, svg in target_charts.items()
        ],
        section("layers", _("Time spent in each approval layer"), chart["layers"], "layers"),
        section("layers", _("What each layer changed"), chart["layer_effect"], "layers"),
        section("sla-layers", _("SLA by layer"), chart["sla_layers"], "sla"),
        section("sla-reviewers", _("SLA by reviewer"), chart["sla_reviewers"], "sla"),
        *[
            section(
                f"volumes-{d}",
                _("Volumes by %(dimension)s") % {"dimension": DIMENSION_LABELS[d]},
                svg,
                "volumes",
            )
            for d, svg in volume_charts.items()
        ],
        section("library", _("Replies from the answer library"), None, "library"),
        section("engagement", _("Engagement on replies"), chart.get("engagement"), "engagement"),
    ]
