"""Prometheus' text exposition format (version 0.0.4), written by hand: a few metric
families rendered from numbers we read at scrape time. The `prometheus-client` package
is not a dependency; this is the small part of it Responder needs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


@dataclass
class Family:
    """One metric family: a name, its help text, its type and its samples."""

    name: str
    help: str
    type: str = "gauge"  # gauge, counter or histogram
    samples: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, suffix: str = "", **labels: object) -> Family:
        self.samples.append((suffix, {k: str(v) for k, v in labels.items()}, float(value)))
        return self

    def add_histogram(
        self,
        *,
        bounds: Iterable[float],
        counts: Mapping[float, int],
        total: float,
        count: int,
        **labels: object,
    ) -> Family:
        """`counts` are per-bucket (not cumulative); cumulated here, +Inf added."""
        running = 0
        for bound in bounds:
            running += counts.get(bound, 0)
            self.add(running, "_bucket", **labels, le=_number(bound))
        self.add(count, "_bucket", **labels, le="+Inf")
        self.add(total, "_sum", **labels)
        return self.add(count, "_count", **labels)


def render(families: Iterable[Family]) -> str:
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for suffix, labels, value in family.samples:
            name = family.name + suffix
            if labels:
                inner = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items())
                name = f"{name}{{{inner}}}"
            lines.append(f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"
