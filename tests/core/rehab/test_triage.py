"""Red-flag triage: one test per red flag, plus the conservative edge cases."""

from __future__ import annotations

import pytest

from backstride.core.triage import advice_for, normalise_answer, triage

from .helpers import all_no, protocol

# One row per red flag in the shipped protocol: (id, expected urgency). If the data changes,
# this table must change with it, deliberately.
RED_FLAG_TABLE = [
    ("ces_urinary_retention", "emergency"),
    ("ces_bladder_sensation", "emergency"),
    ("ces_urinary_incontinence", "emergency"),
    ("ces_bowel_control", "emergency"),
    ("ces_bowel_sensation", "emergency"),
    ("ces_saddle_numbness", "emergency"),
    ("ces_sexual_function", "emergency"),
    ("ces_both_legs", "emergency"),
    ("ces_walking_changed", "emergency"),
    ("neuro_progressive_weakness", "urgent"),
    ("neuro_spreading_numbness", "urgent"),
    ("cancer_history", "urgent"),
    ("cancer_weight_loss", "soon"),
    ("night_pain_constant", "soon"),
    ("infection_fever", "urgent"),
    ("infection_risk", "soon"),
    ("fracture_trauma", "urgent"),
    ("fracture_fragility", "urgent"),
    ("inflammatory_morning_stiffness", "soon"),
    ("inflammatory_young_onset", "soon"),
    ("generally_unwell", "soon"),
    ("thoracic_pain", "soon"),
    ("fracture_sudden_central", "urgent"),
]


def test_table_covers_every_red_flag_in_the_protocol() -> None:
    assert [row[0] for row in RED_FLAG_TABLE] == [f.id for f in protocol().red_flags]


@pytest.mark.parametrize(("flag_id", "urgency"), RED_FLAG_TABLE)
def test_each_red_flag_yes_stops_the_program(flag_id: str, urgency: str) -> None:
    p = protocol()
    answers = all_no(p) | {flag_id: "yes"}
    result = triage(p, answers, age=40)  # under every age threshold of a combination
    assert result.stop and not result.can_proceed
    assert result.urgency == urgency
    [hit] = result.triggered
    assert hit.id == flag_id
    assert hit.answer == "yes"
    assert hit.question == p.red_flag(flag_id).question
    assert hit.reason == p.red_flag(flag_id).reason
    assert hit.source  # the citation is shown on the stop page
    assert advice_for(p, result) is p.urgency[urgency]


def test_cauda_equina_answer_stops_program_as_an_emergency() -> None:
    p = protocol()
    result = triage(p, all_no(p) | {"ces_saddle_numbness": "yes"})
    assert result.stop and result.cauda_equina and result.urgency == "emergency"
    advice = advice_for(p, result)
    assert advice is not None and "emergency" in advice.action.lower()


def test_all_no_can_proceed() -> None:
    p = protocol()
    result = triage(p, all_no(p))
    assert result.complete and result.can_proceed and not result.stop
    assert result.urgency is None and result.triggered == ()


def test_unsure_counts_as_yes_with_the_same_urgency() -> None:
    p = protocol()
    result = triage(p, all_no(p) | {"ces_bowel_control": "unsure"})
    assert result.stop and result.urgency == "emergency"
    assert result.triggered[0].answer_label == "Not sure"
    assert "weren't sure" in result.triggered[0].reason


def test_missing_answer_is_incomplete_never_a_silent_no() -> None:
    p = protocol()
    answers = all_no(p)
    del answers["ces_saddle_numbness"]
    result = triage(p, answers)
    assert not result.complete and not result.can_proceed
    assert result.missing == ("ces_saddle_numbness",)


@pytest.mark.parametrize("garbage", ["", "maybe", "NOPE", 0, 1, None, [], "yes please"])
def test_unrecognised_answer_is_incomplete(garbage: object) -> None:
    p = protocol()
    result = triage(p, all_no(p) | {"infection_fever": garbage})
    assert "infection_fever" in result.missing and not result.can_proceed


def test_red_flag_with_missing_answers_still_stops() -> None:
    p = protocol()
    result = triage(p, {"ces_both_legs": "yes"})
    assert result.stop and not result.complete and result.urgency == "emergency"


def test_most_urgent_flag_sets_the_urgency() -> None:
    p = protocol()
    answers = all_no(p) | {
        "cancer_weight_loss": "yes",
        "infection_fever": "yes",
        "ces_both_legs": "yes",
    }
    result = triage(p, answers)
    assert result.urgency == "emergency"
    assert [f.id for f in result.triggered] == [
        "ces_both_legs",
        "cancer_weight_loss",
        "infection_fever",
    ]
    assert (
        triage(p, all_no(p) | {"cancer_weight_loss": "yes", "infection_fever": "yes"}).urgency
        == "urgent"
    )


def test_weekly_screen_is_short_and_includes_every_cauda_equina_question() -> None:
    p = protocol()
    weekly = p.red_flags_for("weekly")
    assert len(weekly) < len(p.red_flags)
    assert {f.id for f in p.red_flags if f.group == "cauda_equina"} <= {f.id for f in weekly}
    assert triage(p, all_no(p, "weekly"), "weekly").can_proceed


def test_rescreen_uses_recheck_wording_for_history_questions() -> None:
    p = protocol()
    result = triage(p, all_no(p, "phase_change") | {"cancer_history": "yes"}, "phase_change")
    assert result.triggered[0].question.startswith("Since you last answered")


def test_answers_outside_the_screen_are_ignored() -> None:
    p = protocol()
    result = triage(p, all_no(p, "weekly") | {"cancer_history": "yes"}, "weekly")
    assert result.can_proceed


def test_unknown_screen_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown screen"):
        triage(protocol(), {}, "monthly")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Yes", "yes"),
        (" no ", "no"),
        ("not sure", "unsure"),
        (True, "yes"),
        (False, "no"),
        ("x", None),
    ],
)
def test_normalise_answer(raw: object, expected: str | None) -> None:
    assert normalise_answer(raw) == expected


def test_result_serialises_for_storage() -> None:
    p = protocol()
    data = triage(p, all_no(p) | {"fracture_trauma": "yes"}).as_dict()
    assert data["stop"] is True and data["urgency"] == "urgent"
    assert data["triggered"][0]["id"] == "fracture_trauma"
    assert data["protocol"] == f"{p.id}@{p.version}"


@pytest.mark.parametrize(("flag_id", "urgency"), RED_FLAG_TABLE)
def test_only_emergency_and_urgent_flags_pause_the_program(flag_id: str, urgency: str) -> None:
    """A "soon" flag advises (see a GP within weeks) and keeps the program open."""
    p = protocol()
    result = triage(p, all_no(p) | {flag_id: "unsure"}, age=40)
    assert result.stop  # it is still a red flag, recorded and shown
    assert result.pauses is (urgency in ("emergency", "urgent"))
