"""Tailoring a client's protocol copy (pure): what may change, what the diff says, and the
protocol file's own validator deciding what is allowed."""

from __future__ import annotations

import tomllib

import pytest

from backstride.core.protocol import default_protocol
from backstride.core.protocol.model import DEFAULT_PROTOCOL_PATH
from backstride.core.tailoring import NON_FIELD, options, switch_key, tailor

TEXT = DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")
BASE = default_protocol()


def on_keys(text: str = TEXT) -> list[str]:
    return [s.key for s in options(text, TEXT, BASE)[1] if s.on]


def test_options_offer_limits_ceilings_checkin_thresholds_and_every_exercise() -> None:
    settings, switches = options(TEXT, TEXT, BASE)
    keys = {s.key for s in settings}
    assert {"treat.colours.green_max_pain", "treat.colours.amber_max_pain"} <= keys
    assert "running.ladders[0].weekly_ceiling_km" in keys
    assert "checkin_rules[0].where.value" in keys
    assert all(s.value == s.default for s in settings)
    phase1 = {s.exercise_id for s in switches if s.phase == 1}
    assert phase1 == {e for session in BASE.phase(1).sessions for e in session.exercises}
    assert all(s.on for s in switches)


def test_a_change_is_written_into_the_copy_and_listed_with_before_and_after() -> None:
    result = tailor(
        TEXT,
        TEXT,
        BASE,
        {"treat.colours.green_max_pain": 2, "running.ladders[0].weekly_ceiling_km": 15},
        on_keys(),
    )
    assert result.ok, result.errors
    assert result.protocol is not None
    assert result.protocol.running is not None
    assert result.protocol.running.treat.colours.green_max_pain == 2
    assert result.protocol.running.ladders[0].weekly_ceiling_km == 15
    assert [(c.key, c.before, c.after) for c in result.changes] == [
        ("treat.colours.green_max_pain", "3/10", "2/10"),
        ("running.ladders[0].weekly_ceiling_km", "20 km", "15 km"),
    ]
    # comments, sources and evidence notes of the file are kept
    assert "# Backstride default protocol" in result.text
    assert result.text.count("evidence_note") == TEXT.count("evidence_note")
    # a whole number stays a whole number
    assert "green_max_pain = 2\n" in result.text


def test_changing_a_checkin_threshold_keeps_its_words_true() -> None:
    result = tailor(TEXT, TEXT, BASE, {"checkin_rules[0].where.value": 5}, on_keys())
    assert result.ok, result.errors
    rule = tomllib.loads(result.text)["checkin_rules"][0]
    assert rule["where"]["value"] == 5
    assert "5/10 or more" in rule["label"] and "6/10" not in rule["label"]
    assert result.protocol is not None and result.protocol.checkin_rules[0].label == rule["label"]


def test_an_exercise_switched_off_leaves_every_session_of_that_phase_and_comes_back() -> None:
    off = switch_key(1, "cat_camel")
    result = tailor(TEXT, TEXT, BASE, {}, [k for k in on_keys() if k != off])
    assert result.ok, result.errors
    assert result.protocol is not None
    assert all("cat_camel" not in s.exercises for s in result.protocol.phase(1).sessions)
    assert any("cat_camel" in s.exercises for s in result.protocol.phase(2).sessions)
    assert [(c.key, c.after) for c in result.changes] == [(off, "taken out")]
    back = tailor(result.text, TEXT, BASE, {}, [*on_keys(result.text), off])
    assert back.ok and back.protocol is not None
    assert [s.exercises for s in back.protocol.phase(1).sessions] == [
        s.exercises for s in BASE.phase(1).sessions
    ]
    assert [(c.key, c.after) for c in back.changes] == [(off, "in the sessions")]


def test_out_of_range_values_fail_with_the_validators_words_under_their_field() -> None:
    result = tailor(
        TEXT,
        TEXT,
        BASE,
        {"treat.colours.green_max_pain": 11, "running.ladders[0].weekly_ceiling_km": 2},
        on_keys(),
    )
    assert not result.ok
    assert result.errors["treat.colours.green_max_pain"] == ["11 is above the maximum 10"]
    assert any(
        "weekly_start_km_max" in m for m in result.errors["running.ladders[0].weekly_ceiling_km"]
    )


def test_a_fraction_where_the_file_wants_a_whole_number_is_refused() -> None:
    result = tailor(TEXT, TEXT, BASE, {"treat.colours.green_max_pain": 2.5}, on_keys())
    assert not result.ok
    assert "whole number" in result.errors["treat.colours.green_max_pain"][0]


def test_a_session_left_without_exercises_is_refused_in_plain_words() -> None:
    keep = [k for k in on_keys() if not k.startswith("exercise-1-")]
    result = tailor(TEXT, TEXT, BASE, {}, keep)
    assert not result.ok
    assert any(m.startswith("Phase 1, session") for m in result.errors[NON_FIELD])


@pytest.mark.parametrize("key", ["treat.colours.amber_max_pain", "checkin_rules[7].where.value"])
def test_every_offered_setting_round_trips(key: str) -> None:
    settings = {s.key: s for s in options(TEXT, TEXT, BASE)[0]}
    new = settings[key].value - 1
    result = tailor(TEXT, TEXT, BASE, {key: new}, on_keys())
    assert result.ok, result.errors
    again = {s.key: s for s in options(result.text, TEXT, BASE)[0]}
    assert again[key].value == new and again[key].changed
