"""A form report as stored JSON, and as the rows a runner reads.

``report_to_json`` freezes a :class:`~backstride.core.form.model.FormReport` together with the
sources of its ranges (so an old check still shows what it was judged against, even after
``form.toml`` changes). ``ReportView.from_json`` turns that JSON into plain rows for the page
and the API: each figure in words, its verdict, its range and sources, and how sure it is.
No rule ids and no diagnosis reach the runner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from backstride.core.form.display import HipTrace
from backstride.core.form.model import FormReport, MetricResult, Range
from backstride.core.form.ranges import FormRanges

REPORT_VERSION: Final = 1


@dataclass(frozen=True)
class MetricText:
    label: str
    explain: str
    digits: int
    unit_words: str


#: How each figure is named and explained to a runner, in the order the page shows them.
METRIC_TEXT: Final[dict[str, MetricText]] = {
    "cadence_spm": MetricText(
        "Cadence", "How many steps you take a minute, both feet counted.", 0, "steps a minute"
    ),
    "trunk_lean_deg": MetricText(
        "Trunk lean",
        "How far your upper body leans forward from upright as a foot lands.",
        0,
        "°",
    ),
    "overstride_ratio": MetricText(
        "Foot landing ahead of the hips",
        "How far in front of your hips your heel lands, as a share of your leg length.",
        2,
        "leg lengths",
    ),
    "shank_angle_deg": MetricText(
        "Shin angle at landing",
        "How far your shin reaches forward as the foot lands; 0° is upright.",
        0,
        "°",
    ),
    "vertical_oscillation_ratio": MetricText(
        "Bounce",
        "How far your hips rise and fall with each step, as a share of your leg length.",
        2,
        "leg lengths",
    ),
    "vertical_oscillation_cm": MetricText(
        "Bounce in centimetres",
        "The same bounce in centimetres, worked out from the height you gave.",
        1,
        "cm",
    ),
    "knee_flexion_deg": MetricText(
        "Knee bend at landing", "How bent your knee is as the foot lands.", 0, "°"
    ),
}

#: Figures compared between a runner's first and latest check.
COMPARED: Final = (
    "cadence_spm",
    "trunk_lean_deg",
    "overstride_ratio",
    "vertical_oscillation_ratio",
    "knee_flexion_deg",
)


# --- To JSON ------------------------------------------------------------------------------
def _sources(keys: Sequence[str], ranges: FormRanges) -> list[dict[str, str]]:
    out = []
    for key in keys:
        src = ranges.sources.get(key)
        if src is None:
            out.append({"short": key, "citation": key, "url": ""})
        else:
            out.append({"short": src.short, "citation": src.citation, "url": src.url})
    return out


def _range_json(r: Range | None, ranges: FormRanges) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "low": r.low,
        "high": r.high,
        "unit": r.unit,
        "measured": r.measured,
        "evidence_note": r.evidence_note,
        "analogy": r.analogy,
        "sources": _sources(r.source, ranges),
    }


def _metric_json(res: MetricResult, ranges: FormRanges) -> dict[str, Any]:
    m = res.measurement
    return {
        "metric": m.metric,
        "unit": m.unit,
        "value": m.value,
        "quality": m.quality,
        "quality_notes": list(m.quality_notes),
        "n": m.n,
        "refusal": m.refusal,
        "verdict": res.verdict,
        "range": _range_json(res.range, ranges),
    }


def report_to_json(
    report: FormReport, ranges: FormRanges, trace: HipTrace | None = None
) -> dict[str, Any]:
    """The report, its ranges' sources and the hip trace, as plain JSON for the database."""
    return {
        "version": REPORT_VERSION,
        "ranges_version": report.ranges_version,
        "frames": report.frames,
        "frames_with_pose": report.frames_with_pose,
        "warnings": list(report.warnings),
        "metrics": [_metric_json(r, ranges) for r in report.metrics],
        "contacts": [
            {"foot": c.foot, "frame": c.frame, "time_s": round(c.time_s, 4)}
            for c in report.contacts
        ],
        "suggestions": [
            {
                "metric": s.metric,
                "text": s.text,
                "why": s.why,
                "evidence_note": s.evidence_note,
                "sources": _sources(s.source, ranges),
            }
            for s in report.suggestions
        ],
        "hip_trace": None
        if trace is None
        else {
            "times_s": list(trace.times_s),
            "heights": list(trace.heights),
            "unit": trace.unit,
            "duration_s": round(trace.duration_s, 4),
        },
    }


# --- For reading --------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceRow:
    short: str
    citation: str
    url: str


@dataclass(frozen=True)
class MetricRow:
    """One figure in words."""

    metric: str
    label: str
    explain: str
    value: float | None
    value_text: str
    verdict: str  # within | outside | unknown
    verdict_text: str
    badge: str  # CSS class
    range_text: str
    sources: tuple[SourceRow, ...]
    measured: str
    evidence_note: str
    analogy: bool
    quality: float
    quality_text: str
    quality_notes: tuple[str, ...]
    refusal: str


@dataclass(frozen=True)
class SuggestionRow:
    text: str
    why: str
    evidence_note: str
    sources: tuple[SourceRow, ...]


@dataclass(frozen=True)
class ContactRow:
    foot: str
    frame: int
    time_s: float


