"""A later screen's combinations see the answers of earlier screens (issue 10): a past cancer
reported at the assessment, with nerve symptoms appearing in a weekly screen, is an emergency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.core.protocol import URGENCY_RANK
from backstride.core.triage import triage

from .helpers import all_no, protocol

P = protocol()
WEEKLY_IDS = [f.id for f in P.red_flags_for("weekly")]
HISTORY_IDS = [f.id for f in P.red_flags if f.id not in WEEKLY_IDS]

# (earlier answers, weekly answers that are yes, expected urgency, combination or None)
CASES = [
    (
        {"cancer_history": "yes"},
        ["neuro_spreading_numbness"],
        "emergency",
        "combo-cancer-neurological",
    ),
    (
        {"cancer_history": "unsure"},
        ["neuro_progressive_weakness"],
        "emergency",
        "combo-cancer-neurological",
    ),
    ({"cancer_history": "no"}, ["neuro_spreading_numbness"], "urgent", None),
    ({}, ["neuro_spreading_numbness"], "urgent", None),
    ({"cancer_history": "yes"}, ["night_pain_constant"], "urgent", "combo-cancer-constant-pain"),
    ({"cancer_history": "yes"}, [], None, None),  # the history alone never stops again
    # an answer this screen asks again wins over the earlier one
    (
        {"night_pain_constant": "yes", "cancer_history": "no"},
        ["cancer_weight_loss"],
        "urgent",
        "combo-weight-loss-age-50",
    ),
]


@pytest.mark.parametrize(("earlier", "now", "urgency", "combo"), CASES)
def test_cancer_history_at_the_assessment_combines_with_a_weekly_screen(
    earlier: dict[str, str], now: list[str], urgency: str | None, combo: str | None
) -> None:
    answers = all_no(P, "weekly") | {f: "yes" for f in now}
    result = triage(
        P,
        answers,
        "weekly",
        age=None if combo != "combo-weight-loss-age-50" else 55,
        earlier=earlier,
    )
    assert result.urgency == urgency
    assert {f.id for f in result.triggered} == set(now)
    fired = {c for f in result.triggered for c in f.combinations}
    assert fired == ({combo} if combo else set())


def test_a_weekly_no_overrides_an_earlier_yes_to_the_same_question() -> None:
    answers = all_no(P, "weekly") | {"cancer_weight_loss": "yes"}
    result = triage(P, answers, "weekly", age=30, earlier={"night_pain_constant": "yes"})
    assert result.urgency == "soon"  # night pain is asked weekly: today's "no" counts


answer = st.sampled_from(["no", "yes", "unsure"])


@given(
    now=st.fixed_dictionaries({i: answer for i in WEEKLY_IDS}),
    earlier=st.dictionaries(st.sampled_from(HISTORY_IDS), answer),
    age=st.none() | st.integers(16, 100),
)
def test_earlier_answers_only_ever_raise_and_never_trigger_on_their_own(
    now: dict[str, str], earlier: dict[str, str], age: int | None
) -> None:
    alone = triage(P, now, "weekly", age=age)
    both = triage(P, now, "weekly", age=age, earlier=earlier)
    assert {f.id for f in both.triggered} == {f.id for f in alone.triggered}
    assert both.stop == alone.stop
    for a, b in zip(alone.triggered, both.triggered, strict=True):
        assert URGENCY_RANK[b.urgency] >= URGENCY_RANK[a.urgency]
