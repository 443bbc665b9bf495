"""At low frame rates the angles at contact err in one direction, as form.toml says: the knee
reads more bent and the shin more upright than they were, so a flag can be missed, not made up."""

from __future__ import annotations

import statistics

import pytest

from backstride.core.form.metrics import KNEE_FLEXION, SHANK_ANGLE, measure

from .runner import Runner

RUNNERS = [
    Runner(fps=fps, cadence=cadence, knee_flex_deg=knee, start_s=start)
    for fps in (25.0, 30.0)
    for cadence in (160.0, 172.0, 185.0)
    for knee in (10.0, 20.0, 30.0)
    for start in (0.13, 0.147)
]


@pytest.mark.parametrize(
    "runner", RUNNERS, ids=lambda r: f"{r.fps:g}fps-{r.cadence:g}-{r.knee_flex_deg:g}"
)
def test_knee_reads_bent_and_shin_upright_never_the_other_way(runner: Runner) -> None:
    m = measure(runner.clip())
    knee, shank = m[KNEE_FLEXION].value, m[SHANK_ANGLE].value
    assert knee is not None and shank is not None
    assert 0 <= knee - runner.knee_flex_deg <= 15
    assert 0 <= runner.shank_angle_deg() - shank <= 9


def test_the_bias_shrinks_as_the_frame_rate_rises() -> None:
    def knee_bias(fps: float) -> float:
        errors = []
        for cadence in (160.0, 172.0, 185.0):
            r = Runner(fps=fps, cadence=cadence)
            value = measure(r.clip())[KNEE_FLEXION].value
            assert value is not None
            errors.append(value - r.knee_flex_deg)
        return statistics.mean(errors)

    assert knee_bias(30) > knee_bias(60) > knee_bias(120) >= 0