@dataclass(frozen=True)
class ReportView:
    """A stored report ready for a page or the API."""

    metrics: tuple[MetricRow, ...]
    suggestions: tuple[SuggestionRow, ...]
    warnings: tuple[str, ...]
    contacts: tuple[ContactRow, ...]
    frames: int
    frames_with_pose: int
    ranges_version: str
    hip_trace: Mapping[str, Any] | None

    @property
    def pose_percent(self) -> int:
        return round(100 * self.frames_with_pose / self.frames) if self.frames else 0

    @property
    def measured_any(self) -> bool:
        return any(m.value is not None for m in self.metrics)

    def metric(self, name: str) -> MetricRow | None:
        return next((m for m in self.metrics if m.metric == name), None)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportView:
        rows = [_metric_row(m) for m in data.get("metrics", []) if m.get("metric") in METRIC_TEXT]
        order = list(METRIC_TEXT)
        rows.sort(key=lambda r: order.index(r.metric))
        return cls(
            metrics=tuple(rows),
            suggestions=tuple(
                SuggestionRow(
                    s["text"], s["why"], s.get("evidence_note", ""), _source_rows(s["sources"])
                )
                for s in data.get("suggestions", [])
            ),
            warnings=tuple(data.get("warnings", [])),
            contacts=tuple(
                ContactRow(c["foot"], int(c["frame"]), float(c["time_s"]))
                for c in data.get("contacts", [])
            ),
            frames=int(data.get("frames", 0)),
            frames_with_pose=int(data.get("frames_with_pose", 0)),
            ranges_version=str(data.get("ranges_version", "")),
            hip_trace=data.get("hip_trace"),
        )


def _source_rows(raw: Sequence[Mapping[str, str]]) -> tuple[SourceRow, ...]:
    return tuple(SourceRow(s["short"], s.get("citation", ""), s.get("url", "")) for s in raw)


def number(value: float, digits: int) -> str:
    """``value`` rounded for reading, with a real minus sign and no ``-0``."""
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "−")


def value_text(metric: str, value: float | None) -> str:
    """A figure with its unit in words: ``"168 steps a minute"``, ``"7° forward"``."""
    if value is None:
        return "Not measured"
    t = METRIC_TEXT[metric]
    if metric == "trunk_lean_deg":
        direction = "forward" if value >= 0 else "back"
        return f"{number(abs(value), 0)}° {direction}"
    if t.unit_words == "°":
        return f"{number(value, t.digits)}°"
    return f"{number(value, t.digits)} {t.unit_words}"


def range_text(metric: str, low: float | None, high: float | None) -> str:
    """The usual range in words: ``"160 or more steps a minute"``, ``"0–15°"``."""
    t = METRIC_TEXT[metric]
    unit = t.unit_words
    sep = "" if unit == "°" else " "
    digits = 0 if unit in {"°", "steps a minute"} else t.digits
    if low is not None and high is not None:
        return f"{number(low, digits)}–{number(high, digits)}{sep}{unit}"
    if low is not None:
        return f"{number(low, digits)}{sep}{unit} or more"
    if high is not None:
        return f"up to {number(high, digits)}{sep}{unit}"
    return "no range set"


def quality_words(quality: float) -> str:
    if quality >= 0.7:
        return "good"
    if quality >= 0.4:
        return "fair"
    return "low"


def _verdict_words(verdict: str, value: float | None, rng: Mapping[str, Any] | None) -> str:
    if verdict == "within":
        return "In the usual range"
    if verdict == "outside" and rng is not None and value is not None:
        if rng.get("low") is not None and value < rng["low"]:
            return "Lower than the usual range"
        return "Higher than the usual range"
    return "Not measured" if value is None else ""


def _metric_row(m: Mapping[str, Any]) -> MetricRow:
    metric = m["metric"]
    t = METRIC_TEXT[metric]
    value = m.get("value")
    verdict = m.get("verdict", "unknown")
    rng = m.get("range")
    quality = float(m.get("quality") or 0.0)
    n = int(m.get("n") or 0)
    if value is None:
        q_text = ""
    else:
        q_text = f"Confidence: {quality_words(quality)}"
        if n:
            q_text += f", from {n} foot contact{'s' if n != 1 else ''}"
    return MetricRow(
        metric=metric,
        label=t.label,
        explain=t.explain,
        value=value,
        value_text=value_text(metric, value),
        verdict=verdict,
        verdict_text=_verdict_words(verdict, value, rng),
        badge={"within": "badge-green", "outside": "badge-amber"}.get(verdict, ""),
        range_text="" if rng is None else range_text(metric, rng.get("low"), rng.get("high")),
        sources=() if rng is None else _source_rows(rng.get("sources", [])),
        measured="" if rng is None else rng.get("measured", ""),
        evidence_note="" if rng is None else rng.get("evidence_note", ""),
        analogy=False if rng is None else bool(rng.get("analogy")),
        quality=quality,
        quality_text=q_text,
        quality_notes=tuple(m.get("quality_notes", [])),
        refusal=m.get("refusal", ""),
    )


# --- First against latest -------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonRow:
    label: str
    first: str
    latest: str
    change: str


def compare(first: ReportView, latest: ReportView) -> tuple[ComparisonRow, ...]:
    """The compared figures side by side; a change only where both were measured."""
    rows = []
    for metric in COMPARED:
        a, b = first.metric(metric), latest.metric(metric)
        if a is None or b is None or (a.value is None and b.value is None):
            continue
        change = ""
        if a.value is not None and b.value is not None:
            digits = METRIC_TEXT[metric].digits
            diff = b.value - a.value
            change = ("+" if float(number(diff, digits).replace("−", "-")) > 0 else "") + number(
                diff, digits
            )
            unit = METRIC_TEXT[metric].unit_words
            change += unit if unit == "°" else f" {unit}"
        rows.append(
            ComparisonRow(METRIC_TEXT[metric].label, a.value_text, b.value_text, change or "—")
        )
    return tuple(rows)
