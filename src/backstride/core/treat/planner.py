"""This week and next: the sessions planned from where the athlete stands.

Sessions follow the rung's spacing and sessions per week; the first session after the spacing
may test the next rung (one change, and only when nothing else is being judged). Every run
fits under the longest-run guard and the week's allowed km: trimmed, or swapped for the
cross-trainer, which is always a valid substitute.

Pure Python, no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from backstride.core.running_protocol.rules import Rung
from backstride.core.treat.compiled import (
    Compiled,
    LadderInfo,
    RungInfo,
    build,
    defaults_of,
    remember,
)
from backstride.core.treat.guards import allowed_week_km, fit
from backstride.core.treat.loop import LoopState, record_try, try_step
from backstride.core.treat.model import (
    Change,
    Intervals,
    Kind,
    PaceBand,
    PlannedSession,
    SessionRecord,
    WeekVolume,
)

_WEEK = timedelta(days=7)
_CROSS_TRAINER = Kind.CROSS_TRAINER
_WEEK_DEFAULTS = defaults_of(WeekVolume)


@dataclass
class Plan:
    sessions: list[PlannedSession]
    change: Change | None
    weeks: list[WeekVolume]
    limit: float  # the longest-run guard, km
    longest: float  # the longest run of the guard's window, km
    notes: list[tuple[str, str]]  # (rule id, text) for runs trimmed or swapped
    has_run: bool


def plan(
    c: Compiled,
    info: LadderInfo,
    others: list[date],
    done: tuple[SessionRecord, ...],
    today: date,
    state: LoopState,
    pace: PaceBand,
    cleared: bool,
) -> Plan:
    """Plan from ``today`` to the end of next week, ``done`` being the sessions of the phase."""
    running = c.running
    treat = running.treat
    ladder = info.ladder
    rungs = info.rungs
    top = info.top
    week0 = today - timedelta(days=today.weekday())
    week1 = week0 + _WEEK
    end = week0 + timedelta(days=13)
    increase = running.volume.max_increase_percent
    distances = c.distances_for(info, pace)

    # what is already done
    this_week = 0
    prev_km = done0 = 0.0
    since = today - c.window_days
    longest = 0.0
    first = min(week0 - _WEEK, since)
    last_week = week0 - _WEEK
    for s in reversed(done):  # newest first: stop at the oldest date that matters
        on = s.on
        if on < first:
            break
        if on >= week0:
            this_week += 1
        if s.kind is not _CROSS_TRAINER:  # a run (a rest day is never a session)
            if on >= week0:
                done0 += s.distance_km
            elif on >= last_week:
                prev_km += s.distance_km
            if since <= on < today and s.distance_km > longest:
                longest = s.distance_km
    limit = max(distances[info.first_run], longest * c.over_factor)
    allowed0 = allowed_week_km(ladder, increase, prev_km)
    allowed1: float | None = None
    used0 = done0
    used1 = 0.0
    count0, count1 = this_week, 0

    sessions: list[PlannedSession] = []
    notes: list[tuple[str, str]] = []
    change: Change | None = None
    has_run = False
    sim = state
    at = state.at
    day = today if sim.last_on is None else max(today, sim.last_on + rungs[at].spacing)
    if sim.last_on == today:
        day = today + rungs[at].spacing
    testing = state.testing
    may_change = cleared and sim.ready_up  # no verdicts in a plan: once spent, never again
    while day <= end:
        in_week0 = day < week1
        if (count0 if in_week0 else count1) >= rungs[at].rung.sessions_per_week:
            day = week1 if in_week0 else week1 + _WEEK
            continue
        if in_week0:
            left = allowed0 - used0
        else:
            if allowed1 is None:  # next week's allowance grows from this week's km
                allowed1 = allowed_week_km(ladder, increase, used0)
            left = allowed1 - used1
        cap = min(limit, left)
        index, is_change = at, False
        if may_change:
            index, is_change = try_step(treat, sim, day, top, others)
        r = rungs[index]
        full = distances[index]
        if full <= cap + 1e-9:  # as written (what ``fit`` returns when it fits)
            fitted: tuple[int, int, float] | None = (r.rung.repeats, r.rung.run_s, full)
        else:
            fitted = fit(r.rung, full, pace, cap)
        if fitted is None and is_change:
            index, is_change = at, False
            r = rungs[index]
            fitted = fit(r.rung, distances[index], pace, cap)
        if is_change:
            was = rungs[at].rung
            change = Change(ladder.id, was.id, r.rung.id, f"{was.label} → {r.rung.label}", day)
        is_test = is_change or (testing and not sessions and index == state.at)
        provisional = change is not None and not is_change
        session = _session(c, r, day, pace, fitted, notes, cap, is_test, provisional)
        if session.kind is not _CROSS_TRAINER:
            has_run = True
            if in_week0:
                used0 += session.distance_km
            else:
                used1 += session.distance_km
        sessions.append(session)
        if in_week0:
            count0 += 1
        else:
            count1 += 1
        if may_change:
            sim = record_try(sim, index, is_change, day)
            at = sim.at
            may_change = sim.ready_up
        day += r.spacing
    if allowed1 is None:
        allowed1 = allowed_week_km(ladder, increase, used0)
    ceiling = info.ceiling_km
    weeks = [  # unrounded: a rounded total could read as over the allowance
        _week(week0, done0, used0 - done0, allowed0, ceiling),
        _week(week1, 0.0, used1, allowed1, ceiling),
    ]
    return Plan(sessions, change, weeks, limit, longest, notes, has_run)


def _week(
    start: date, done: float, planned: float, allowed: float, ceiling: float | None
) -> WeekVolume:
    values = {
        "week_start": start,
        "done_km": done,
        "planned_km": planned,
        "allowed_km": allowed,
        "ceiling_km": ceiling,
    }
    return build(WeekVolume, _WEEK_DEFAULTS, values)


def _session(
    c: Compiled,
    r: RungInfo,
    day: date,
    pace: PaceBand,
    fitted: tuple[int, int, float] | None,
    notes: list[tuple[str, str]],
    cap: float,
    is_test: bool,
    provisional: bool,
) -> PlannedSession:
    running = c.running
    rung = r.rung
    if not r.is_run or fitted is None:
        if r.is_run:
            note = (
                f"{day}: cross-trainer instead of a run — a run would go over this week's "
                f"allowed km or the longest-run guard ({max(cap, 0):.1f} km left)."
            )
            notes.append((running.volume.id, note))
            values = {"on": day, "is_test": False, "provisional": provisional}
            return build(PlannedSession, r.stand_in, values)
        values = {"on": day, "is_test": is_test, "provisional": provisional}
        return build(PlannedSession, r.session, values)
    repeats, run_s, km = fitted
    values = {
        "on": day,
        "pace": pace,
        "distance_km": math.floor(km * 1000) / 1000,  # never rounded up past a guard
        "is_test": is_test,
        "provisional": provisional,
    }
    if repeats != rung.repeats or run_s != rung.run_s:  # trimmed to fit the guards
        notes.append(
            (
                running.longest_run.id,
                f"{day}: {rung.label} shortened to {km:.1f} km to stay under the "
                "longest-run guard and this week's allowed km.",
            )
        )
        values.update(_trimmed(c, rung, repeats, run_s))
    return build(PlannedSession, r.session, values)


def _trimmed(c: Compiled, rung: Rung, repeats: int, run_s: int) -> dict[str, Any]:
    """The fields of a session of ``rung`` trimmed to ``repeats`` × ``run_s`` (memoised: a
    rung has few ways of being trimmed)."""
    key = (rung.id, repeats, run_s)
    hit = c.trims.get(key)
    if hit is None:
        intervals = Intervals(run_s, rung.walk_s, repeats)
        block_min = repeats * (run_s + rung.walk_s) / 60
        sub = c.running.substitute
        minutes = min(sub.max_minutes, max(sub.min_minutes, round(block_min)))
        hit = {
            "label": f"{rung.label} (shortened: {intervals.text()})",
            "intervals": intervals,
            "duration_min": round(block_min, 1),
            "substitute": f"or the cross-trainer for {minutes} min",
        }
        remember(c.trims, key, hit)
    return hit


__all__ = ["Plan", "plan"]
