"""Server-side geometry for small inline-SVG charts (no JavaScript, data table alongside)."""

from __future__ import annotations

from datetime import date
from typing import Any

from backstride.core.outcomes import nprs_threshold, psfs_threshold
from backstride.core.protocol import Protocol

WIDTH, HEIGHT = 420, 250
LEFT, RIGHT, TOP, BOTTOM = 34, 14, 14, 34

TITLES = {
    "nprs": ("Pain (NPRS)", "0 = no pain, 10 = worst imaginable. Lower is better."),
    "psfs": ("Function (PSFS average)", "0 = unable, 10 = as well as before. Higher is better."),
}


def _y(value: float) -> float:
    return round(TOP + (10 - value) / 10 * (HEIGHT - TOP - BOTTOM), 1)


def outcome_chart(
    protocol: Protocol, measure: str, series: list[tuple[date, float]]
) -> dict[str, Any]:
    title, caption = TITLES[measure]
    chart: dict[str, Any] = {
        "id": f"chart-{measure}",
        "measure": measure,
        "title": title,
        "caption": caption,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "has_data": bool(series),
        "y_ticks": [{"y": _y(v), "label": v} for v in range(0, 11, 2)],
        "points": [],
        "x_ticks": [],
        "threshold": None,
        "rows": [],
    }
    if not series:
        return chart
    first, last = series[0][0], series[-1][0]
    span = max((last - first).days, 1)
    pad = 12  # keep the first and last points clear of the axis labels
    inner = WIDTH - LEFT - RIGHT - 2 * pad

    def x(day: date) -> float:
        if first == last:
            return LEFT + pad + inner / 2
        return round(LEFT + pad + (day - first).days / span * inner, 1)

    baseline = series[0][1]
    threshold = (
        nprs_threshold(protocol, baseline)
        if measure == "nprs"
        else psfs_threshold(protocol, baseline)
    )
    direction = "at or below" if measure == "nprs" else "at or above"
    chart["threshold"] = {
        "y": _y(threshold),
        "value": threshold,
        "label": f"Meaningful change (MCID): {direction} {threshold:g}",
        "source": protocol.cite(
            protocol.outcomes.nprs.sources if measure == "nprs" else protocol.outcomes.psfs.sources
        ),
    }
    points: list[dict[str, Any]] = []
    for day, value in series:
        reached = value <= threshold if measure == "nprs" else value >= threshold
        points.append(
            {
                "x": x(day),
                "y": _y(value),
                "day": day,
                "value": value,
                "reached": reached and day != first,
                "change": round(value - baseline, 1),
                "change_text": _change_text(measure, value - baseline),
            }
        )
    chart["points"] = points
    chart["polyline"] = " ".join(f"{p['x']},{p['y']}" for p in points)
    seen: set[str] = set()
    for p in points:
        label = p["day"].strftime("%-d %b")
        if label not in seen:
            seen.add(label)
            chart["x_ticks"].append({"x": p["x"], "label": label})
    if len(chart["x_ticks"]) > 6:  # keep labels readable on a phone
        step = len(chart["x_ticks"]) // 6 + 1
        chart["x_ticks"] = chart["x_ticks"][::step]
    chart["rows"] = points
    return chart


def _change_text(measure: str, delta: float) -> str:
    if round(delta, 1) == 0:
        return "No change"
    better = delta < 0 if measure == "nprs" else delta > 0
    return f"{delta:+.1f}".replace("-", "−").replace(".0", "") + (
        " (better)" if better else " (worse)"
    )
