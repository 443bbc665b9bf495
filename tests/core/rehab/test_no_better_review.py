"""No better after six weeks: the outcome scores ask for a clinician's review (issue 10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.core.outcomes import no_better_review

from .helpers import TODAY, protocol

P = protocol()
DAYS = P.outcomes.review_after_days
START = TODAY - timedelta(days=60)


def at(days: int) -> object:
    return START + timedelta(days=days)


# (NPRS series, PSFS series, review advised?)
CASES = [
    ("no change at 6 weeks", [(0, 5), (DAYS, 5)], [(0, 3.0), (DAYS, 3.5)], True),
    ("pain better by the MCID", [(0, 5), (DAYS, 3)], [(0, 3.0), (DAYS, 3.0)], False),
    ("function better by the MCID", [(0, 5), (DAYS, 5)], [(0, 3.0), (DAYS, 5.0)], False),
    ("too early to say", [(0, 5), (DAYS - 1, 5)], [(0, 3.0), (DAYS - 1, 3.0)], False),
    ("pain worse at 8 weeks", [(0, 4), (14, 4), (56, 6)], [], True),
    ("only a baseline", [(0, 5)], [(0, 3.0)], False),
]


@pytest.mark.parametrize(("name", "nprs", "psfs", "advised"), CASES, ids=[c[0] for c in CASES])
def test_no_better_after_six_weeks_asks_for_a_review(
    name: str, nprs: list, psfs: list, advised: bool
) -> None:
    text = no_better_review(P, [(at(d), v) for d, v in nprs], [(at(d), v) for d, v in psfs], TODAY)
    assert (text is not None) is advised
    if text:
        assert "GP or a physiotherapist" in text and f"{DAYS // 7} weeks" in text


@given(st.integers(0, 10), st.integers(0, 10), st.integers(DAYS, 120))
def test_a_meaningful_pain_improvement_never_asks_for_a_review(
    baseline: int, drop: int, day: int
) -> None:
    current = max(0, baseline - drop)
    text = no_better_review(P, [(at(0), baseline), (at(day), current)], [], at(day))
    improved = baseline - current >= P.outcomes.nprs.mcid_points
    if improved:
        assert text is None
