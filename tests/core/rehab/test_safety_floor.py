"""A tailored protocol copy cannot weaken the locked safety minimum (issue 10)."""

from __future__ import annotations

import re

import pytest

from backstride.core.protocol import DEFAULT_PROTOCOL_PATH, ProtocolError, parse_protocol
from backstride.core.safety_floor import parse_tailored

DEFAULT = DEFAULT_PROTOCOL_PATH.read_text()
ANY_NEURO = 'any_of = ["neuro_progressive_weakness", "neuro_spreading_numbness"]'


def flag_block(flag_id: str) -> tuple[int, int]:
    start = DEFAULT.index(f'id = "{flag_id}"')
    end = (
        DEFAULT.index("[[red_flags]]", start)
        if "[[red_flags]]" in DEFAULT[start:]
        else len(DEFAULT)
    )
    return start, end


def edit_flag(flag_id: str, old: str, new: str) -> str:
    start, end = flag_block(flag_id)
    block = DEFAULT[start:end]
    assert old in block
    return DEFAULT[:start] + block.replace(old, new, 1) + DEFAULT[end:]


def remove_flag(flag_id: str) -> str:
    start, end = flag_block(flag_id)
    head = DEFAULT.rindex("[[red_flags]]", 0, start)
    return DEFAULT[:head] + DEFAULT[end:]


def line_of(text: str, needle: str, after: str) -> int:
    return text[: text.index(needle, text.index(after))].count("\n") + 1


def test_the_default_passes_its_own_minimum() -> None:
    assert parse_tailored(DEFAULT).id == "backstride-default"


def test_a_tailored_copy_may_tighten_and_change_numbers() -> None:
    stricter = edit_flag("night_pain_constant", 'urgency = "soon"', 'urgency = "urgent"')
    stricter = stricter.replace("weekly_every_days = 7", "weekly_every_days = 5")
    assert parse_tailored(stricter).red_flag("night_pain_constant").urgency == "urgent"


# (what the clinician's copy did, the text, the line's anchor, words in the problem)
WEAKENINGS = [
    (
        "cauda equina flag downgraded to soon",  # probed: this loaded fine
        lambda: edit_flag("ces_saddle_numbness", 'urgency = "emergency"', 'urgency = "soon"'),
        ('urgency = "soon"', 'id = "ces_saddle_numbness"'),
        "'ces_saddle_numbness' is 'emergency'",
    ),
    (
        "urgent flag downgraded",
        lambda: edit_flag("infection_fever", 'urgency = "urgent"', 'urgency = "soon"'),
        ('urgency = "soon"', 'id = "infection_fever"'),
        "'infection_fever' is 'urgent'",
    ),
    (
        "weekly re-screen dropped from a flag",
        lambda: edit_flag(
            "ces_bowel_control",
            'screens = ["initial", "phase_change", "weekly"]',
            'screens = ["initial", "phase_change"]',
        ),
        ("screens =", 'id = "ces_bowel_control"'),
        "weekly screen",
    ),
    (
        "weekly re-screen made monthly",
        lambda: DEFAULT.replace("weekly_every_days = 7", "weekly_every_days = 30"),
        ("weekly_every_days", "[screening]"),
        "at least every 7 days",
    ),
    (
        "red-day brake shortened",
        lambda: DEFAULT.replace("red_day_window_days = 7", "red_day_window_days = 1").replace(
            "amber_day_window_days = 7", "amber_day_window_days = 1"
        ),
        ("red_day_window_days", "[progression]"),
        "red_day_window_days",
    ),
    (
        "no-better review pushed back",
        lambda: DEFAULT.replace("after_days = 42", "after_days = 84"),
        ("after_days", "[outcomes.review]"),
        "'no better' review",
    ),
    (
        "combination downgraded",
        lambda: DEFAULT.replace(
            ANY_NEURO + '\nurgency = "emergency"', ANY_NEURO + '\nurgency = "urgent"'
        ),
        ('urgency = "urgent"', 'id = "combo-cancer-neurological"'),
        "combo-cancer-neurological",
    ),
    (
        "fall at the fracture-risk age downgraded to soon",
        lambda: edit_age_flag("age-fall-fracture", 'urgency = "urgent"', 'urgency = "soon"'),
        ('urgency = "soon"', 'id = "age-fall-fracture"'),
        "'age-fall-fracture' must stay 'urgent'",
    ),
    (
        "fracture age threshold raised",
        lambda: edit_age_flag("age-fall-fracture", "min_age = 65", "min_age = 80"),
        ("min_age", 'id = "age-fall-fracture"'),
        "from age 65 or younger",
    ),
    (
        "onset age threshold raised",
        lambda: edit_age_flag("age-first-episode-50", "min_age = 50", "min_age = 60"),
        ("min_age", 'id = "age-first-episode-50"'),
        "from age 50 or younger",
    ),
    (
        "not sure no longer counts for a fall",
        lambda: edit_age_flag("age-fall-fracture", '["yes", "unsure"]', '["yes"]'),
        ("answers", 'id = "age-fall-fracture"'),
        "yes, unsure to 'after_fall'",
    ),
]


