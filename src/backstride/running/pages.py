"""What the running pages show, built from the engine's answer (no rules of their own).

- :func:`today_session` — today's planned session, or None on a rest day;
- :func:`timer_steps` — a planned session as run/walk timer steps (warm-up, repeats, cool-down);
- :func:`ladder_rows` — every rung of the athlete's ladder, what it means and where they stand;
- :func:`care_card` — the post-run care routine with its evidence note and sources;
- :func:`changes_tested` — every change tried on the ladder, its verdict and what it led to,
  replayed through the same pure engine (the same history always gives the same answer).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from backstride.accounts.models import User
from backstride.core.protocol import Protocol, Source
from backstride.core.running_protocol.schema import Rung
from backstride.core.treat import (
    Colour,
    Kind,
    PlannedSession,
    Prescription,
    Reason,
    Status,
    Verdict,
    prescribe,
)
from backstride.lib.fields import from_attributes

from . import checkins, services

COLOUR_WORDS = checkins.COLOUR_WORDS


def today_session(rx: Prescription) -> PlannedSession | None:
    """The session planned for the prescription's today, if any."""
    return next((s for s in rx.sessions if s.on == rx.today), None)


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def timer_steps(session: PlannedSession) -> list[dict[str, object]]:
    """The session as timer steps ``{"kind", "label", "secs"}``: warm-up walk, each run and
    walk of the repeats, cool-down walk (one step for a cross-trainer session)."""
    iv = session.intervals
    if session.kind is Kind.CROSS_TRAINER or iv is None:
        return [
            {
                "kind": "work",
                "label": "Cross-trainer, steady",
                "secs": session.cross_trainer_min * 60,
            }
        ]
    steps: list[dict[str, object]] = []
    if session.warm_up_min:
        steps.append({"kind": "walk", "label": "Warm-up walk", "secs": session.warm_up_min * 60})
    for n in range(1, iv.repeats + 1):
        of = f" {n} of {iv.repeats}" if iv.repeats > 1 else ""
        steps.append({"kind": "run", "label": f"Run{of}", "secs": iv.run_s})
        if iv.walk_s:
            steps.append({"kind": "walk", "label": f"Walk{of}", "secs": iv.walk_s})
    if session.cool_down_min:
        steps.append(
            {"kind": "walk", "label": "Cool-down walk", "secs": session.cool_down_min * 60}
        )
    return steps


def total_minutes(session: PlannedSession) -> int:
    """The whole session, warm-up to cool-down, in whole minutes (rounded up)."""
    seconds = sum(int(str(s["secs"])) for s in timer_steps(session))
    return -(-seconds // 60)


def rung_meaning(rung: Rung) -> str:
    """What one rung asks, in plain words, e.g. "Walk 5 min to warm up, then run 60 s and walk
    90 s, 6 times (15 min). 3 sessions a week, at least 48 hours apart." """
    spacing = (
        f"{rung.sessions_per_week} sessions a week, at least {rung.min_hours_between} hours apart."
    )
    if rung.kind == "cross_trainer":
        return f"Cross-trainer for {rung.minutes} minutes, steady, no impact. {spacing}"
    warm = f"Walk {rung.warm_up_min} min to warm up, then " if rung.warm_up_min else ""
    run = _words(rung.run_s)
    if rung.walk_s:
        minutes = rung.block_s // 60
        block = f"run {run} and walk {_words(rung.walk_s)}, {rung.repeats} times ({minutes} min)"
    else:
        block = f"run {run} without a break"
    text = f"{warm}{block}."
    return text[:1].upper() + text[1:] + " " + spacing


def _words(seconds: int) -> str:
    if seconds % 60 == 0 and seconds >= 120:
        return f"{seconds // 60} min"
    if seconds >= 120:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds} s"


@dataclass(frozen=True)
class LadderRow:
    number: int
    rung: Rung
    meaning: str
    state: str  # "done", "current" or "ahead"

    @property
    def state_word(self) -> str:
        return {"done": "Done", "current": "You are here", "ahead": "Ahead"}[self.state]


def ladder_rows(user: User, rx: Prescription) -> list[LadderRow]:
    """Every rung of the athlete's ladder with what it means and whether it is behind them,
    the one they stand on, or ahead (before readiness: the first rung is where they stand)."""
    ladder = services.ladder_for(user)
    at = rx.rung_index if rx.rung_id else 0
    return [
        LadderRow(
            i + 1,
            rung,
            rung_meaning(rung),
            "done" if i < at else "current" if i == at else "ahead",
        )
        for i, rung in enumerate(ladder.rungs)
    ]


