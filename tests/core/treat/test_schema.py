"""[treat] and [running] in the protocol file: validated on load, file and line in every error."""

from __future__ import annotations

import pytest

from backstride.core.protocol import DEFAULT_PROTOCOL_PATH, ProtocolError, parse_protocol

TEXT = DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")
RUNNING_AT = TEXT.index("[treat.one_change]")


def broken(old: str, new: str, after: int = RUNNING_AT) -> str:
    at = TEXT.index(old, after)
    return TEXT[:at] + new + TEXT[at + len(old) :]


def issues(text: str) -> list:
    with pytest.raises(ProtocolError) as info:
        parse_protocol(text, "mine.toml")
    return list(info.value.issues)


def line_of(text: str, needle: str, after: int = RUNNING_AT) -> int:
    return text[: text.index(needle, after)].count("\n") + 1


def test_the_default_protocol_has_the_running_rules() -> None:
    protocol = parse_protocol(TEXT, "default.toml")
    assert protocol.running is not None
    summary = protocol.summary()
    assert summary["ladder_rungs"] == sum(len(lad.rungs) for lad in protocol.running.ladders)
    assert summary["readiness_tests"] == len(protocol.running.readiness) >= 6
    assert summary["treat_rules"] >= 15


def test_unsourced_running_rule_is_an_error_naming_the_line() -> None:
    text = broken(
        'id = "run-volume"\nmax_increase_percent = 20\n'
        'source = ["nielsen2014", "buist2008", "expert default"]\n',
        'id = "run-volume"\nmax_increase_percent = 20\n',
    )
    [issue] = issues(text)
    assert issue.file == "mine.toml" and issue.path == "running.volume"
    assert "must name their source" in issue.problem
    assert issue.line == line_of(text, "[running.volume]")


def test_ladder_that_never_reaches_continuous_running_never_loads() -> None:
    start = TEXT.index('id = "rr-continuous-15"')
    end = TEXT.index("[[running.ladders]]", start)
    cut = TEXT.rindex("[[running.ladders.rungs]]", 0, start)
    text = TEXT[:cut] + TEXT[end:]
    found = issues(text)
    assert any("never reaches continuous running" in i.problem for i in found)
    [issue] = [i for i in found if "never reaches" in i.problem]
    assert issue.path.endswith(".kind")
    assert issue.line == line_of(text, 'kind = "walk_run"', text.index('id = "rr-run9-walk60"'))


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param(
            'kind = "cross_trainer"\nminutes = 25',
            'kind = "walk_run"\nminutes = 25',
            "first rung must be cross-trainer",
            id="ladder must start on the cross-trainer",
        ),
        pytest.param(
            "amber_max_pain = 5",
            "amber_max_pain = 3",
            "must be above green_max_pain",
            id="amber limit must be above green",
        ),
        pytest.param(
            "run_s = 1800\nrepeats = 1",
            "run_s = 3600\nrepeats = 1",
            "no_long_slow",
            id="a run longer than the no-long-slow limit",
        ),
        pytest.param(
            "run_s = 900\nrepeats = 1",
            "run_s = 900\nwalk_s = 60\nrepeats = 1",
            "no walk breaks",
            id="continuous rung with walk breaks",
        ),
    ],
)
def test_a_broken_running_rule_is_an_error(old: str, new: str, problem: str) -> None:
    text = broken(old, new)
    assert any(problem in i.problem for i in issues(text))


def test_beginner_ceiling_cannot_be_shown() -> None:
    text = broken("show_ceiling = false", "show_ceiling = true")
    [issue] = issues(text)
    assert "never shown as a target" in issue.problem
    assert issue.line == line_of(text, "show_ceiling = true", TEXT.index('id = "first-run"'))


def test_a_missing_evaluation_window_is_an_error() -> None:
    start = TEXT.index('window = "h48"')
    block = TEXT.rindex("[[treat.windows]]", 0, start)
    end = TEXT.index("[treat.colours]")
    text = TEXT[:block] + TEXT[end:]
    assert any("must include: h48" in i.problem for i in issues(text))


def test_unknown_objective_test_in_readiness_is_an_error() -> None:
    text = broken('test = "pain_free_hops"', 'test = "pain_free_hop"')
    [issue] = issues(text)
    assert (
        "unknown objective test 'pain_free_hop'" in issue.problem
        and "did you mean" in issue.problem
    )


def test_unknown_key_in_a_running_rule_is_an_error() -> None:
    text = broken("max_over_percent = 10", "max_over_percent = 10\nmax_over_pct = 12")
    [issue] = issues(text)
    assert "unknown key 'max_over_pct'" in issue.problem