def edit_age_flag(flag_id: str, old: str, new: str) -> str:
    start = DEFAULT.index(f'id = "{flag_id}"')
    end = DEFAULT.index("\n[", start)
    block = DEFAULT[start:end]
    assert old in block
    return DEFAULT[:start] + block.replace(old, new, 1) + DEFAULT[end:]


@pytest.mark.parametrize(
    ("name", "make", "anchor", "words"), WEAKENINGS, ids=[w[0] for w in WEAKENINGS]
)
def test_a_weakened_copy_is_refused_naming_the_line(
    name: str, make, anchor: tuple[str, str], words: str
) -> None:
    text = make()
    assert text != DEFAULT
    parse_protocol(text, "copy.toml")  # valid against the schema ...
    with pytest.raises(ProtocolError) as info:
        parse_tailored(text, "copy.toml")  # ... but not against the safety minimum
    issue = info.value.issues[0]
    assert issue.file == "copy.toml" and words in issue.problem
    assert issue.line == line_of(text, anchor[0], anchor[1])
    assert "cannot weaken the safety minimum" in str(issue)


def test_a_removed_red_flag_is_refused_by_id() -> None:
    text = remove_flag("ces_urinary_retention")
    assert 'id = "ces_urinary_retention"' not in text
    with pytest.raises(
        ProtocolError, match=re.escape("'ces_urinary_retention' (emergency) is missing")
    ):
        parse_tailored(text, "copy.toml")


def test_every_cauda_equina_flag_is_locked() -> None:
    p = parse_protocol(DEFAULT)
    for flag in p.red_flags:
        if flag.group != "cauda_equina":
            continue
        with pytest.raises(ProtocolError):
            parse_tailored(edit_flag(flag.id, 'urgency = "emergency"', 'urgency = "urgent"'))


def test_a_removed_age_flag_is_refused_by_id() -> None:
    start = DEFAULT.index('[[age_flags]]\nid = "age-fall-fracture"')
    text = DEFAULT[:start] + DEFAULT[DEFAULT.index("\n# --- Re-screening", start) :]
    assert 'id = "age-fall-fracture"' not in text
    parse_protocol(text, "copy.toml")
    with pytest.raises(ProtocolError, match=re.escape("'age-fall-fracture' (urgent) is missing")):
        parse_tailored(text, "copy.toml")


def test_a_tailored_copy_may_lower_an_age_threshold() -> None:
    text = edit_age_flag("age-fall-fracture", "min_age = 65", "min_age = 50")
    flags = {a.id: a for a in parse_tailored(text).age_flags}
    assert flags["age-fall-fracture"].min_age == 50
