"""The return-to-running engine: ``prescribe(protocol, profile, history, today)``.

It replays the athlete's sessions since the current phase began through the T.R.E.A.T. loop
(:mod:`.loop`, :mod:`.evaluate`) to find where they stand on their ladder, then plans this
week and next. Safety rules, in the order they win:

1. a red-flag stop prescribes nothing;
2. no run before the running phase (``[running.gate]``) and passed readiness tests;
3. repeated reds: back to the earlier phase's work (and a clinician suggested before that);
4. a gap of missed sessions steps down (``[[treat.gaps]]``);
5. green → the next rung may be tried, amber → repeat, red → step back; one change at a time,
   never while another change (a phase move, a custom activity step) is being judged;
6. every run fits under the longest-run guard and the week's allowed km (trimmed, or swapped
   for the cross-trainer, which is always a valid substitute).

Pure and deterministic: the same inputs always give the same prescription. Everything that
depends only on the protocol is compiled once per protocol object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from statistics import median

from backstride.core.protocol import Protocol
from backstride.core.treat.evaluate import Verdict, evaluate
from backstride.core.treat.loop import (
    LoopState,
    after_gap,
    after_verdict,
    earliest_change,
    record_try,
    reds_within,
    try_step,
)
from backstride.core.treat.model import (
    Change,
    History,
    Intervals,
    Kind,
    PaceBand,
    PlannedSession,
    PostRunCare,
    Prescription,
    Profile,
    ReadinessResult,
    Reason,
    SessionRecord,
    Status,
    WeekVolume,
)
from backstride.core.treat.schema import Ladder, Rung, RunningProtocol, TreatRules

_KIND = {
    "cross_trainer": Kind.CROSS_TRAINER,
    "walk_run": Kind.WALK_RUN,
    "continuous_run": Kind.CONTINUOUS_RUN,
}
_RUNS = frozenset({Kind.WALK_RUN, Kind.CONTINUOUS_RUN})
#: the shortest a continuous run may be trimmed to, as a share of its rung's time
_MIN_CONTINUOUS_SHARE = 0.5


@dataclass(frozen=True)
class _Compiled:
    running: RunningProtocol
    cite: dict[str, tuple[str, tuple[str, ...]]]
    post_run: PostRunCare
    red_flag_source: tuple[str, tuple[str, ...]]


_CACHE: dict[int, tuple[Protocol, _Compiled]] = {}


def _compile(protocol: Protocol) -> _Compiled:
    hit = _CACHE.get(id(protocol))
    if hit is not None and hit[0] is protocol:
        return hit[1]
    running = protocol.running
    if running is None:
        raise ValueError(f"protocol {protocol.id} has no [treat]/[running] rules")
    cite = {
        rule_id: (protocol.cite(keys), keys) for rule_id, keys in running.rule_sources().items()
    }
    for ladder in running.ladders:
        for rung in ladder.rungs:
            cite[rung.id] = (protocol.cite(rung.sources), rung.sources)
    for test in running.readiness:
        cite[test.id] = (protocol.cite(test.sources), test.sources)
    urgency = protocol.urgency.get("emergency")
    flag_keys = urgency.sources if urgency else ()
    pr = running.post_run
    care = PostRunCare(pr.cool_down_walk_min, pr.routine, pr.alternative, pr.id)
    compiled = _Compiled(running, cite, care, (protocol.cite(flag_keys), flag_keys))
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[id(protocol)] = (protocol, compiled)
    return compiled


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- Pace, distance and guards --------------------------------------------------------------
def pace_band(protocol: Protocol, profile: Profile, today: date) -> tuple[PaceBand, str]:
    """The athlete's pace band and where it came from (tailored, personal or default)."""
    running = _compile(protocol).running
    pace = running.pace
    if profile.pace is not None:
        return replace(profile.pace, cue=pace.talk_test), "tailored by your clinician"
    since = today - timedelta(days=pace.personal_window_days)
    speeds = [
        r.speed_kmh
        for r in profile.recent_runs
        if since <= r.on <= today and r.distance_km >= 1 and 3 <= r.speed_kmh <= 25
    ]
    ladder = running.ladder_for(profile.audience)
    if len(speeds) >= pace.personal_min_runs:
        centre = min(max(median(speeds), pace.min_kmh), pace.max_kmh)
        source = f"from your own recent runs ({len(speeds)} runs)"
    else:
        centre = ladder.pace_kmh or pace.default_kmh
        source = "the practice's default for this ladder"
    half = pace.band_width_kmh / 2
    low = max(pace.min_kmh, centre - half)
    high = min(pace.max_kmh, centre + half)
    return PaceBand(round(low, 1), round(high, 1), pace.talk_test), source


