"""The pieces of the report that need no video: the hip trace, the contacts to picture, the
skeleton, the stored JSON and its wording, the chart geometry, JPEG sizes."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from backstride.core.form import analyze
from backstride.core.form.display import BONES, hip_trace, pick_contacts, skeleton
from backstride.core.form.model import LANDMARK_NAMES, Contact
from backstride.core.form.ranges import load_form_ranges
from backstride.formcheck.charts import frame_overlay, hip_chart
from backstride.formcheck.images import NotJpeg, jpeg_size
from backstride.formcheck.report import (
    ReportView,
    compare,
    range_text,
    report_to_json,
    value_text,
)
from tests.core.form.runner import Runner


# --- The hip trace ----------------------------------------------------------------------------
def test_hip_trace_rises_and_falls_by_the_runners_bounce() -> None:
    runner = Runner(bounce=0.1, duration_s=6.0)
    trace = hip_trace(runner.clip())
    assert trace.unit == "leg lengths"
    assert min(trace.heights) == pytest.approx(0.0, abs=1e-6)
    # peak-to-trough of the hip is the bounce, in leg lengths
    assert max(trace.heights) == pytest.approx(0.1, rel=0.05)
    assert trace.times_s[0] == 0.0
    assert trace.duration_s == pytest.approx(6.0)


def test_hip_trace_in_centimetres_when_the_height_is_known() -> None:
    clip = Runner(bounce=0.1, duration_s=6.0).clip()
    trace = hip_trace(clip, runner_height_cm=180, leg_fraction_of_height=0.5)
    assert trace.unit == "cm"
    assert max(trace.heights) == pytest.approx(0.1 * 0.5 * 180, rel=0.05)


def test_hip_trace_is_binned_down_and_keeps_real_time_in_slow_motion() -> None:
    clip = Runner(fps=240, slowmo=8, duration_s=10.0).clip()
    trace = hip_trace(clip, max_points=300)
    assert len(trace.times_s) == 300
    assert trace.times_s == tuple(sorted(trace.times_s))
    assert trace.times_s[-1] == pytest.approx(10.0, abs=0.05)  # real seconds, not playback


def test_hip_trace_skips_frames_without_a_pose_and_is_empty_without_any() -> None:
    clip = Runner(drop_fraction=0.3, duration_s=6.0, seed=3).clip()
    trace = hip_trace(clip)
    assert len(trace.times_s) == clip.frames_with_pose
    empty = Runner(lowvis_fraction=1.0, duration_s=6.0).clip()
    assert hip_trace(empty).times_s == ()


# --- Which contacts to picture ----------------------------------------------------------------
def contacts(left: int, right: int) -> list[Contact]:
    out = [Contact("left", 10 * i + 5, i + 0.5) for i in range(left)]
    out += [Contact("right", 10 * i, float(i)) for i in range(right)]
    return sorted(out, key=lambda c: c.time_s)


@pytest.mark.parametrize(
    ("left", "right", "limit", "want_left", "want_right"),
    [
        (10, 10, 8, 4, 4),
        (10, 10, 7, 4, 3),
        (2, 10, 8, 2, 6),
        (0, 5, 8, 0, 5),
        (3, 3, 8, 3, 3),
        (10, 10, 1, 1, 0),
    ],
)
def test_pick_contacts_shares_the_strip_between_feet(
    left: int, right: int, limit: int, want_left: int, want_right: int
) -> None:
    chosen = pick_contacts(contacts(left, right), limit)
    assert len(chosen) <= limit
    assert sum(c.foot == "left" for c in chosen) == want_left
    assert sum(c.foot == "right" for c in chosen) == want_right
    assert list(chosen) == sorted(chosen, key=lambda c: c.time_s)
    assert len(set(chosen)) == len(chosen)


def test_pick_contacts_spans_the_whole_clip() -> None:
    all_ = contacts(10, 10)
    chosen = pick_contacts(all_, 8)
    rights = [c for c in chosen if c.foot == "right"]
    assert rights[0].time_s == 0.0 and rights[-1].time_s == 9.0


def test_pick_contacts_of_nothing_is_nothing() -> None:
    assert pick_contacts([], 8) == ()
    assert pick_contacts(contacts(3, 3), 0) == ()


# --- The skeleton -----------------------------------------------------------------------------
def test_skeleton_draws_only_confident_points_in_picture_pixels() -> None:
    points = [[0.5, 0.5, 0.9] for _ in LANDMARK_NAMES]
    points[LANDMARK_NAMES.index("left_knee")] = [0.25, 0.75, 0.2]  # not seen
    s = skeleton(points, 480, 270)
    assert all(line[:4] == (240.0, 135.0, 240.0, 135.0) for line in s.lines)
    knee_bones = [b for b in BONES if "left_knee" in b]
    assert len(s.lines) == len(BONES) - len(knee_bones)
    assert {line[4] for line in s.lines} == {"left", "right", "mid"}
    assert (120.0, 202.5) not in s.dots


def test_skeleton_of_a_frame_without_pose_is_empty() -> None:
    assert skeleton(None, 480, 270).lines == ()
    assert skeleton([[0.5, 0.5, 1.0]] * 3, 480, 270).dots == ()
    assert frame_overlay([], 480, 270).viewbox == "0 0 480 270"


# --- Stored JSON and its wording ---------------------------------------------------------------
@pytest.fixture(scope="module")
def stored() -> dict:
    runner = Runner(cadence=150, overstride=0.45, duration_s=10.0, noise_px=1.0)
    clip = runner.clip()
    ranges = load_form_ranges()
    report = analyze(clip, runner_height_cm=175, ranges=ranges)
    data = report_to_json(report, ranges, hip_trace(clip, 175))
    return json.loads(json.dumps(data))  # exactly what the database gives back


def test_report_json_keeps_figures_sources_and_trace(stored: dict) -> None:
    view = ReportView.from_json(stored)
    cadence = view.metric("cadence_spm")
    assert cadence is not None and cadence.value == pytest.approx(150, abs=3)
    assert cadence.verdict == "outside"
    assert cadence.verdict_text == "Lower than the usual range"
    assert cadence.range_text == "160 steps a minute or more"
    assert any(s.short.startswith("Heiderscheit") and s.url for s in cadence.sources)
    assert cadence.quality_text.startswith("Confidence: ")
    assert view.hip_trace is not None and view.hip_trace["unit"] == "cm"
    assert len(view.contacts) >= 12


def test_report_suggests_at_most_two_changes_without_rule_ids(stored: dict) -> None:
    view = ReportView.from_json(stored)
    assert 1 <= len(view.suggestions) <= 2
    assert view.suggestions[0].text.startswith("Test:")
    shown = json.dumps([s.__dict__ for s in view.suggestions], default=str)
    assert "form-advice" not in shown and "form-" not in shown


def test_overstride_is_flagged_as_higher(stored: dict) -> None:
    view = ReportView.from_json(stored)
    over = view.metric("overstride_ratio")
    assert over is not None and over.verdict_text == "Higher than the usual range"
    assert over.range_text == "up to 0.30 leg lengths"


def test_a_refused_figure_says_why_instead_of_a_number() -> None:
    clip = Runner(view="rear", duration_s=8.0).clip()
    ranges = load_form_ranges()
    view = ReportView.from_json(report_to_json(analyze(clip, ranges=ranges), ranges))
    lean = view.metric("trunk_lean_deg")
    assert lean is not None and lean.value is None
    assert lean.value_text == "Not measured" and lean.verdict_text == "Not measured"
    assert "side view" in lean.refusal
    assert lean.quality_text == ""


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        ("cadence_spm", 171.6, "172 steps a minute"),
        ("trunk_lean_deg", 7.4, "7° forward"),
        ("trunk_lean_deg", -3.2, "3° back"),
        ("trunk_lean_deg", -0.2, "0° back"),
        ("overstride_ratio", 0.234, "0.23 leg lengths"),
        ("shank_angle_deg", -4.0, "−4°"),
        ("vertical_oscillation_cm", 8.04, "8.0 cm"),
        ("knee_flexion_deg", None, "Not measured"),
    ],
)
def test_value_text(metric: str, value: float | None, text: str) -> None:
    assert value_text(metric, value) == text


@pytest.mark.parametrize(
    ("metric", "low", "high", "text"),
    [
        ("cadence_spm", 160, None, "160 steps a minute or more"),
        ("trunk_lean_deg", 0, 15, "0–15°"),
        ("overstride_ratio", None, 0.3, "up to 0.30 leg lengths"),
        ("knee_flexion_deg", None, None, "no range set"),
    ],
)
def test_range_text(metric: str, low: float | None, high: float | None, text: str) -> None:
    assert range_text(metric, low, high) == text


def test_compare_first_and_latest(stored: dict) -> None:
    first = ReportView.from_json(stored)
    later = json.loads(json.dumps(stored))
    for m in later["metrics"]:
        if m["metric"] == "cadence_spm":
            m["value"] += 8
        if m["metric"] == "knee_flexion_deg":
            m["value"] = None
    rows = {r.label: r for r in compare(first, ReportView.from_json(later))}
    assert rows["Cadence"].change == "+8 steps a minute"
    assert rows["Knee bend at landing"].change == "—"
    assert rows["Knee bend at landing"].latest == "Not measured"


# --- The chart --------------------------------------------------------------------------------
def test_hip_chart_maps_time_and_height_into_the_plot(stored: dict) -> None:
    view = ReportView.from_json(stored)
    chart = hip_chart(view.hip_trace, view.contacts)
    assert chart is not None
    xs, ys = [], []
    for pair in chart.points.split():
        x, y = (float(v) for v in pair.split(","))
        xs.append(x)
        ys.append(y)
    assert min(xs) >= chart.left and max(xs) <= chart.right
    assert min(ys) >= chart.top and max(ys) <= chart.bottom
    # the lowest hip sits on the axis (binning averages neighbouring frames a little)
    assert max(ys) == pytest.approx(chart.bottom, abs=2)
    assert len(chart.markers) == len(view.contacts)
    assert all(chart.left <= m.x <= chart.right for m in chart.markers)
    assert chart.x_ticks[0].label == "0 s"
    assert chart.y_label == "Hip height (cm)"


def test_hip_chart_needs_a_trace() -> None:
    assert hip_chart(None, []) is None
    assert hip_chart({"times_s": [0.0], "heights": [0.0]}, []) is None


# --- JPEG sizes -------------------------------------------------------------------------------
@pytest.mark.parametrize("progressive", [False, True])
def test_jpeg_size_reads_the_frame_header(progressive: bool) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (480, 853)).save(buf, "JPEG", progressive=progressive)
    assert jpeg_size(buf.getvalue()) == (480, 853)


@pytest.mark.parametrize("data", [b"", b"GIF89a....", b"\xff\xd8\xff\xd9"])
def test_jpeg_size_refuses_what_is_not_a_jpeg(data: bytes) -> None:
    with pytest.raises(NotJpeg):
        jpeg_size(data)


def test_no_rule_ids_in_the_stored_wording(stored: dict) -> None:
    view = ReportView.from_json(stored)
    words = " ".join(m.verdict_text + m.range_text + m.value_text for m in view.metrics)
    assert not re.search(r"form-[a-z-]+", words)
