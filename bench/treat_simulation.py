"""Synthetic athletes through the real T.R.E.A.T. engine, checking the safety invariants.

    .venv/bin/python bench/treat_simulation.py --athletes 10000 --weeks 16 [--seed 1]

Each athlete (seeded) is a returning runner or a beginner in Phase 3 with passed readiness
tests; each has a personal chance of green, amber and red responses and of missing sessions.
Before every session the engine prescribes; the athlete does the first planned session (or
skips days) and answers the check-in. Every prescription is checked:

- weekly planned + done km never above the week's allowed km, nor the ladder's ceiling;
- no planned run longer than the longest-run guard, no run block over the no-long-slow limit;
- at most one change tested, every prescription has a reason;
- after a red response the next session is never on a higher rung.

The last line is one JSON object: athletes, weeks, prescriptions, seconds, prescriptions_per_s,
reached_continuous, stepped_back, back_to_phase, violations; and, because the machine's cores
are shared, cpu_seconds and prescriptions_per_cpu_s (this process's CPU time inside the
engine) and load_before / load_after (the one-minute load average).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backstride.core.protocol import Protocol, default_protocol
from backstride.core.treat import (
    Audience,
    Colour,
    History,
    Kind,
    Prescription,
    Profile,
    ReadinessResult,
    Response,
    SessionRecord,
    Status,
    prescribe,
)

START = date(2025, 1, 6)


def response(rng: random.Random, colour: Colour) -> Response:
    if colour is Colour.GREEN:
        return Response(
            rng.randint(0, 3),
            rng.randint(0, 3),
            rng.randint(0, 3),
            0,
            None,
            False,
            False,
            rng.randint(0, 3),
        )
    if colour is Colour.AMBER:
        return Response(
            rng.randint(4, 5),
            rng.randint(0, 5),
            rng.randint(0, 5),
            rng.randint(0, 2),
            0,
            False,
            False,
            3,
        )
    if rng.random() < 0.3:
        return Response(rng.randint(0, 5), 3, 3, 2, 1, True, False, 4)
    return Response(rng.randint(6, 10), 5, 5, 4, 3, False, False, 5)


def check(
    protocol: Protocol, profile: Profile, history: History, rx: Prescription, today: date
) -> list[str]:
    running = protocol.running
    assert running is not None
    ladder = running.ladder_for(profile.audience)
    problems = []
    if not rx.reasons:
        problems.append("no reason")
    if sum(1 for s in rx.sessions if s.is_test) > 1 or (
        len({s.rung_id for s in rx.sessions if s.kind.is_run}) > 2
    ):
        problems.append("two changes at once")
    for week in rx.weeks:
        if week.total_km > week.allowed_km + 1e-6:
            problems.append(f"week {week.week_start}: {week.total_km} > allowed {week.allowed_km}")
        if week.total_km > ladder.weekly_ceiling_km + 1e-6 and week.planned_km > 0:
            problems.append("above the ceiling")
        if profile.audience is Audience.BEGINNER and week.ceiling_km is not None:
            problems.append("ceiling shown to a beginner")
    for s in rx.sessions:
        if s.kind.is_run:
            if rx.longest_run_limit_km is None or s.distance_km > rx.longest_run_limit_km + 1e-6:
                problems.append(f"run {s.distance_km} over the longest-run guard")
            if s.duration_min > running.no_long_slow.max_session_min:
                problems.append("long slow run")
        if s.on < today:
            problems.append("session in the past")
    if rx.status is not Status.LADDER and rx.runs:
        problems.append("run before the ladder")
    return problems


def simulate(protocol: Protocol, athletes: int, weeks: int, seed: int) -> dict[str, float]:
    running = protocol.running
    assert running is not None
    elapsed = cpu = 0.0
    calls = violations = reached = stepped = back = 0
    end = START + timedelta(days=7 * weeks)
    examples: list[str] = []
    for n in range(athletes):
        rng = random.Random(seed * 1_000_003 + n)
        audience = Audience.BEGINNER if rng.random() < 0.3 else Audience.RETURNING
        ladder = running.ladder_for(audience)
        p_red = rng.choice((0.0, 0.02, 0.05, 0.12))
        p_amber = rng.choice((0.05, 0.15, 0.3))
        p_skip = rng.choice((0.0, 0.05, 0.15))
        profile = Profile(phase=3, phase_since=START - timedelta(days=10), audience=audience)
        ready = tuple(
            ReadinessResult(t.id, START - timedelta(days=2), t.at_least, False)
            for t in running.readiness
        )
        sessions: list[SessionRecord] = []
        history = History(readiness=ready)
        day = START
        last_red_index: int | None = None
        athlete_reached = athlete_stepped = False
        previous_index = 0
        while day < end:
            c0 = time.process_time()
            t0 = time.perf_counter()
            rx = prescribe(protocol, profile, history, day)
            elapsed += time.perf_counter() - t0
            cpu += time.process_time() - c0
            calls += 1
            problems = check(protocol, profile, history, rx, day)
            if last_red_index is not None and rx.status is Status.LADDER:
                nxt = rx.sessions[0] if rx.sessions else None
                if nxt is not None and ladder.index[nxt.rung_id] > last_red_index:
                    problems.append("progression after a red")
            if problems:
                violations += len(problems)
                examples.extend(f"athlete {n} {day}: {p}" for p in problems[:2])
            if rx.status is Status.BACK_TO_PHASE:
                back += 1
                break
            if rx.rung_index < previous_index:
                athlete_stepped = True
            previous_index = rx.rung_index
            if rx.rung_index >= ladder.first_continuous:
                athlete_reached = True
            if not rx.sessions:
                day += timedelta(days=7)
                continue
            planned = rx.sessions[0]
            if rng.random() < p_skip:
                day = planned.on + timedelta(days=rng.choice((1, 3, 9, 15)))
                continue
            roll = rng.random()
            colour = (
                Colour.RED
                if roll < p_red
                else Colour.AMBER
                if roll < p_red + p_amber
                else Colour.GREEN
            )
            kind = planned.kind
            if kind.is_run and rng.random() < 0.05:  # sometimes the cross-trainer instead
                kind = Kind.CROSS_TRAINER
            sessions.append(
                SessionRecord(
                    planned.on,
                    kind,
                    planned.rung_id,
                    planned.distance_km if kind.is_run else 0.0,
                    planned.duration_min,
                    response(rng, colour),
                )
            )
            history = History(sessions=tuple(sessions), readiness=ready)
            last_red_index = ladder.index[planned.rung_id] if colour is Colour.RED else None
            day = planned.on + timedelta(days=1)
        reached += athlete_reached
        stepped += athlete_stepped
    for line in examples[:10]:
        print("violation:", line, file=sys.stderr)
    return {
        "athletes": athletes,
        "weeks": weeks,
        "prescriptions": calls,
        "seconds": round(elapsed, 3),
        "prescriptions_per_s": round(calls / elapsed) if elapsed else 0,
        "cpu_seconds": round(cpu, 3),
        "prescriptions_per_cpu_s": round(calls / cpu) if cpu else 0,
        "reached_continuous": reached,
        "stepped_back": stepped,
        "back_to_phase": back,
        "violations": violations,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    protocol = default_protocol()
    load_before = os.getloadavg()[0]
    wall = time.perf_counter()
    result = simulate(protocol, args.athletes, args.weeks, args.seed)
    result["wall_seconds"] = round(time.perf_counter() - wall, 3)
    result["load_before"] = round(load_before, 2)
    result["load_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
