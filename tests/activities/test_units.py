"""Small rules with invariants: display names, distance tolerance, durations, paces."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from backstride.activities.files import display_name, sentence
from backstride.activities.forms import format_duration_input, parse_duration
from backstride.activities.services import same_distance
from backstride.activities.templatetags.activity_format import format_duration, format_pace


@given(st.text())
def test_display_names_are_never_paths_or_control_characters(raw):
    name = display_name(raw)
    assert name and "/" not in name and "\\" not in name
    assert name not in {".", ".."}
    assert all(unicodedata.category(ch)[0] != "C" for ch in name)
    assert all(ch == " " or not ch.isspace() for ch in name)
    assert len(name) <= 120


def test_display_name_keeps_the_last_part_only():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\me\\run.fit") == "run.fit"
    assert display_name("export/activities/") == "file"
    assert display_name("run\x00.gpx\n") == "run.gpx"


@given(st.floats(0, 400_000), st.floats(0, 400_000))
def test_same_distance_is_symmetric(a, b):
    assert same_distance(a, b) == same_distance(b, a)


def test_same_distance_tolerance():
    assert same_distance(5000, 5099)  # within 2 %
    assert not same_distance(5000, 5110)
    assert same_distance(0, 40)  # both under 50 m: a cross-trainer session
    assert not same_distance(0, 1000)


@given(st.integers(1, 48 * 3600))
def test_durations_round_trip_through_the_form(seconds):
    assert parse_duration(format_duration_input(seconds)) == seconds


def test_duration_and_pace_formatting():
    assert format_duration(3725) == "1:02:05"
    assert format_duration(59.6) == "1:00"
    assert format_duration(None) == "—"
    assert format_pace(330) == "5:30 /km"
    assert format_pace(None) == "—"
    assert format_pace(0) == "—"


def test_core_messages_become_sentences():
    assert sentence("file is empty") == "File is empty."
    assert sentence("bad CRC (at byte 3)") == "Bad CRC (at byte 3)"
    assert sentence("Done.") == "Done."