def rung_distance_km(rung: Rung, pace: PaceBand, walk_kmh: float, repeats: int = 0) -> float:
    """Estimated distance of a rung's main block (0 for the cross-trainer)."""
    if not rung.is_run:
        return 0.0
    reps = repeats or rung.repeats
    return reps * (rung.run_s * pace.mid_kmh + rung.walk_s * walk_kmh) / 3600


def longest_run_limit(
    protocol: Protocol, profile: Profile, history: History, today: date
) -> tuple[float, float]:
    """(limit, longest of the window) for a run on ``today``, in km.

    No run may be more than ``max_over_percent`` longer than the longest run of the last
    ``window_days``; with no run in that window the first walk-run rung is the allowance.
    """
    running = _compile(protocol).running
    guard = running.longest_run
    since = today - timedelta(days=guard.window_days)
    longest = max(
        (s.distance_km for s in history.sessions if s.kind.is_run and since <= s.on < today),
        default=0.0,
    )
    ladder = running.ladder_for(profile.audience)
    pace, _ = pace_band(protocol, profile, today)
    entry = rung_distance_km(ladder.rungs[ladder.first_run], pace, running.pace.walk_kmh)
    return max(entry, longest * (1 + guard.max_over_percent / 100)), longest


def allowed_week_km(ladder: Ladder, increase_percent: float, previous_week_km: float) -> float:
    """The most running km a week may hold: the starting allowance or last week plus the
    allowed increase, whichever is larger, never above the ladder's ceiling."""
    grown = previous_week_km * (1 + increase_percent / 100)
    return min(ladder.weekly_ceiling_km, max(ladder.weekly_start_km_max, grown))


# --- Readiness --------------------------------------------------------------------------------
def readiness_status(
    running: RunningProtocol, results: tuple[ReadinessResult, ...], since: date, today: date
) -> tuple[date | None, tuple[str, ...]]:
    """(date readiness was cleared or None, ids of tests not passed) from results since ``since``.

    Each test counts by its latest result; a later failed result takes readiness away again.
    """
    latest: dict[str, ReadinessResult] = {}
    for r in results:
        if since <= r.on <= today:
            best = latest.get(r.test_id)
            if best is None or (r.on, r.value) > (best.on, best.value):
                latest[r.test_id] = r
    pending = []
    cleared = date.min
    for test in running.readiness:
        got = latest.get(test.id)
        if (
            got is None
            or got.value < test.at_least
            or (test.no_symptom_rise and got.symptoms_rose is not False)
        ):
            pending.append(test.id)
        else:
            cleared = max(cleared, got.on)
    return (None if pending else cleared), tuple(pending)


# --- The engine -------------------------------------------------------------------------------
@dataclass
class _Replay:
    state: LoopState
    verdict: Verdict | None
    verdict_on: date | None
    gap_id: str
    gap_note: str
    ready_since: date
    cleared: date | None
    pending_tests: tuple[str, ...]
    sessions: tuple[SessionRecord, ...]  # since the phase began, oldest first


def _reason(c: _Compiled, rule_id: str, text: str) -> Reason:
    source, keys = c.cite.get(rule_id, ("", ()))
    return Reason(rule_id, text, source, keys)


