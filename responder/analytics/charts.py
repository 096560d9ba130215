"""Server-rendered SVG charts that do not rely on colour alone.

Series are told apart by pattern (solid, hatched, dotted) and marker shape, every
bar carries its value as text, and each chart has a <title>/<desc> for screen
readers; the page shows the same numbers as a table next to it. Only SVG
presentation attributes are used (no style attributes), so the strict CSP holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

from responder.analytics.durations import duration_text

#: A chart whose unit is this draws durations (figures in hours) as "7 min", "1 h 20",
#: "1,5 j": bar values, and axis ticks at round minutes, hours or days.
HOURS = "h"

# Axis steps in hours: minutes, then hours, then days.
_DURATION_STEPS = (
    *(m / 60 for m in (1, 2, 5, 10, 15, 30)),
    *(1.0, 2.0, 3.0, 6.0, 12.0),
    *(24.0 * d for d in (1, 2, 5, 10, 20, 50, 100)),
)

PATTERNS = ("solid", "hatch", "dots")
SHADES = ("#26374a", "#6b8fb3", "#a33b00")
DASHES = ("", "6 4", "2 3")


def _defs(uid: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{uid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="{SHADES[1]}"/>'
        "</pattern>"
        f'<pattern id="{uid}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#fff"/>'
        f'<circle cx="2.5" cy="2.5" r="1.6" fill="{SHADES[2]}"/>'
        "</pattern>"
        "</defs>"
    )


def _fill(uid: str, index: int) -> str:
    kind = PATTERNS[index % len(PATTERNS)]
    return SHADES[0] if kind == "solid" else f"url(#{uid}-{kind})"


def _decimal(text: str) -> str:
    """`text` with the reader's decimal separator ("87,5" in French)."""
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return _decimal(f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}")


def _value_text(value: float | int | None, unit: str) -> str:
    if unit == HOURS:
        return duration_text(None if value is None else float(value))
    return _fmt(value) + unit


def _duration_top(top: float) -> float:
    """The axis top for durations: four round steps that reach `top` hours."""
    for step in _DURATION_STEPS:
        if step * 4 >= top:
            return step * 4
    return top


def _tick(value: float) -> str:
    """An axis tick, exact to two decimals: quarters of 1 read 0.25 and 0.75, never a
    rounded 0.2 and 0.8."""
    if abs(value) >= 100:
        return f"{value:.0f}"
    return _decimal(f"{value:.2f}".rstrip("0").rstrip(".") or "0")


def _legend(uid: str, series: Sequence[str], *, y: int, line: bool = False) -> str:
    parts = []
    x = 10
    for i, name in enumerate(series):
        if line:
            dash = DASHES[i % len(DASHES)]
            parts.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{SHADES[i % 3]}" '
                'stroke-width="2.5"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
                + _marker(i, x + 12, y - 4)
            )
            x += 30
        else:
            parts.append(
                f'<rect x="{x}" y="{y - 11}" width="14" height="14" fill="{_fill(uid, i)}" '
                'stroke="#333" stroke-width="1"/>'
            )
            x += 18
        parts.append(f'<text x="{x}" y="{y}" font-size="12">{escape(name)}</text>')
        x += 10 + 7 * len(name)
    return "".join(parts)


def _marker(index: int, x: float, y: float) -> str:
    shade = SHADES[index % 3]
    if index % 3 == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{shade}"/>'
    if index % 3 == 1:
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{shade}"/>'
    return (
        f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y + 3.5:.1f} '
        f'L{x - 4.5:.1f} {y + 3.5:.1f} Z" '
        f'fill="{shade}"/>'
    )


def bar_chart(
    *,
    uid: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | int | None]]],
    unit: str = "",
    highlight: Sequence[bool] | None = None,
    highlight_note: str = "",
) -> SafeString:
    """Grouped horizontal bars: one group per label, one bar per series."""
    label_width = min(260, max([60, *(7 * len(str(label)) for label in labels)]))
    bar_h, gap = 14, 10
    group_h = bar_h * len(series) + gap
    width = 720
    plot_w = width - label_width - 80
    top = 30
    height = top + group_h * max(1, len(labels)) + 10
    values = [v for _name, vals in series for v in vals if v is not None]
    top_value = max(values, default=0) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{uid}-t" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        _defs(uid),
        _legend(uid, [name for name, _v in series], y=16),
    ]
    for row, label in enumerate(labels):
        y0 = top + row * group_h
        flagged = bool(highlight and highlight[row])
        text = ("⚠ " if flagged else "") + str(label)
        out.append(
            f'<text x="{label_width - 6}" y="{y0 + group_h / 2 + 2:.1f}" font-size="12" '
            f'text-anchor="end"{" font-weight=" + chr(34) + "bold" + chr(34) if flagged else ""}>'
            f"{escape(text)}</text>"
        )
        for i, (_name, vals) in enumerate(series):
            value = vals[row] if row < len(vals) else None
            w = 0.0 if value is None else plot_w * float(value) / float(top_value)
            y = y0 + i * bar_h
            out.append(
                f'<rect x="{label_width}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h - 2}" '
                f'fill="{_fill(uid, i)}" stroke="#333" stroke-width="0.5"/>'
            )
            out.append(
                f'<text x="{label_width + w + 4:.1f}" y="{y + bar_h - 4}" font-size="11">'
                f"{escape(_value_text(value, unit))}</text>"
            )
    if highlight and any(highlight) and highlight_note:
        out.append(f"<desc>{escape(highlight_note)}</desc>")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def line_chart(
    *,
    uid: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
) -> SafeString:
    """Lines over time; series differ by dash pattern and marker shape."""
    width, height = 720, 260
    left, right, top, bottom = 50, 20, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _n, vals in series for v in vals if v is not None]
    top_value = max(values, default=0) or 1
    if unit == HOURS:
        top_value = _duration_top(top_value)
    n = max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / n, top + plot_h * (1 - v / top_value)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{uid}-t" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        _legend(uid, [name for name, _v in series], y=16, line=True),
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>',
    ]
    for tick in range(5):
        v = top_value * tick / 4
        y = top + plot_h * (1 - tick / 4)
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{escape(duration_text(v) if unit == HOURS else _tick(v) + unit)}</text>"
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
    step = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        last = i == len(labels) - 1
        # The last label is shown unless it would overlap the previous one.
        if i % step == 0 or (last and i % step >= step / 2):
            x, _y = xy(i, 0)
            anchor = "end" if last and len(labels) > 1 else "middle"
            out.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="10" '
                f'text-anchor="{anchor}">{escape(str(label))}</text>'
            )
    for s, (_name, vals) in enumerate(series):
        points = [xy(i, float(v)) for i, v in enumerate(vals) if v is not None]
        if not points:
            continue
        dash = DASHES[s % len(DASHES)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{SHADES[s % 3]}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
        out.extend(_marker(s, x, y) for x, y in points)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
