"""What the athlete is told straight after a check-in: its colour, what the colour means,
what happens next, and the safety-netting line.

The colour is :func:`backstride.core.checkins.response_light` (the same one the clinician
sees); what happens next follows the decision the rules took. Pure: same inputs, same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from backstride.core.checkins import CheckIn, needs_rescreen, response_light
from backstride.core.phases import Decision
from backstride.core.protocol import Protocol

#: Shown after every check-in, whatever its colour (NICE NG59 safety netting; the emergency
#: signs are those of the protocol's cauda equina questions).
SAFETY_NET = (
    "If your back or leg pain gets much worse, or you notice new numbness or weakness in your "
    "legs, numbness around your bottom or genitals, or any change in bladder or bowel control, "
    "call 999 or go to A&E now; for other worries call 111 (or your local emergency and "
    "urgent advice numbers)."
)

LIGHT_WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}
LIGHT_MEANINGS = {
    "green": "Within the limits: your back handled this well.",
    "amber": "Acceptable, but a sign your back is working hard (pain of 4 or 5 out of 10). "
    "Not the moment to make anything harder.",
    "red": "More than your back is ready for right now (pain of 6 out of 10 or more, or leg "
    "symptoms that are new, worse or spreading).",
}


@dataclass(frozen=True)
class Feedback:
    light: str
    word: str
    meaning: str
    next_steps: tuple[str, ...]
    safety_net: str = SAFETY_NET
    rescreen: bool = False


def checkin_feedback(protocol: Protocol, checkin: CheckIn, decision: Decision | None) -> Feedback:
    """Colour, meaning and next steps for one check-in, given the decision the rules took."""
    light = response_light(protocol, checkin)
    steps: list[str] = []
    rescreen = needs_rescreen(checkin)
    if rescreen:
        steps.append(
            "Because your leg symptoms are worse, please answer the safety questions now. "
            "They include the questions about bladder, bowel and numbness around your bottom."
        )
    action = decision.action if decision is not None else "hold"
    if decision is not None and decision.changes_phase and action == "step_back":
        steps.append(
            f"We're easing you back to Phase {decision.to_phase} for a while. That is a normal "
            "part of recovery, not a failure. A few safety questions first."
        )
    elif decision is not None and decision.changes_phase and action == "progress":
        steps.append(
            f"Your check-ins and tests say you're ready for Phase {decision.to_phase}. A few "
            "safety questions first."
        )
    elif light == "red":
        steps.append(
            "Keep to the same exercises, or easier ones, and don't add anything new. Nothing "
            "moves up while there has been a red day in the last week."
        )
    elif light == "amber":
        steps.append(
            "Keep the same exercises for now, with nothing harder. We hold at this level until "
            "your days are green again."
        )
    else:
        steps.append("Keep going with the same plan.")
    if decision is not None and decision.see_clinician:
        steps.append(
            "Please see a physiotherapist or doctor in the next few days: your check-ins show a "
            "pattern a clinician should look at."
        )
    if checkin.pain_next_morning is None:
        steps.append("Tomorrow morning we'll ask how your back feels after a night's sleep.")
    elif light != "green" and checkin.pain_48h is None:
        steps.append("Tomorrow we'll ask once more how your back feels, two days on.")
    return Feedback(
        light=light,
        word=LIGHT_WORDS[light],
        meaning=LIGHT_MEANINGS[light],
        next_steps=tuple(steps),
        rescreen=rescreen,
    )


__all__ = ["LIGHT_MEANINGS", "LIGHT_WORDS", "SAFETY_NET", "Feedback", "checkin_feedback"]