class _Walk:
    """The loop walked session by session; copyable, so a walk can be memoised and resumed."""

    __slots__ = (
        "gap_id",
        "gap_note",
        "last",
        "ready_since",
        "state",
        "verdict",
        "verdict_on",
        "weeks",
    )

    def __init__(self, ready_since: date) -> None:
        self.state = LoopState()
        self.last: tuple[SessionRecord, int, bool] | None = None
        self.verdict: Verdict | None = None
        self.verdict_on: date | None = None
        self.gap_id = ""
        self.gap_note = ""
        self.ready_since = ready_since
        self.weeks: dict[date, tuple[float, int]] = {}

    def copy(self) -> _Walk:
        other = _Walk(self.ready_since)
        other.state, other.last, other.verdict = self.state, self.last, self.verdict
        other.verdict_on, other.gap_id, other.gap_note = self.verdict_on, self.gap_id, self.gap_note
        other.weeks = dict(self.weeks)
        return other

    def settle(self, ladder: Ladder, treat: TreatRules, baseline: int, as_of: date) -> None:
        """Judge the last session as known on ``as_of`` and adjust."""
        if self.last is None:
            return
        done, tried, substitute = self.last
        resp = done.response
        rise = None
        if resp is not None and resp.pain_next_morning is not None:
            week = _monday(done.on)
            total, count = self.weeks.get(week, (0.0, 0))
            total, count = total + resp.pain_next_morning, count + 1
            if as_of > done.on:  # only a settled week enters the record
                self.weeks[week] = (total, count)
            prev = self.weeks.get(week - timedelta(days=7))
            if prev and prev[1]:
                rise = total / count - prev[0] / prev[1]
        self.verdict = evaluate(treat, resp, done.on, as_of, baseline, rise)
        self.verdict_on = done.on
        self.state = after_verdict(
            treat,
            self.state,
            self.verdict,
            done.on,
            greens_needed=ladder.rungs[self.state.at].greens_to_progress,
            top=ladder.top,
            tried=tried,
            substitute=substitute,
        )

    def gap(self, treat: TreatRules, on: date) -> bool:
        """Step down for a gap before ``on``; True when the readiness tests must be redone."""
        last_on = self.state.last_on
        if last_on is None or not treat.gaps or (on - last_on).days < treat.gaps[-1].min_days:
            return False
        gap = treat.gap_for((on - last_on).days)
        if gap is None:
            return False
        self.state = after_gap(self.state, gap)
        self.gap_id, self.gap_note = gap.id, gap.advice
        if gap.redo_readiness:
            self.ready_since = last_on + timedelta(days=1)
        return gap.redo_readiness

    def step(
        self,
        running: RunningProtocol,
        ladder: Ladder,
        profile: Profile,
        history: History,
        others: list[date],
        s: SessionRecord,
    ) -> None:
        """Settle the previous session, then record ``s``."""
        treat = running.treat
        self.settle(ladder, treat, profile.baseline_pain, s.on)
        self.gap(treat, s.on)
        cleared, _ = readiness_status(running, history.readiness, self.ready_since, s.on)
        ready = cleared is not None
        state = self.state
        index, change = try_step(treat, state, s.on, ladder.top, others)
        if change and ladder.rungs[index].is_run and not ready:
            index, change = state.at, False
        substitute = s.kind is Kind.CROSS_TRAINER and ladder.rungs[index].is_run
        if substitute or not s.kind.is_run or not ready:
            tried = 0  # a run before readiness teaches the ladder nothing
        else:
            tried = min(ladder.index.get(s.rung_id, index), index)
        if change and (tried < index or substitute):
            index, change = state.at, False
        self.state = record_try(state, index, change, s.on)
        self.last = (s, tried, substitute)


#: memo of walks: (context, sessions so far) -> the walk after them. A pure function's memo:
#: it changes speed, never results (DESIGN: the same history always gives the same plan).
_WALKS: dict[tuple[object, ...], _Walk] = {}
_WALKS_MAX = 20_000


def _replay(
    c: _Compiled, ladder: Ladder, profile: Profile, history: History, today: date
) -> _Replay:
    running = c.running
    treat = running.treat
    sessions = tuple(
        sorted(
            (s for s in history.sessions if profile.phase_since <= s.on <= today),
            key=lambda s: (s.on, s.kind, s.rung_id, s.distance_km, s.duration_min),
        )
    )
    others = sorted({ch.on for ch in history.other_changes} | {profile.phase_since})
    ready_since = profile.phase_since - timedelta(days=running.gate.readiness_valid_days)
    context = (
        id(c),
        ladder.id,
        profile.phase_since,
        profile.baseline_pain,
        history.readiness,
        tuple(others),
    )
    walk: _Walk | None = None
    start = len(sessions)
    while start > 0:
        hit = _WALKS.get((context, sessions[:start]))
        if hit is not None:
            walk = hit.copy()
            break
        start -= 1
        if len(sessions) - start > 2:  # not a small step from a known walk: walk from the start
            start = 0
            break
    if walk is None:
        walk = _Walk(ready_since)
        start = 0
    for i in range(start, len(sessions)):
        walk.step(running, ladder, profile, history, others, sessions[i])
        if i >= len(sessions) - 2:
            if len(_WALKS) >= _WALKS_MAX:
                _WALKS.clear()
            _WALKS[(context, sessions[: i + 1])] = walk.copy()
    walk.settle(ladder, treat, profile.baseline_pain, today)
    walk.gap(treat, today)
    cleared, pending = readiness_status(running, history.readiness, walk.ready_since, today)
    return _Replay(
        walk.state,
        walk.verdict,
        walk.verdict_on,
        walk.gap_id,
        walk.gap_note,
        walk.ready_since,
        cleared,
        pending,
        sessions,
    )


