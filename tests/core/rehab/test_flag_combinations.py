"""Red flags that combine, with age, are more urgent together (issue 10)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.core.protocol import (
    DEFAULT_PROTOCOL_PATH,
    URGENCY_RANK,
    ProtocolError,
    parse_protocol,
)
from backstride.core.triage import triage

from .helpers import all_no, protocol

P = protocol()

# (answered yes, age, expected urgency, combination that must have fired or None)
COMBINATIONS = [
    # probed: 8 kg lost in 3 months with constant back pain was "within a few days"
    (
        ["cancer_weight_loss", "night_pain_constant"],
        40,
        "urgent",
        "combo-weight-loss-constant-pain",
    ),
    (["cancer_weight_loss"], 50, "urgent", "combo-weight-loss-age-50"),
    (["cancer_weight_loss"], 49, "soon", None),
    (["cancer_weight_loss"], None, "urgent", "combo-weight-loss-age-50"),  # unknown age: careful
    (["night_pain_constant"], 70, "soon", None),
    (
        ["cancer_history", "neuro_progressive_weakness"],
        40,
        "emergency",
        "combo-cancer-neurological",
    ),
    (["cancer_history", "neuro_spreading_numbness"], 40, "emergency", "combo-cancer-neurological"),
    (["cancer_history"], 40, "urgent", None),
    (["cancer_history", "night_pain_constant"], 40, "urgent", "combo-cancer-constant-pain"),
]


@pytest.mark.parametrize(("flags", "age", "urgency", "combo"), COMBINATIONS)
def test_flags_combine(flags: list[str], age: int | None, urgency: str, combo: str | None) -> None:
    result = triage(P, all_no(P) | {f: "yes" for f in flags}, age=age)
    assert result.urgency == urgency
    fired = {c for f in result.triggered for c in f.combinations}
    assert fired == ({combo} if combo else set())
    if combo:
        text = next(c.reason for c in P.flag_combinations if c.id == combo)
        assert any(text in f.reason for f in result.triggered)


def test_every_combination_has_a_case() -> None:
    assert {c[3] for c in COMBINATIONS if c[3]} == {c.id for c in P.flag_combinations}


def test_unsure_counts_in_a_combination() -> None:
    answers = all_no(P) | {"cancer_weight_loss": "unsure", "night_pain_constant": "unsure"}
    assert triage(P, answers, age=30).urgency == "urgent"


@given(
    st.fixed_dictionaries({f.id: st.sampled_from(["yes", "no", "unsure"]) for f in P.red_flags}),
    st.none() | st.integers(16, 100),
)
def test_a_combination_never_lowers_an_urgency(answers: dict[str, str], age: int | None) -> None:
    result = triage(P, answers, age=age)
    for flag in result.triggered:
        assert URGENCY_RANK[flag.urgency] >= URGENCY_RANK[P.red_flag(flag.id).urgency]


def test_unknown_flag_in_a_combination_names_the_line() -> None:
    text = DEFAULT_PROTOCOL_PATH.read_text()
    broken = text.replace(
        'flags = ["cancer_weight_loss", "night_pain_constant"]',
        'flags = ["cancer_weight_los", "night_pain_constant"]',
    )
    with pytest.raises(ProtocolError) as info:
        parse_protocol(broken, "copy.toml")
    [issue] = info.value.issues
    assert (
        issue.line
        == broken.splitlines().index('flags = ["cancer_weight_los", "night_pain_constant"]') + 1
    )
    assert "did you mean 'cancer_weight_loss'" in issue.problem
