"""The shipped protocol file and the loader's validation errors (file, line, problem)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from backstride.core.protocol import (
    DEFAULT_PROTOCOL_PATH,
    EXPERT_DEFAULT,
    ProtocolError,
    load_protocol,
    parse_protocol,
)

DEFAULT_TEXT = DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def broken(tmp_path: Path, old: str, new: str, count: int = 1) -> tuple[Path, str]:
    assert old in DEFAULT_TEXT, old
    text = DEFAULT_TEXT.replace(old, new, count)
    path = tmp_path / "copy.toml"
    path.write_text(text, encoding="utf-8")
    return path, text


def issues_of(path: Path) -> list:
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    return list(info.value.issues)


# --- the shipped protocol ------------------------------------------------------------------
def test_default_protocol_summary() -> None:
    summary = load_protocol().summary()
    assert summary["red_flags"] >= 12
    assert summary["phases"] == 3
    assert summary["exercises"] >= 30
    assert summary["rules"] >= 30
    assert summary["rules_without_source"] == []


def test_red_flags_cover_nice_and_international_framework() -> None:
    p = load_protocol()
    groups = Counter(f.group for f in p.red_flags)
    assert groups["cauda_equina"] >= 9
    for group in ("neurological", "cancer", "infection", "fracture", "inflammatory"):
        assert groups[group] >= 1, group
    ids = {f.id for f in p.red_flags}
    for expected in (
        "ces_urinary_retention",
        "ces_urinary_incontinence",
        "ces_bowel_control",
        "ces_saddle_numbness",
        "ces_sexual_function",
        "ces_both_legs",
        "neuro_progressive_weakness",
        "cancer_history",
        "cancer_weight_loss",
        "infection_fever",
        "infection_risk",
        "fracture_trauma",
        "fracture_fragility",
        "inflammatory_morning_stiffness",
    ):
        assert expected in ids


def test_cauda_equina_questions_are_emergencies_and_asked_every_week() -> None:
    p = load_protocol()
    for flag in p.red_flags:
        if flag.group == "cauda_equina":
            assert flag.urgency == "emergency", flag.id
            assert set(flag.screens) == {"initial", "phase_change", "weekly"}, flag.id


def test_every_red_flag_is_sourced_and_worded_as_a_question() -> None:
    p = load_protocol()
    for flag in p.red_flags:
        assert flag.sources and EXPERT_DEFAULT not in flag.sources, flag.id
        assert flag.question.endswith("?"), flag.id
        assert flag.reason, flag.id
        if flag.recheck_question:
            assert flag.recheck_question.endswith("?")


def test_urgency_advice_exists_for_every_level_and_emergency_says_now() -> None:
    p = load_protocol()
    assert set(p.urgency) == {"emergency", "urgent", "soon"}
    assert "now" in p.urgency["emergency"].action
    assert "today" in p.urgency["urgent"].action


def test_every_phase_has_sessions_of_known_exercises_marked_for_it() -> None:
    p = load_protocol()
    for phase in p.phases:
        assert phase.sessions
        for session in phase.sessions:
            for ex_id in session.exercises:
                assert phase.number in p.exercise(ex_id).phases


def test_exercises_have_full_cues_dosage_and_valid_links() -> None:
    p = load_protocol()
    per_phase = Counter(n for e in p.exercises.values() for n in e.phases)
    assert all(per_phase[n] >= 8 for n in (1, 2, 3)), per_phase
    for e in p.exercises.values():
        assert e.setup and e.movement and e.feel and e.mistakes, e.id
        assert e.dosage.text(), e.id
        assert e.dosage.sources, e.id
        for ref in (e.regression, e.progression):
            assert not ref or ref in p.exercises
        assert e.tags


def test_phase_entry_and_exit_criteria_are_sourced() -> None:
    p = load_protocol()
    assert not p.phases[0].entry
    for phase in p.phases[1:]:
        assert phase.entry
    for phase in p.phases[:-1]:
        assert phase.exit
    for rule in p.rules():
        assert rule.sources, rule.id


def test_outcome_mcids_match_the_literature() -> None:
    o = load_protocol().outcomes
    assert o.nprs.mcid_points == 2 and o.nprs.mcid_percent == 30
    assert o.psfs.mcid_points_average == 2
    assert 14 <= o.interval_days <= o.max_interval_days <= 28


def test_protocol_digest_changes_with_content() -> None:
    a = parse_protocol(DEFAULT_TEXT, "a.toml")
    b = parse_protocol(
        DEFAULT_TEXT.replace('version = "2025.1"', 'version = "2025.1-copy"'), "b.toml"
    )
    assert a.digest != b.digest
    assert b.version == "2025.1-copy"


def test_clinician_copy_changes_a_number_without_code(tmp_path: Path) -> None:
    rule = 'test = "plank_hold_s"\nop = ">="\nvalue = '
    path, _ = broken(tmp_path, rule + "60", rule + "45")
    copy = load_protocol(path)
    exit_rule = next(c for c in copy.phase(2).exit if c.id == "p2-exit-plank")
    assert exit_rule.condition.value == 45


# --- errors name file, line and problem -------------------------------------------------------
def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path, text = broken(
        tmp_path, 'urgency = "urgent"\nreason = "Weakness', 'urgency = "urgent\nreason = "Weakness'
    )
    [issue] = issues_of(path)
    assert issue.file == str(path)
    broken_line = text.splitlines().index('urgency = "urgent') + 1
    assert issue.line == broken_line
    assert "TOML syntax error" in issue.problem
    assert str(path) in str(issue)


def test_bad_urgency_names_the_line_of_the_key(tmp_path: Path) -> None:
    path, text = broken(tmp_path, 'urgency = "soon"', 'urgency = "asap"')
    [issue] = issues_of(path)
    assert issue.line == line_of(text, 'urgency = "asap"')
    assert "'asap' is not one of: emergency, urgent, soon" in issue.problem
    assert issue.path.startswith("red_flags[")
    assert re.match(rf"^{re.escape(str(path))}:\d+: red_flags\[\d+\]\.urgency: ", str(issue))


def test_typo_in_key_is_reported_with_a_suggestion(tmp_path: Path) -> None:
    path, text = broken(
        tmp_path,
        'source = ["freckleton2014", "expert default"]\nevidence_note',
        'sorce = ["freckleton2014", "expert default"]\nevidence_note',
    )
    problems = issues_of(path)
    assert any(
        "unknown key 'sorce'" in i.problem and "did you mean 'source'" in i.problem
        for i in problems
    )
    hit = next(i for i in problems if "sorce" in i.problem)
    assert hit.line == line_of(text, "sorce = ")


@pytest.mark.parametrize(
    ("old", "new", "problems", "at"),
    [
        pytest.param(
            'source = ["borg1982", "expert default"]',
            'source = ["borg1983", "expert default"]',
            ("unknown source 'borg1983'", "borg1982"),
            "borg1983",
            id="unknown source key",
        ),
        pytest.param(
            '"glute_squeeze", "clamshell"',
            '"glute_squeeze", "clamshel"',
            ("unknown exercise 'clamshel'", "did you mean 'clamshell'"),
            '"clamshel"',
            id="unknown exercise in a session names the array element's line",
        ),
        pytest.param(
            'regression = "glute_squeeze"',
            'regression = "glute_sqeeze"',
            (),
            'regression = "glute_sqeeze"',
            id="unknown regression names the exercise's line",
        ),
        pytest.param(
            'where = { field = "pain_now", op = ">=", value = 6 }',
            'where = { field = "pain_now", op = ">=", value = 60 }',
            ("outside the 0-10 scale",),
            "value = 60 }",
            id="score threshold outside 0 to 10",
        ),
    ],
)
def test_one_bad_value_is_one_issue_on_its_line(
    tmp_path: Path, old: str, new: str, problems: tuple[str, ...], at: str
) -> None:
    path, text = broken(tmp_path, old, new)
    [issue] = issues_of(path)
    assert all(words in issue.problem for words in problems)
    assert issue.line == line_of(text, at)


def test_missing_source_is_listed_not_fatal(tmp_path: Path) -> None:
    path, _ = broken(tmp_path, 'value = 8\nsource = ["borg1982", "expert default"]', "value = 8")
    assert load_protocol(path).summary()["rules_without_source"] == ["hold-effort"]


def test_red_flag_without_source_is_an_error(tmp_path: Path) -> None:
    path, _ = broken(
        tmp_path,
        'screens = ["initial", "phase_change", "weekly"]\nsource = ["finucane2020"]\n',
        'screens = ["initial", "phase_change", "weekly"]\n',
    )
    assert any("red flags must name their source" in i.problem for i in issues_of(path))


def test_duplicate_id_names_the_first_use(tmp_path: Path) -> None:
    path, text = broken(tmp_path, 'id = "ces_bowel_sensation"', 'id = "ces_bowel_control"')
    [issue] = issues_of(path)
    assert "duplicate red flag id 'ces_bowel_control'" in issue.problem
    first = line_of(text, 'id = "ces_bowel_control"', 1)
    assert f"line {first}" in issue.problem
    assert issue.line == line_of(text, 'id = "ces_bowel_control"', 2)


def test_unknown_metric_and_test_are_errors(tmp_path: Path) -> None:
    path, _ = broken(tmp_path, 'test = "plank_hold_s"', 'test = "plank_hold"')
    [issue] = issues_of(path)
    assert "unknown objective test 'plank_hold'" in issue.problem
    path, _ = broken(tmp_path, 'metric = "checkin_days"\nop', 'metric = "vibes"\nop')
    assert any("'vibes' is not one of" in i.problem for i in issues_of(path))


def test_nested_array_of_tables_lines_are_counted_per_phase(tmp_path: Path) -> None:
    # the 2nd phase's 1st exit rule: line must point into phase 2, not phase 1
    rule = 'id = "p2-exit-checkins"\n'
    start = DEFAULT_TEXT.index(rule)
    end = DEFAULT_TEXT.index("value = 4", start)
    text = DEFAULT_TEXT[:end] + "value = -4" + DEFAULT_TEXT[end + len("value = 4") :]
    with pytest.raises(ProtocolError) as info:
        parse_protocol(text, "nested.toml")
    [issue] = info.value.issues
    assert issue.path == "phases[1].exit[0].value"
    assert issue.line == line_of(text, "value = -4")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace('urgency = "soon"', 'urgency = "later"', 1).replace(
        'unit = "min"', 'unit = "hours"', 1
    )
    with pytest.raises(ProtocolError) as info:
        parse_protocol(text, "two.toml")
    assert len(info.value.issues) == 2
    assert all(i.file == "two.toml" and i.line for i in info.value.issues)


def test_missing_required_table_is_reported(tmp_path: Path) -> None:
    start = DEFAULT_TEXT.index("[outcomes]")
    with pytest.raises(ProtocolError) as info:
        parse_protocol(DEFAULT_TEXT[:start], "cut.toml")
    assert any("missing required key 'outcomes'" in i.problem for i in info.value.issues)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path / "nope.toml")
    assert "cannot read file" in issue.problem


def test_wrong_schema_version_is_refused() -> None:
    with pytest.raises(ProtocolError, match="schema 2 is not supported"):
        parse_protocol(DEFAULT_TEXT.replace("schema = 1", "schema = 2"), "v2.toml")


def test_phase_one_may_not_have_entry_criteria() -> None:
    entry = "\n".join(
        [
            "[[phases.entry]]",
            'id = "p1-entry"',
            'label = "x"',
            'metric = "answer"',
            'field = "pain_now"',
            'op = "<="',
            "value = 9",
            'source = "expert default"',
            "",
            "[[phases.exit]]",
            'id = "p1-exit-checkins"',
        ]
    )
    text = DEFAULT_TEXT.replace('[[phases.exit]]\nid = "p1-exit-checkins"', entry)
    with pytest.raises(ProtocolError, match="phase 1 is where everyone can start"):
        parse_protocol(text, "p1.toml")