@dataclass(frozen=True)
class CareCard:
    cool_down_walk_min: int
    routine: str
    alternative: str
    evidence_note: str
    rule_id: str
    sources: tuple[Source, ...]
    source_text: str


def care_card(protocol: Protocol) -> CareCard | None:
    """Post-run care from the protocol: cool-down walk, the practice's routine, the
    evidence-preferred alternative, the evidence note and the sources behind it."""
    if protocol.running is None:
        return None
    care = protocol.running.post_run
    return from_attributes(
        CareCard,
        care,
        rule_id=care.id,
        sources=tuple(protocol.citations(care.sources)),
        source_text=protocol.cite(care.sources),
    )


@dataclass(frozen=True)
class TestedChange:
    """One change tried on the ladder: the session that tried it, its verdict, what it led to
    and the reasons (rule and source)."""

    on: date
    label: str
    from_label: str
    to_label: str
    kind: Kind
    verdict: Verdict
    word: str
    outcome: str
    reasons: tuple[Reason, ...]
    activity_id: int
    checkin_id: int | None


#: reasons that explain a verdict and its adjustment (the rest describe the plan in general)
_GENERAL_RULES = ("treat-one-change", "treat-rest-of-day", "treat-spacing")


def changes_tested(user: User, today: date | None = None) -> list[TestedChange]:
    """Every change tried since the current phase began, newest first: a session is a test
    when the plan for its day (from the history before it) tried a new rung and the session
    was of that rung's kind. The outcome is the plan after it (next rung, repeat or step
    back), computed by the same engine from the history up to the next session."""
    today = today or services.local_today(user)
    protocol = services.protocol_for(user)
    profile = services.build_profile(user, protocol, today)
    history = services.build_history(user, protocol, profile, today)
    ladder = services.ladder_for(user, protocol)
    verdicts = {v.activity.pk: v for v in checkins.session_verdicts(user, today)}
    done = list(reversed(verdicts.values()))  # oldest first
    session_days = sorted({v.on for v in done})

    def as_of(day: date, include_day: bool) -> Prescription:
        past = replace(
            history,
            sessions=tuple(
                s for s in history.sessions if s.on < day or (include_day and s.on == day)
            ),
            readiness=tuple(r for r in history.readiness if r.on <= day),
            other_changes=tuple(c for c in history.other_changes if c.on <= day),
        )
        return prescribe(protocol, profile, past, day)

    out: list[TestedChange] = []
    for v in done:
        before = as_of(v.on, False)
        change = before.change
        if before.status is not Status.LADDER or change is None or change.on != v.on:
            continue
        target = ladder.rungs[ladder.index[change.to_rung]]
        if target.is_run != v.kind.is_run:
            continue  # a cross-trainer session on a run test day is a substitute, not a test
        later = [d for d in session_days if d > v.on]
        after = as_of(later[0], False) if later else as_of(today, True)
        frm = ladder.index[change.from_rung]
        if not v.verdict.final:
            outcome = "Waiting for the remaining answers before the next step is decided."
        elif after.status is Status.BACK_TO_PHASE:
            outcome = f"Running paused: back to the Phase {after.back_to_phase} work."
        elif after.rung_index > frm:
            outcome = f"Moved up to: {ladder.rungs[after.rung_index].label}."
        elif after.rung_index == frm:
            outcome = f"Stayed on: {ladder.rungs[frm].label}, to repeat before trying again."
        else:
            outcome = f"Stepped back to: {ladder.rungs[after.rung_index].label}."
        out.append(
            TestedChange(
                on=v.on,
                label=change.label,
                from_label=ladder.rungs[frm].label,
                to_label=target.label,
                kind=v.kind,
                verdict=v.verdict,
                word=COLOUR_WORDS[v.verdict.colour] + ("" if v.verdict.final else " so far"),
                outcome=outcome,
                reasons=tuple(
                    r
                    for r in after.reasons
                    if r.rule_id.startswith("treat-") and r.rule_id not in _GENERAL_RULES
                ),
                activity_id=v.activity.pk,
                checkin_id=v.checkin.pk if v.checkin else None,
            )
        )
    return out[::-1]


def colour_word(colour: Colour | None) -> str:
    return COLOUR_WORDS[colour] if colour is not None else ""
