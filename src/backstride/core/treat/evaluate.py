"""E — Evaluate: colour one response green, amber or red (DESIGN §3, ``[treat.colours]``).

- red: pain above ``amber_max_pain`` in any window, new or spreading leg symptoms, or still
  worse than baseline at 48 h;
- amber: pain above ``green_max_pain`` (up to ``amber_max_pain``) during, straight after or
  that evening; not settled by the next morning but settled by 48 h; a rise week on week; or
  an answer that is due and missing (a missing answer is never green);
- green: none of those, with every answer in.

An answer not yet due leaves the verdict provisional (``final=False``) and never green.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backstride.core.running_protocol.schema import TreatRules
from backstride.core.treat.model import Colour, Response

WINDOW_WORDS = {
    "during": "during the session",
    "after": "straight after",
    "evening": "that evening",
    "next_morning": "the next morning",
    "h48": "after 48 hours",
}


@dataclass(frozen=True)
class Verdict:
    colour: Colour
    findings: tuple[str, ...]
    final: bool
    leg_symptoms: bool = False

    def text(self) -> str:
        return "; ".join(self.findings)


@dataclass(frozen=True)
class _Compiled:
    green: int
    amber: int
    margin: int
    rise: float
    due: dict[str, int]
    asked_always: tuple[str, ...]


_CACHE: dict[int, tuple[TreatRules, _Compiled]] = {}


def _compiled(rules: TreatRules) -> _Compiled:
    hit = _CACHE.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    c = rules.colours
    compiled = _Compiled(
        green=c.green_max_pain,
        amber=c.amber_max_pain,
        margin=c.settled_margin,
        rise=c.week_rise_points,
        due={w.window: w.due_day for w in rules.windows},
        asked_always=tuple(w.window for w in rules.windows if w.when == "always"),
    )
    _CACHE[id(rules)] = (rules, compiled)
    return compiled


def evaluate(
    rules: TreatRules,
    response: Response | None,
    session_on: date,
    as_of: date,
    baseline: int = 0,
    week_rise: float | None = None,
) -> Verdict:
    """Colour ``response`` to a session on ``session_on``, as known on ``as_of``.

    ``baseline`` is the athlete's usual pain; ``week_rise`` is how much the average
    next-morning pain of this week exceeds last week's (``None`` when not known).
    """
    c = _compiled(rules)
    days = (as_of - session_on).days
    if response is None:
        if days > 0:
            return Verdict(Colour.AMBER, ("no check-in was recorded for this session",), True)
        return Verdict(Colour.AMBER, ("waiting for the check-in",), False)

    settled_at = baseline + c.margin
    pains = (
        response.pain_during,
        response.pain_after,
        response.pain_evening,
        response.pain_next_morning,
        response.pain_48h,
    )
    leg = bool(response.leg_new) or bool(response.leg_spreading)
    h48 = response.pain_48h
    worst = max((p for p in pains if p is not None), default=-1)
    if worst > c.amber or leg or (h48 is not None and h48 > settled_at):
        red: list[str] = []
        for window, pain in zip(WINDOW_WORDS, pains, strict=True):
            if pain is not None and pain > c.amber:
                red.append(f"pain reached {pain}/10 {WINDOW_WORDS[window]} (above {c.amber}/10)")
        if leg:
            red.append("new or spreading leg symptoms")
        if h48 is not None and h48 > settled_at:
            red.append(f"still worse than usual after 48 hours ({h48}/10)")
        return Verdict(Colour.RED, tuple(red), True, leg)

    amber: list[str] = []
    pending: list[str] = []
    for window in c.asked_always:
        if response.pain(window) is None:
            due = c.due.get(window, 0)
            (amber if days > due else pending).append(f"no answer yet for {WINDOW_WORDS[window]}")
    if response.leg_new is None or response.leg_spreading is None:
        (amber if days > 0 else pending).append("no answer yet about leg symptoms")
    peak = max((p for p in pains[:3] if p is not None), default=None)
    if peak is not None and peak > c.green:
        amber.append(f"pain reached {peak}/10 (above {c.green}/10, up to {c.amber}/10)")
    morning = response.pain_next_morning
    if morning is not None and morning > settled_at:
        if response.pain_48h is not None:
            amber.append(
                f"not settled by the next morning ({morning}/10) but settled within 48 hours"
            )
        elif days > c.due.get("h48", 2):
            amber.append(f"not settled by the next morning ({morning}/10); no 48-hour answer")
        else:
            pending.append(
                f"not settled by the next morning ({morning}/10); waiting for the 48-hour answer"
            )
    if week_rise is not None and week_rise >= c.rise:
        amber.append(f"next-morning pain rose by {week_rise:.1f} points on last week")
    if amber or pending:
        return Verdict(Colour.AMBER, (*amber, *pending), not pending)
    return Verdict(
        Colour.GREEN,
        (
            f"pain stayed at {peak if peak is not None else 0}/10 or less "
            f"(limit {c.green}/10) and was back to usual by the next morning",
        ),
        True,
    )


__all__ = ["WINDOW_WORDS", "Verdict", "evaluate"]
