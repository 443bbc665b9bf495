"""Red-flag triage: which answers stop the program, and how urgently to seek care.

Conservative by construction:
- "yes" and "unsure" both trigger a red flag, with the question's urgency (never graded down);
- a missing or unrecognised answer to a question in the screen makes the screen *incomplete*:
  the program cannot proceed, and the answer is never read as "no";
- the overall urgency is the most urgent of the triggered flags.

Pure: same protocol and answers → same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from backstride.core.protocol import (
    AGE_FLAG_FIELDS,
    URGENCY_RANK,
    AgeFlag,
    Protocol,
    RedFlag,
    UrgencyAdvice,
)

ANSWER_CHOICES: tuple[tuple[str, str], ...] = (("no", "No"), ("yes", "Yes"), ("unsure", "Not sure"))
_ANSWER_ALIASES: Mapping[str, str] = {
    "yes": "yes",
    "y": "yes",
    "true": "yes",
    "no": "no",
    "n": "no",
    "false": "no",
    "unsure": "unsure",
    "not sure": "unsure",
    "not_sure": "unsure",
    "don't know": "unsure",
    "dont_know": "unsure",
}
TRIGGERING_ANSWERS: frozenset[str] = frozenset({"yes", "unsure"})
#: Urgencies that pause the exercise program. A "soon" flag (see a GP within weeks) keeps it
#: open, with the advice shown every day until the person records that they have been seen:
#: staying active is the advice for back pain (NICE NG59), and a pause that only a clinician
#: can lift would stop people who have no linked clinician for good.
PAUSING_URGENCIES: frozenset[str] = frozenset({"emergency", "urgent"})


def normalise_answer(value: Any) -> str | None:
    """``"yes"``, ``"no"``, ``"unsure"`` or None (missing / not understood)."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str):
        return _ANSWER_ALIASES.get(value.strip().lower())
    return None


@dataclass(frozen=True)
class TriggeredFlag:
    id: str
    group: str
    question: str
    answer: str
    reason: str
    urgency: str
    source: str
    source_keys: tuple[str, ...]
    combinations: tuple[str, ...] = ()

    @property
    def answer_label(self) -> str:
        return dict(ANSWER_CHOICES)[self.answer]


@dataclass(frozen=True)
class TriageResult:
    screen: str
    stop: bool
    urgency: str | None
    triggered: tuple[TriggeredFlag, ...]
    missing: tuple[str, ...]
    protocol_id: str = ""
    protocol_version: str = ""

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def can_proceed(self) -> bool:
        """True only for a complete screen with no red flag."""
        return self.complete and not self.stop

    @property
    def pauses(self) -> bool:
        """True when the program must pause (an emergency or urgent flag); "soon" advises."""
        return self.stop and self.urgency in PAUSING_URGENCIES

    @property
    def cauda_equina(self) -> bool:
        return any(f.group == "cauda_equina" for f in self.triggered)

    def as_dict(self) -> dict[str, Any]:
        return {
            "screen": self.screen,
            "stop": self.stop,
            "urgency": self.urgency,
            "missing": list(self.missing),
            "triggered": [
                {
                    "id": f.id,
                    "group": f.group,
                    "question": f.question,
                    "answer": f.answer,
                    "reason": f.reason,
                    "urgency": f.urgency,
                    "source": f.source,
                    "combinations": list(f.combinations),
                }
                for f in self.triggered
            ],
            "protocol": f"{self.protocol_id}@{self.protocol_version}",
        }


