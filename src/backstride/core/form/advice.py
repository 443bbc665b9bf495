"""Judging the figures against their ranges and choosing at most two things to try.

Each suggestion is one T.R.E.A.T. change ("Test: …, on your next run only"), taken from the
advice rules in ``form.toml`` in priority order, only for a figure that was measured with
enough quality and lies outside its range. Rules about the same underlying change (cadence,
overstride and shank angle all come down to "shorter, quicker steps") are not both given. No Django.
"""

from __future__ import annotations

from backstride.core.form.metrics import CADENCE, OVERSTRIDE, SHANK_ANGLE, Measurements
from backstride.core.form.model import MetricResult, Suggestion
from backstride.core.form.ranges import FormRanges

#: Metrics whose advice asks for the same change (a higher step rate at the same speed is
#: shorter steps, landing closer under the body); only the first matching rule is used.
_SAME_CHANGE = (frozenset({CADENCE, OVERSTRIDE, SHANK_ANGLE}),)


def judge(measurements: Measurements, ranges: FormRanges) -> tuple[MetricResult, ...]:
    """Each measured figure with its range and verdict (``unknown`` when refused)."""
    out = []
    for metric, m in measurements.values.items():
        r = ranges.ranges.get(metric)
        verdict = r.verdict(m.value) if r is not None else "unknown"
        out.append(MetricResult(m, r, verdict))
    return tuple(out)


def suggest(results: tuple[MetricResult, ...], ranges: FormRanges) -> tuple[Suggestion, ...]:
    """At most ``ranges.max_suggestions`` suggestions, in the rules' priority order."""
    by_metric = {r.measurement.metric: r for r in results}
    chosen: list[Suggestion] = []
    used: set[str] = set()
    for rule in ranges.rules:
        if len(chosen) >= ranges.max_suggestions:
            break
        res = by_metric.get(rule.metric)
        if res is None or res.verdict != "outside" or res.range is None:
            continue
        m = res.measurement
        if m.value is None or m.quality < ranges.min_quality:
            continue
        bound = res.range.low if rule.when == "below" else res.range.high
        if bound is None:
            continue
        if (rule.when == "below" and m.value >= bound) or (
            rule.when == "above" and m.value <= bound
        ):
            continue
        group = next((g for g in _SAME_CHANGE if rule.metric in g), frozenset({rule.metric}))
        if used & group:
            continue
        used |= group
        target = m.value * (1 + rule.change_percent / 100)
        text = rule.text.format(value=f"{m.value:.0f}", target=f"{target:.0f}")
        note = res.range.evidence_note
        chosen.append(Suggestion(rule.id, rule.metric, text, rule.why, rule.source, note))
    return tuple(chosen)
