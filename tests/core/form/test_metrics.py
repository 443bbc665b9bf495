"""The gait figures recover what a synthetic runner was built with, or refuse with a reason."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.core.form.metrics import (
    CADENCE,
    KNEE_FLEXION,
    METRICS,
    OSCILLATION,
    OSCILLATION_CM,
    OVERSTRIDE,
    SAGITTAL,
    SHANK_ANGLE,
    TRUNK_LEAN,
    measure,
)
from backstride.core.form.model import Clip, LandmarkError

from .runner import Runner, mirrored

# name, runner, tolerances (cadence spm, lean °, overstride, bounce, knee °, shank °)
NOISY = Runner(noise_px=2, drop_fraction=0.05, lowvis_fraction=0.05, seed=3)
RECOVERY = [
    ("typical_60fps", Runner(), (1.0, 1.0, 0.02, 0.01, 5.0, 3.0)),
    ("fast_30fps", Runner(cadence=185, fps=30, overstride=0.1), (1.5, 1.0, 0.03, 0.015, 7, 4)),
    ("slow_overstride", Runner(cadence=150, overstride=0.4, lean_deg=3), (1, 1, 0.02, 0.01, 5, 3)),
    ("running_left", Runner(direction=-1, camera_side="right"), (1.0, 1.0, 0.02, 0.01, 5.0, 3.0)),
    ("upright_big_bounce", Runner(lean_deg=0, bounce=0.14), (1.0, 1.0, 0.02, 0.015, 5.0, 3.0)),
    ("noise_and_gaps", NOISY, (1.5, 2.0, 0.03, 0.015, 6.0, 4.0)),
    ("slow_motion_240", Runner(fps=240, slowmo=8, duration_s=6), (1.0, 1.0, 0.01, 0.01, 3.0, 2.0)),
]


@pytest.mark.parametrize(("name", "runner", "tol"), RECOVERY, ids=[r[0] for r in RECOVERY])
def test_metrics_recover_the_runner_they_were_built_from(
    name: str, runner: Runner, tol: tuple[float, ...]
) -> None:
    m = measure(runner.clip())
    cad, lean, over, bounce, knee, shank = tol
    assert m[CADENCE].value == pytest.approx(runner.cadence, abs=cad)
    assert m[TRUNK_LEAN].value == pytest.approx(runner.lean_deg, abs=lean)
    assert m[OVERSTRIDE].value == pytest.approx(runner.overstride, abs=over)
    assert m[OSCILLATION].value == pytest.approx(runner.bounce, abs=bounce)
    assert m[KNEE_FLEXION].value == pytest.approx(runner.knee_flex_deg, abs=knee)
    assert m[SHANK_ANGLE].value == pytest.approx(runner.shank_angle_deg(), abs=shank)
    assert m.direction == runner.direction


def test_cadence_rests_on_the_steps_seen() -> None:
    runner = Runner(duration_s=8)
    m = measure(runner.clip())
    expected_steps = runner.duration_s * runner.cadence / 60
    assert abs(len(m.contacts) - expected_steps) <= 2
    assert m[CADENCE].n == len(m.contacts)
    feet = [c.foot for c in m.contacts]
    assert all(a != b for a, b in itertools.pairwise(feet)), "feet alternate"


def test_contact_times_match_the_model() -> None:
    runner = Runner(fps=120)
    m = measure(runner.clip())
    for c in m.contacts:
        offset = runner.start_s + (runner.step_s if c.foot == "left" else 0.0)
        k = round((c.time_s - offset) / (2 * runner.step_s))
        assert c.time_s == pytest.approx(offset + 2 * k * runner.step_s, abs=0.012)


def test_bounce_in_cm_uses_the_runners_height() -> None:
    runner = Runner()
    m = measure(runner.clip(), runner_height_cm=180)
    ratio = m[OSCILLATION].value
    assert ratio is not None
    assert m[OSCILLATION_CM].value == pytest.approx(ratio * 0.491 * 180, abs=0.06)
    assert "height" in measure(runner.clip())[OSCILLATION_CM].refusal


@pytest.mark.parametrize("height", [50, 300])
def test_implausible_height_is_refused(height: float) -> None:
    assert "outside" in measure(Runner().clip(), runner_height_cm=height)[OSCILLATION_CM].refusal


# --- refusals -------------------------------------------------------------------------------
SHOULDERS = ("left_shoulder", "right_shoulder")
HEELS = ("left_heel", "right_heel")


def refusal_cases() -> list[tuple[str, Runner, frozenset[str], str]]:
    everything = frozenset(METRICS)
    return [
        (
            "too_short",
            Runner(duration_s=1.0),
            frozenset({CADENCE, OSCILLATION, *SAGITTAL}),
            "contacts",
        ),
        ("low_frame_rate", Runner(fps=12), everything, "frames per second"),
        ("mostly_no_person", Runner(drop_fraction=0.7), everything, "found in only"),
        ("runner_too_small", Runner(leg_px=40), everything, "too small"),
        ("rear_view", Runner(view="rear"), SAGITTAL, "side view"),
        ("not_side_on", Runner(shoulder_spread=1.2), SAGITTAL, "not side-on"),
        ("shoulders_unseen", Runner(hidden=SHOULDERS), frozenset({TRUNK_LEAN}), "seen clearly"),
        ("heels_unseen", Runner(hidden=HEELS), frozenset({OVERSTRIDE}), "seen clearly"),
    ]


@pytest.mark.parametrize(
    ("name", "runner", "refused", "reason"), refusal_cases(), ids=[c[0] for c in refusal_cases()]
)
def test_unmeasurable_figures_are_refused_with_a_reason(
    name: str, runner: Runner, refused: frozenset[str], reason: str
) -> None:
    m = measure(runner.clip(), runner_height_cm=175)
    for metric in refused:
        assert m[metric].value is None, metric
        assert m[metric].quality == 0
        assert m[metric].refusal, metric
    assert any(reason in m[metric].refusal for metric in refused)
    for metric in set(METRICS) - refused - {OSCILLATION_CM}:
        assert m[metric].value is not None, f"{metric} should still be measured"
    if name == "rear_view":
        assert m[CADENCE].value == pytest.approx(runner.cadence, abs=1.0), "cadence needs no side"


def test_empty_clip_is_refused() -> None:
    m = measure(Clip(fps=30, width=640, height=480, frames=()))
    assert all(v.value is None for v in m.values.values())
    assert "No person" in m.warnings[0]


def test_clear_steps_just_at_the_minimum_are_measured_and_one_fewer_is_not() -> None:
    runner = Runner()
    # the first contact is at 0.13 s and then one every step: keep exactly 6 or 5 contacts
    six = runner.start_s + 5.5 * runner.step_s
    five = runner.start_s + 4.5 * runner.step_s
    assert measure(replace(runner, duration_s=six).clip())[CADENCE].value is not None
    assert measure(replace(runner, duration_s=five).clip())[CADENCE].value is None


# --- quality ----------------------------------------------------------------------------------
def test_lower_frame_rate_lowers_the_quality_of_angles() -> None:
    hi = measure(Runner(fps=60).clip())[KNEE_FLEXION].quality
    lo = measure(Runner(fps=30).clip())[KNEE_FLEXION].quality
    assert lo < hi
    assert "frames per second" in " ".join(
        measure(Runner(fps=30).clip())[KNEE_FLEXION].quality_notes
    )


def test_heavy_jitter_is_named_in_the_quality_notes() -> None:
    m = measure(Runner(noise_px=12, seed=2).clip())
    notes = " ".join(m[TRUNK_LEAN].quality_notes)
    assert "wobbles" in notes
    assert m[TRUNK_LEAN].quality < measure(Runner().clip())[TRUNK_LEAN].quality


# --- properties -------------------------------------------------------------------------------
@settings(max_examples=12, deadline=None)
@given(
    cadence=st.floats(150, 195),
    fps=st.sampled_from([24.0, 25.0, 30.0, 50.0, 60.0, 120.0]),
)
def test_cadence_estimate_does_not_depend_on_the_frame_rate(cadence: float, fps: float) -> None:
    base = measure(Runner(cadence=cadence, fps=60).clip())[CADENCE].value
    other = measure(Runner(cadence=cadence, fps=fps).clip())[CADENCE].value
    assert base is not None and other is not None
    assert other == pytest.approx(base, rel=0.01)


@settings(max_examples=10, deadline=None)
@given(
    lean=st.floats(-5, 20),
    overstride=st.floats(0.05, 0.45),
    direction=st.sampled_from([1, -1]),
    swap=st.booleans(),
)
def test_mirroring_the_video_gives_the_same_metrics(
    lean: float, overstride: float, direction: int, swap: bool
) -> None:
    clip = Runner(lean_deg=lean, overstride=overstride, direction=direction).clip()
    a, b = measure(clip), measure(mirrored(clip, swap_sides=swap))
    assert b.direction == -a.direction
    for metric in METRICS:
        assert a[metric].value == pytest.approx(b[metric].value, abs=1e-6), metric


@settings(max_examples=10, deadline=None)
@given(noise=st.floats(0.5, 15), seed=st.integers(0, 1000))
def test_adding_noise_never_raises_quality(noise: float, seed: int) -> None:
    clean = measure(Runner(seed=seed).clip())
    noisy = measure(Runner(noise_px=noise, seed=seed).clip())
    for metric in (CADENCE, TRUNK_LEAN, OVERSTRIDE, OSCILLATION, KNEE_FLEXION):
        assert noisy[metric].quality <= clean[metric].quality + 1e-9, metric


# --- the landmark JSON -------------------------------------------------------------------------
def test_landmark_json_round_trips() -> None:
    clip = Runner(duration_s=2, drop_fraction=0.1).clip()
    again = Clip.from_json(json.loads(json.dumps(clip.to_json())))
    assert again == clip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other"}, "format"),
        ({"version": 2}, "version"),
        ({"fps": 0}, "fps"),
        ({"slowmo_factor": 0.5}, "slowmo"),
        ({"view": "front"}, "view"),
        ({"frames": [[[0.5, 0.5, 1.0]]]}, "frame 0"),
        ({"frames": "none"}, "frames"),
    ],
)
def test_bad_landmark_json_says_what_is_wrong(change: dict[str, object], message: str) -> None:
    data = Runner(duration_s=0.5).clip().to_json()
    data.update(change)
    with pytest.raises(LandmarkError, match=message):
        Clip.from_json(data)
