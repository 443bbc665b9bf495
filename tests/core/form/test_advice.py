"""The form ranges file, the verdicts, and the at-most-two T.R.E.A.T. suggestions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.core.form import analyze
from backstride.core.form.advice import judge, suggest
from backstride.core.form.metrics import (
    CADENCE,
    KNEE_FLEXION,
    METRICS,
    OSCILLATION,
    OVERSTRIDE,
    SHANK_ANGLE,
    TRUNK_LEAN,
    UNITS,
    Measurements,
)
from backstride.core.form.model import Measurement
from backstride.core.form.ranges import DEFAULT_PATH, load_form_ranges, parse_form_ranges
from backstride.core.tables import ProtocolError

from .runner import Runner

RANGES = load_form_ranges()


def measurements(quality: float = 0.9, **values: float | None) -> Measurements:
    vals = {
        m: Measurement(m, UNITS[m], values.get(m), quality if values.get(m) is not None else 0.0)
        for m in METRICS
    }
    return Measurements(vals, (), 300, 300, (), 400.0, 1)


def test_shipped_ranges_load_with_a_source_and_what_it_measured() -> None:
    assert RANGES.ranges, "the shipped file has ranges"
    for r in RANGES.ranges.values():
        assert r.source and r.measured, r.id
        assert r.analogy, f"{r.id}: none of these sources studied backs"
        for key in r.source:
            assert key == "expert default" or key in RANGES.sources
    for rule in RANGES.rules:
        assert rule.source and rule.text.startswith("Test:")
    assert 0 < RANGES.max_suggestions <= 2


# metric, value, verdict — at and just past each shipped limit
def boundary_cases() -> list[tuple[str, float, str]]:
    cases = []
    for metric, r in RANGES.ranges.items():
        if r.low is not None:
            cases += [(metric, r.low, "within"), (metric, r.low - 0.01, "outside")]
        if r.high is not None:
            cases += [(metric, r.high, "within"), (metric, r.high + 0.01, "outside")]
    return cases


@pytest.mark.parametrize(("metric", "value", "verdict"), boundary_cases())
def test_range_limits_are_inclusive(metric: str, value: float, verdict: str) -> None:
    results = {r.measurement.metric: r for r in judge(measurements(**{metric: value}), RANGES)}
    assert results[metric].verdict == verdict


def test_refused_metric_has_an_unknown_verdict() -> None:
    results = judge(measurements(), RANGES)
    assert {r.verdict for r in results} == {"unknown"}


def test_low_cadence_suggests_testing_five_percent_more() -> None:
    (s,) = suggest(judge(measurements(**{CADENCE: 150.0}), RANGES), RANGES)
    assert s.rule_id == "form-advice-cadence-up"
    assert "158 steps" in s.text and "150" in s.text
    assert "heiderscheit2011" in s.source


def test_figures_within_range_suggest_nothing() -> None:
    m = measurements(**{CADENCE: 172.0, TRUNK_LEAN: 6.0, OVERSTRIDE: 0.15, KNEE_FLEXION: 20.0})
    assert suggest(judge(m, RANGES), RANGES) == ()


def test_poorly_measured_figure_gives_no_advice() -> None:
    m = measurements(quality=RANGES.min_quality / 2, **{CADENCE: 140.0})
    assert suggest(judge(m, RANGES), RANGES) == ()


def test_shorter_steps_are_suggested_once_not_three_times() -> None:
    m = measurements(**{CADENCE: 150.0, OVERSTRIDE: 0.5, SHANK_ANGLE: 20.0, OSCILLATION: 0.2})
    got = suggest(judge(m, RANGES), RANGES)
    assert [s.metric for s in got] == [CADENCE, OSCILLATION]


@settings(max_examples=60, deadline=None)
@given(
    st.fixed_dictionaries({m: st.none() | st.floats(-30, 250) for m in METRICS}, optional={}),
    st.floats(0, 1),
)
def test_never_more_than_two_suggestions_each_one_change_outside_its_range(
    values: dict[str, float | None], quality: float
) -> None:
    results = judge(measurements(quality=quality, **values), RANGES)
    got = suggest(results, RANGES)
    assert len(got) <= 2
    verdicts = {r.measurement.metric: r.verdict for r in results}
    for s in got:
        assert s.text.startswith("Test:") and "next run only" in s.text
        assert verdicts[s.metric] == "outside"
    assert len({s.rule_id for s in got}) == len(got)


def test_analyze_judges_a_synthetic_overstrider() -> None:
    report = analyze(Runner(cadence=150, overstride=0.45).clip(), runner_height_cm=175)
    assert report.metric(CADENCE).verdict == "outside"
    assert report.metric(OVERSTRIDE).verdict == "outside"
    assert report.metric(TRUNK_LEAN).verdict == "within"
    assert report.suggestions[0].metric == CADENCE
    assert report.ranges_version.startswith("form-default")


# --- a broken file says where -----------------------------------------------------------------
TEXT = DEFAULT_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('metric = "cadence_spm"\nunit', 'metric = "cadense_spm"\nunit', "did you mean"),
        ('source = "souza2016"', 'source = "souza2061"', "unknown source"),
        ("low = 160\n", "low = 160\nhigh = 150\n", "must be above low"),
        ('text = "Test: land with your foot', 'text = "Land with your foot', "must start with"),
        ("max_suggestions = 2", "max_suggestions = 3", "above the maximum"),
        ('unit = "steps/min"', 'unit = "Hz"', "measured in"),
    ],
)
def test_broken_form_file_reports_file_and_line(old: str, new: str, problem: str) -> None:
    assert old in TEXT
    broken = TEXT.replace(old, new, 1)
    with pytest.raises(ProtocolError) as exc:
        parse_form_ranges(broken, "copy.toml")
    hits = [i for i in exc.value.issues if problem in i.problem]
    assert hits, str(exc.value)
    changed = broken[: broken.index(new)].count("\n") + 1
    line = hits[0].line
    assert line is not None
    assert changed - 10 <= line <= changed + new.count("\n"), (line, changed)
    assert hits[0].file == "copy.toml"


def test_range_without_source_is_an_error() -> None:
    broken = TEXT.replace('source = "souza2016"\nanalogy', "analogy", 1)
    with pytest.raises(ProtocolError, match="missing required key 'source'"):
        parse_form_ranges(broken)


def test_ranges_can_be_tailored() -> None:
    tailored = parse_form_ranges(TEXT.replace("low = 160", "low = 165", 1))
    assert tailored.ranges[CADENCE].low == 165
    assert replace(tailored.ranges[CADENCE], low=160) == RANGES.ranges[CADENCE]


def test_every_source_says_whether_it_was_checked_and_what_was() -> None:
    assert RANGES.sources and all(s.checked for s in RANGES.sources.values())
    # A source recalled from memory must say so in its note, in plain words.
    for source in RANGES.sources.values():
        assert source.verified != source.checked.startswith("Not checked"), source.key
    broken = TEXT.replace("verified = false\n", "", 1)
    with pytest.raises(ProtocolError, match="missing required key 'verified'"):
        parse_form_ranges(broken)
