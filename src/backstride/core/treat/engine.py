"""The return-to-running engine: ``prescribe(protocol, profile, history, today)``.

It replays the athlete's sessions since the current phase began through the T.R.E.A.T. loop
(:mod:`.replay`) to find where they stand on their ladder, then plans this week and next
(:mod:`.planner`, under the guards of :mod:`.guards`). Safety rules, in the order they win:

1. a red-flag stop prescribes nothing;
2. no run before the running phase (``[running.gate]``) and passed readiness tests;
3. repeated reds: back to the earlier phase's work (and a clinician suggested before that);
4. a gap of missed sessions steps down (``[[treat.gaps]]``);
5. green → the next rung may be tried, amber → repeat, red → step back; one change at a time,
   never while another change (a phase move, a custom activity step) is being judged;
6. every run fits under the longest-run guard and the week's allowed km (trimmed, or swapped
   for the cross-trainer, which is always a valid substitute).

Pure and deterministic: the same inputs always give the same prescription. Everything that
depends only on the protocol is compiled once per protocol object (:mod:`.compiled`).
"""

from __future__ import annotations

from datetime import date, timedelta

from backstride.core.protocol import Protocol
from backstride.core.treat.compiled import Compiled, build, compile_protocol, defaults_of, remember
from backstride.core.treat.evaluate import Verdict
from backstride.core.treat.guards import (
    allowed_week_km,
    athlete_pace,
    longest_run_limit,
    pace_band,
    rung_distance_km,
)
from backstride.core.treat.loop import earliest_change, reds_within
from backstride.core.treat.model import (
    History,
    PaceBand,
    Prescription,
    Profile,
    Reason,
    Status,
    WeekVolume,
)
from backstride.core.treat.planner import plan
from backstride.core.treat.replay import readiness_status, replay

_PRESCRIPTION_DEFAULTS = defaults_of(Prescription)


def prescribe(protocol: Protocol, profile: Profile, history: History, today: date) -> Prescription:
    """The next sessions for this week and next, the change being tested, and why."""
    c = compile_protocol(protocol)
    running = c.running
    treat = running.treat
    base = {"today": today, "protocol_id": protocol.id, "protocol_version": protocol.version}

    if history.red_flag_stop:
        source, keys = c.red_flag_source
        reason = Reason(
            "red-flag-stop",
            "A safety answer paused the program: nothing is planned until a clinician has "
            "seen you and cleared it.",
            source,
            keys,
        )
        return Prescription(Status.STOPPED, sessions=(), reasons=(reason,), **base)  # type: ignore[arg-type]
    gate = running.gate
    if profile.phase < gate.phase:
        reason = c.reason(
            gate.id,
            f"Running starts in Phase {gate.phase}, after the readiness tests; "
            f"you are in Phase {profile.phase}.",
        )
        return Prescription(Status.NOT_YET, sessions=(), reasons=(reason,), **base)  # type: ignore[arg-type]

    info = c.ladder(profile.audience)
    ladder = info.ladder
    pace, pace_source = athlete_pace(c, info, profile, today)
    if history.other_changes:
        others = sorted({ch.on for ch in history.other_changes} | {profile.phase_since})
    else:
        others = [profile.phase_since]
    rp = replay(c, info, profile, history, today, others)
    state = rp.state
    reasons: list[Reason] = []
    reds = reds_within(treat, state, today)
    adjust = treat.adjust
    see_clinician = reds >= adjust.clinician_after_reds
    common = {
        "ladder_id": ladder.id,
        "rung_count": len(ladder.rungs),
        "last_colour": state.last_colour,
        "see_clinician": see_clinician,
        "pace": pace,
        **base,
    }
    if rp.verdict is not None:
        reasons.append(_verdict_reason(c, rp.verdict, state.note, rp.verdict_on))
    if see_clinician:
        reasons.append(
            c.reason(
                adjust.id,
                f"{reds} red responses in the last {adjust.reds_window_days} days: please see "
                "your physiotherapist or doctor before building up again.",
            )
        )
    if reds >= adjust.phase_back_after_reds:
        reasons.append(
            c.reason(
                adjust.id,
                f"{reds} red responses in {adjust.reds_window_days} days: running stops for now; "
                f"go back to the Phase {adjust.phase_back_to} work and build up again from there.",
            )
        )
        return Prescription(
            Status.BACK_TO_PHASE,
            sessions=(),
            reasons=tuple(reasons),
            back_to_phase=adjust.phase_back_to,
            rung_id=ladder.rungs[state.at].id,
            rung_index=state.at,
            **common,  # type: ignore[arg-type]
        )
    if rp.gap_id:
        reasons.append(_memo_reason(c, rp.gap_id, rp.gap_note))

    cleared = rp.cleared is not None
    if not cleared:
        state = state._replace(at=0, ready_up=False, testing=False)
        names = c.test_names
        reasons.append(
            _memo_reason(
                c,
                gate.id,
                "Before the first run, pass every readiness test: still to pass: "
                + ", ".join(names[t] for t in rp.pending_tests)
                + ". Until then the cross-trainer is your running session.",
            )
        )

    p = plan(c, info, others, rp.sessions, today, state, pace, cleared)
    reasons.insert(0, info.rungs[state.at].reason)
    next_change = earliest_change(treat, state, others)
    change = p.change
    if change is not None:
        next_change = change.on
        reasons.append(
            c.reason(
                treat.one_change.id,
                f"One change at a time: {change.label} on {change.on}; the sessions after it "
                "assume it goes well and are re-planned from your check-in.",
            )
        )
        reasons.append(c.rest_of_day)
        reasons.append(c.spacing_reason)
    if state.ready_up and cleared and history.other_changes:
        blocking = [
            ch
            for ch in history.other_changes
            if ch.on <= today < ch.on + timedelta(days=treat.spacing.days)
        ]
        if blocking:
            what = ", ".join(f"{ch.what} ({ch.on})" for ch in blocking)
            reasons.append(
                c.reason(
                    treat.one_change.id,
                    f"Another change is being judged ({what}): this rung repeats until "
                    f"{next_change}.",
                )
            )
    if p.has_run:
        reasons.append(_pace_reason(c, pace, pace_source))
        reasons.append(_limit_reason(c, p.limit, p.longest))
        reasons.append(c.no_long_slow)
    reasons.append(_week_reason(c, p.weeks, info.ceiling_text))
    for rule_id, text in p.notes:
        reasons.append(c.reason(rule_id, text))
    reasons.append(c.substitute)

    common.update(
        status=Status.LADDER if cleared else Status.READINESS,
        sessions=tuple(p.sessions),
        reasons=tuple(reasons),
        rung_id=ladder.rungs[state.at].id,
        rung_index=state.at,
        change=change,
        next_change_on=next_change if cleared else None,
        readiness_pending=rp.pending_tests,
        weeks=tuple(p.weeks),
        longest_run_limit_km=p.limit,
        rest_of_day=treat.rest_of_day.text if change or state.testing else "",
    )
    return build(Prescription, _PRESCRIPTION_DEFAULTS, common)