def _fit(
    rung: Rung, pace: PaceBand, walk_kmh: float, cap_km: float
) -> tuple[int, int, float] | None:
    """(repeats, run_s, km) of ``rung`` trimmed to fit ``cap_km``, or None if it cannot."""
    full = rung_distance_km(rung, pace, walk_kmh)
    if full <= cap_km + 1e-9:
        return rung.repeats, rung.run_s, full
    if rung.kind == "walk_run":
        per = full / rung.repeats
        reps = math.floor(cap_km / per + 1e-9)
        return (reps, rung.run_s, reps * per) if reps >= 1 else None
    run_s = math.floor(cap_km / pace.mid_kmh * 60 + 1e-9) * 60
    if run_s < rung.run_s * _MIN_CONTINUOUS_SHARE:
        return None
    return 1, run_s, run_s * pace.mid_kmh / 3600


def prescribe(protocol: Protocol, profile: Profile, history: History, today: date) -> Prescription:
    """The next sessions for this week and next, the change being tested, and why."""
    c = _compile(protocol)
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
        reason = _reason(
            c,
            gate.id,
            f"Running starts in Phase {gate.phase}, after the readiness tests; "
            f"you are in Phase {profile.phase}.",
        )
        return Prescription(Status.NOT_YET, sessions=(), reasons=(reason,), **base)  # type: ignore[arg-type]

    ladder = running.ladder_for(profile.audience)
    pace, pace_source = pace_band(protocol, profile, today)
    replay = _replay(c, ladder, profile, history, today)
    state = replay.state
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
    if replay.verdict is not None:
        v = replay.verdict
        action = state.note[:1].upper() + state.note[1:] if state.note else "Noted"
        wait = "" if v.final else " (not final yet)"
        reasons.append(
            _reason(
                c,
                treat.colours.id,
                f"{action}: {v.text()} — {v.colour}{wait} (session of {replay.verdict_on}).",
            )
        )
    if see_clinician:
        reasons.append(
            _reason(
                c,
                adjust.id,
                f"{reds} red responses in the last {adjust.reds_window_days} days: please see "
                "your physiotherapist or doctor before building up again.",
            )
        )
    if reds >= adjust.phase_back_after_reds:
        reasons.append(
            _reason(
                c,
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
    if replay.gap_id:
        reasons.append(_reason(c, replay.gap_id, replay.gap_note))

    cleared = replay.cleared is not None
    if not cleared:
        state = state._replace(at=0, ready_up=False, testing=False)
        names = {t.id: t.name for t in running.readiness}
        reasons.append(
            _reason(
                c,
                gate.id,
                "Before the first run, pass every readiness test: still to pass: "
                + ", ".join(names[t] for t in replay.pending_tests)
                + ". Until then the cross-trainer is your running session.",
            )
        )

    sessions, change, weeks, limit, longest, notes = _plan(
        c, ladder, profile, history, replay.sessions, today, state, pace, cleared
    )
    rung = ladder.rungs[state.at]
    reasons.insert(
        0,
        _reason(
            c,
            ladder.id,
            f"{ladder.name}: rung {state.at + 1} of {len(ladder.rungs)} — {rung.label}.",
        ),
    )
    others = sorted({ch.on for ch in history.other_changes} | {profile.phase_since})
    next_change = earliest_change(treat, state, others)
    if change is not None:
        next_change = change.on
        reasons.append(
            _reason(
                c,
                treat.one_change.id,
                f"One change at a time: {change.label} on {change.on}; the sessions after it "
                "assume it goes well and are re-planned from your check-in.",
            )
        )
        reasons.append(_reason(c, treat.rest_of_day.id, treat.rest_of_day.text))
        reasons.append(
            _reason(
                c,
                treat.spacing.id,
                f"At least {treat.spacing.min_hours} hours before the next change, so the "
                "next-morning and two-day answers come in first.",
            )
        )
    if state.ready_up and cleared:
        blocking = [
            ch
            for ch in history.other_changes
            if ch.on <= today < ch.on + timedelta(days=treat.spacing.days)
        ]
        if blocking:
            what = ", ".join(f"{ch.what} ({ch.on})" for ch in blocking)
            reasons.append(
                _reason(
                    c,
                    treat.one_change.id,
                    f"Another change is being judged ({what}): this rung repeats until "
                    f"{next_change}.",
                )
            )
    if any(s.kind.is_run for s in sessions):
        reasons.append(
            _reason(c, running.pace.id, f"Run segments at {pace.text()}, {pace_source}. {pace.cue}")
        )
        reasons.append(
            _reason(
                c,
                running.longest_run.id,
                f"No run longer than {limit:.1f} km: at most "
                f"{running.longest_run.max_over_percent:g} % "
                f"over your longest run of the last {running.longest_run.window_days} days "
                f"({longest:.1f} km), or the first walk-run session if there was none.",
            )
        )
        reasons.append(
            _reason(
                c,
                running.no_long_slow.id,
                f"Sessions stay short and brisk: no run block over "
                f"{running.no_long_slow.max_session_min} minutes at this stage.",
            )
        )
    week_text = ", ".join(f"week of {w.week_start}: up to {w.allowed_km:.1f} km" for w in weeks)
    if ladder.show_ceiling:
        week_text += f" (ceiling for this stage {ladder.weekly_ceiling_km:g} km a week)"
    reasons.append(_reason(c, running.volume.id, f"Weekly running: {week_text}."))
    for rule_id, text in notes:
        reasons.append(_reason(c, rule_id, text))
    reasons.append(_reason(c, running.substitute.id, running.substitute.text))

    return Prescription(
        Status.LADDER if cleared else Status.READINESS,
        sessions=tuple(sessions),
        reasons=tuple(reasons),
        rung_id=rung.id,
        rung_index=state.at,
        change=change,
        next_change_on=next_change if cleared else None,
        readiness_pending=replay.pending_tests,
        weeks=tuple(weeks),
        longest_run_limit_km=limit,
        rest_of_day=treat.rest_of_day.text if change or state.testing else "",
        **common,  # type: ignore[arg-type]
    )


def _plan(
    c: _Compiled,
    ladder: Ladder,
    profile: Profile,
    history: History,
    done: tuple[SessionRecord, ...],
    today: date,
    state: LoopState,
    pace: PaceBand,
    cleared: bool,
) -> tuple[
    list[PlannedSession], Change | None, list[WeekVolume], float, float, list[tuple[str, str]]
]:
    running = c.running
    treat = running.treat
    walk = running.pace.walk_kmh
    top = ladder.top
    week0 = _monday(today)
    week1 = week0 + timedelta(days=7)
    end = week0 + timedelta(days=13)
    increase = running.volume.max_increase_percent

    # what is already done
    per_week: dict[date, int] = {}
    prev_km = done0 = 0.0
    since = today - timedelta(days=running.longest_run.window_days)
    longest = 0.0
    first = min(week0 - timedelta(days=7), since)
    for s in reversed(done):  # newest first: stop at the oldest date that matters
        if s.on < first:
            break
        if s.on >= week0:
            per_week[week0] = per_week.get(week0, 0) + 1
        if s.kind in _RUNS:
            if s.on >= week0:
                done0 += s.distance_km
            elif s.on >= week0 - timedelta(days=7):
                prev_km += s.distance_km
            if since <= s.on < today and s.distance_km > longest:
                longest = s.distance_km
    entry = rung_distance_km(ladder.rungs[ladder.first_run], pace, walk)
    limit = max(entry, longest * (1 + running.longest_run.max_over_percent / 100))
    allowed = {week0: allowed_week_km(ladder, increase, prev_km)}
    used = {week0: done0, week1: 0.0}

    others = sorted({ch.on for ch in history.other_changes} | {profile.phase_since})
    sessions: list[PlannedSession] = []
    notes: list[tuple[str, str]] = []
    change: Change | None = None
    sim = state
    spacing = ladder.rungs[state.at].spacing_days
    day = today if sim.last_on is None else max(today, sim.last_on + timedelta(days=spacing))
    if sim.last_on == today:
        day = today + timedelta(days=spacing)
    testing = state.testing
    while day <= end:
        week = _monday(day)
        rung_now = ladder.rungs[sim.at]
        if per_week.get(week, 0) >= rung_now.sessions_per_week:
            day = week + timedelta(days=7)
            continue
        if week == week1 and week1 not in allowed:
            allowed[week1] = allowed_week_km(ladder, increase, used[week0])
        index, is_change = try_step(treat, sim, day, top, others)
        if not cleared:
            index, is_change = 0, False
        cap = min(limit, allowed[week] - used[week])
        fitted = _fit(ladder.rungs[index], pace, walk, cap)
        if fitted is None and is_change:
            index, is_change = sim.at, False
            fitted = _fit(ladder.rungs[index], pace, walk, cap)
        rung = ladder.rungs[index]
        if is_change:
            change = Change(
                ladder.id,
                ladder.rungs[sim.at].id,
                rung.id,
                f"{ladder.rungs[sim.at].label} → {rung.label}",
                day,
            )
        is_test = is_change or (testing and not sessions and index == state.at)
        provisional = change is not None and not is_change
        session = _session(c, rung, day, pace, fitted, notes, cap, is_test, provisional)
        if session.kind in _RUNS:
            used[week] = used.get(week, 0.0) + session.distance_km
        sessions.append(session)
        per_week[week] = per_week.get(week, 0) + 1
        sim = record_try(sim, index, is_change, day)
        day += timedelta(days=rung.spacing_days)
    if week1 not in allowed:
        allowed[week1] = allowed_week_km(ladder, increase, used[week0])
    ceiling = ladder.weekly_ceiling_km if ladder.show_ceiling else None
    weeks = [
        WeekVolume(  # unrounded: a rounded total could read as over the allowance
            w,
            done0 if w == week0 else 0.0,
            used.get(w, 0.0) - (done0 if w == week0 else 0.0),
            allowed[w],
            ceiling,
        )
        for w in (week0, week1)
    ]
    return sessions, change, weeks, limit, longest, notes


def _session(
    c: _Compiled,
    rung: Rung,
    day: date,
    pace: PaceBand,
    fitted: tuple[int, int, float] | None,
    notes: list[tuple[str, str]],
    cap: float,
    is_test: bool,
    provisional: bool,
) -> PlannedSession:
    running = c.running
    sub = running.substitute
    if not rung.is_run or fitted is None:
        minutes = rung.minutes or min(sub.max_minutes, max(sub.min_minutes, rung.block_s // 60))
        if rung.is_run:
            minutes = min(sub.max_minutes, max(sub.min_minutes, round(rung.block_s / 60)))
            note = (
                f"{day}: cross-trainer instead of a run — a run would go over this week's "
                f"allowed km or the longest-run guard ({max(cap, 0):.1f} km left)."
            )
            notes.append((running.volume.id, note))
        return PlannedSession(
            on=day,
            kind=Kind.CROSS_TRAINER,
            rung_id=rung.id,
            label=f"Cross-trainer {minutes} min",
            cross_trainer_min=minutes,
            duration_min=float(minutes),
            note="" if not rung.is_run else "stands in for the run this time",
            is_test=is_test and not rung.is_run,
            provisional=provisional,
        )
    repeats, run_s, km = fitted
    trimmed = repeats != rung.repeats or run_s != rung.run_s
    if trimmed:
        notes.append(
            (
                running.longest_run.id,
                f"{day}: {rung.label} shortened to {km:.1f} km to stay under the "
                "longest-run guard and this week's allowed km.",
            )
        )
    intervals = Intervals(run_s, rung.walk_s, repeats)
    block_min = repeats * (run_s + rung.walk_s) / 60
    minutes = min(sub.max_minutes, max(sub.min_minutes, round(block_min)))
    return PlannedSession(
        on=day,
        kind=_KIND[rung.kind],
        rung_id=rung.id,
        label=rung.label if not trimmed else f"{rung.label} (shortened: {intervals.text()})",
        warm_up_min=rung.warm_up_min,
        intervals=intervals,
        pace=pace,
        duration_min=round(block_min, 1),
        distance_km=math.floor(km * 1000) / 1000,  # never rounded up past a guard
        cool_down_min=running.post_run.cool_down_walk_min,
        post_run=c.post_run,
        substitute=f"or the cross-trainer for {minutes} min",
        is_test=is_test,
        provisional=provisional,
    )


__all__ = [
    "allowed_week_km",
    "longest_run_limit",
    "pace_band",
    "prescribe",
    "readiness_status",
    "rung_distance_km",
]
