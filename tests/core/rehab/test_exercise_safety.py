"""Exercise library safety details (issue 10): every exercise is used, loaded exercises carry
load guidance, flexion stretches warn about spreading leg symptoms."""

from __future__ import annotations

import pytest

from .helpers import protocol

P = protocol()


def test_every_library_exercise_is_used_in_a_session() -> None:
    used = {e for phase in P.phases for s in phase.sessions for e in s.exercises}
    assert set(P.exercises) - used == set()


@pytest.mark.parametrize("exercise_id", ["goblet_squat", "romanian_deadlift", "suitcase_carry"])
def test_loaded_exercises_give_load_guidance(exercise_id: str) -> None:
    caution = P.exercise(exercise_id).caution
    assert "2 or 3 more times" in caution and "one exercise at a time" in caution


@pytest.mark.parametrize("exercise_id", ["single_knee_to_chest", "childs_pose"])
def test_flexion_stretches_warn_about_leg_symptoms(exercise_id: str) -> None:
    assert "down your leg" in P.exercise(exercise_id).caution