# --- Reasons whose text repeats across athletes: built once per protocol ---------------------
def _memo_reason(c: Compiled, rule_id: str, text: str) -> Reason:
    key = ("text", rule_id, text)
    return c.reasons.get(key) or remember(c.reasons, key, c.reason(rule_id, text))


def _verdict_reason(c: Compiled, v: Verdict, note: str, on: date | None) -> Reason:
    key = ("verdict", v.colour, v.findings, v.final, note, on)
    hit = c.reasons.get(key)
    if hit is None:
        action = note[:1].upper() + note[1:] if note else "Noted"
        wait = "" if v.final else " (not final yet)"
        text = f"{action}: {v.text()} — {v.colour}{wait} (session of {on})."
        hit = remember(c.reasons, key, c.reason(c.running.treat.colours.id, text))
    return hit


def _pace_reason(c: Compiled, pace: PaceBand, source: str) -> Reason:
    key = ("pace", pace.low_kmh, pace.high_kmh, pace.cue, source)
    hit = c.reasons.get(key)
    if hit is None:
        text = f"Run segments at {pace.text()}, {source}. {pace.cue}"
        hit = remember(c.reasons, key, c.reason(c.running.pace.id, text))
    return hit


def _limit_reason(c: Compiled, limit: float, longest: float) -> Reason:
    key = ("limit", limit, longest)
    hit = c.reasons.get(key)
    if hit is None:
        guard = c.running.longest_run
        text = (
            f"No run longer than {limit:.1f} km: at most {guard.max_over_percent:g} % "
            f"over your longest run of the last {guard.window_days} days "
            f"({longest:.1f} km), or the first walk-run session if there was none."
        )
        hit = remember(c.reasons, key, c.reason(guard.id, text))
    return hit


def _week_reason(c: Compiled, weeks: list[WeekVolume], ceiling_text: str) -> Reason:
    key = ("weeks", weeks[0].week_start, weeks[0].allowed_km, weeks[1].allowed_km, ceiling_text)
    hit = c.reasons.get(key)
    if hit is None:
        week_text = ", ".join(f"week of {w.week_start}: up to {w.allowed_km:.1f} km" for w in weeks)
        text = f"Weekly running: {week_text}{ceiling_text}."
        hit = remember(c.reasons, key, c.reason(c.running.volume.id, text))
    return hit


__all__ = [
    "allowed_week_km",
    "longest_run_limit",
    "pace_band",
    "prescribe",
    "readiness_status",
    "rung_distance_km",
]