def triage(
    protocol: Protocol,
    answers: Mapping[str, Any],
    screen: str = "initial",
    age: int | None = None,
    earlier: Mapping[str, Any] | None = None,
    history: Mapping[str, Any] | None = None,
) -> TriageResult:
    """Screen ``answers`` (red-flag id → yes/no/unsure) against ``protocol`` for ``screen``.

    Answers to questions outside the screen are ignored. Flags that combine (the protocol's
    ``red_flag_combinations``, some with an age threshold: ``age`` None counts as meeting it)
    raise the urgency of the flags involved, never lower it.

    ``earlier`` holds the answers given in earlier screens (the assessment's history: a past
    cancer). Those the present screen does not ask never trigger a flag again (a clinician
    has seen to them), but combinations see them: a past cancer reported at the assessment
    with numbness spreading in a weekly screen is an emergency.

    ``history`` holds the assessment's history answers (first episode or not, a fall or
    knock): with ``age`` they make the protocol's age flags, in the screens they name. None
    (a screen without the assessment) applies none; given, a missing answer counts as
    "not sure".
    """
    questions = protocol.red_flags_for(screen)
    triggered: list[TriggeredFlag] = []
    missing: list[str] = []
    for flag in questions:
        answer = normalise_answer(answers.get(flag.id))
        if answer is None:
            missing.append(flag.id)
        elif answer in TRIGGERING_ANSWERS:
            triggered.append(_triggered(protocol, flag, answer, screen))
    asked = {f.id for f in questions}
    earlier_ids = {
        flag_id
        for flag_id, value in (earlier or {}).items()
        if flag_id not in asked and normalise_answer(value) in TRIGGERING_ANSWERS
    }
    if history is not None:
        for rule in protocol.age_flags:
            hit = _age_flag(protocol, rule, age, history) if screen in rule.screens else None
            if hit is not None:
                triggered.append(hit)
    triggered = _combine(protocol, triggered, age, earlier_ids)
    urgency = max((f.urgency for f in triggered), key=URGENCY_RANK.__getitem__, default=None)
    return TriageResult(
        screen=screen,
        stop=bool(triggered),
        urgency=urgency,
        triggered=tuple(triggered),
        missing=tuple(missing),
        protocol_id=protocol.id,
        protocol_version=protocol.version,
    )


def _combine(
    protocol: Protocol,
    triggered: list[TriggeredFlag],
    age: int | None,
    history: set[str] | frozenset[str] = frozenset(),
) -> list[TriggeredFlag]:
    """Raise the urgency of flags that the protocol says are more urgent together
    (``history``: flags answered yes or not sure in earlier screens, not asked now)."""
    ids = {f.id for f in triggered} | set(history)
    out = list(triggered)
    for combo in protocol.flag_combinations:
        if not set(combo.flags) <= ids:
            continue
        if combo.any_of and not ids & set(combo.any_of):
            continue
        if combo.min_age and age is not None and age < combo.min_age:
            continue
        members = set(combo.flags) | (ids & set(combo.any_of))
        for i, flag in enumerate(out):
            if flag.id in members and URGENCY_RANK[combo.urgency] > URGENCY_RANK[flag.urgency]:
                out[i] = replace(
                    flag,
                    urgency=combo.urgency,
                    reason=f"{flag.reason} {combo.reason}",
                    source=protocol.cite(dict.fromkeys((*flag.source_keys, *combo.sources))),
                    source_keys=tuple(dict.fromkeys((*flag.source_keys, *combo.sources))),
                    combinations=(*flag.combinations, combo.id),
                )
    return out


def _age_flag(
    protocol: Protocol, rule: AgeFlag, age: int | None, history: Mapping[str, Any]
) -> TriggeredFlag | None:
    """The age flag if it applies: old enough (unknown age counts) and a counting answer."""
    if age is not None and age < rule.min_age:
        return None
    value = history.get(rule.field)
    answer = str(value).strip().lower() if value is not None else ""
    if answer not in rule.answers and answer in AGE_FLAG_FIELDS.get(rule.field, ()):
        return None  # a known answer that does not count
    unsure = answer not in rule.answers or answer == "unsure"  # missing or not understood
    reason = rule.reason
    if unsure:
        reason = f"You weren't sure, so we are being careful. {reason}"
    return TriggeredFlag(
        id=rule.id,
        group=rule.group,
        question=rule.question,
        answer="unsure" if unsure else "yes",
        reason=reason,
        urgency=rule.urgency,
        source=protocol.cite(rule.sources),
        source_keys=rule.sources,
    )


def _triggered(protocol: Protocol, flag: RedFlag, answer: str, screen: str) -> TriggeredFlag:
    reason = flag.reason
    if answer == "unsure":
        reason = f"You weren't sure, so we are being careful. {reason}"
    return TriggeredFlag(
        id=flag.id,
        group=flag.group,
        question=flag.text_for(screen),
        answer=answer,
        reason=reason,
        urgency=flag.urgency,
        source=protocol.cite(flag.sources),
        source_keys=flag.sources,
    )


def advice_for(protocol: Protocol, result: TriageResult) -> UrgencyAdvice | None:
    """The fixed safety-netting text for the result's urgency (None when nothing triggered)."""
    return protocol.urgency[result.urgency] if result.urgency else None


__all__ = [
    "ANSWER_CHOICES",
    "PAUSING_URGENCIES",
    "TriageResult",
    "TriggeredFlag",
    "advice_for",
    "normalise_answer",
    "triage",
]
