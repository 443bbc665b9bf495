"""What the engine needs that depends only on the protocol, worked out once per protocol object.

The citations of every rule, each ladder's rungs with their derived numbers (spacing, the
cross-trainer stand-in, the untrimmed intervals), the default pace band, and the reasons whose
text never changes. The memos of pure sub-results (walks, readiness, repeated reason texts)
hang off the same object, so they live and die with the protocol they were computed for.

Pure Python, no Django.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from datetime import timedelta
from typing import Any, TypeVar

from backstride.core.protocol import Protocol
from backstride.core.running_protocol.rules import Ladder, Rung, RunningProtocol
from backstride.core.treat.model import (
    Intervals,
    Kind,
    PaceBand,
    PlannedSession,
    PostRunCare,
    Reason,
)

KIND = {
    "cross_trainer": Kind.CROSS_TRAINER,
    "walk_run": Kind.WALK_RUN,
    "continuous_run": Kind.CONTINUOUS_RUN,
}
DEFAULT_PACE_SOURCE = "the practice's default for this ladder"
#: the most entries a memo holds before it starts afresh
MEMO_MAX = 20_000

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


def remember(memo: dict[K, V], key: K, value: V, cap: int = MEMO_MAX) -> V:
    """Store ``value`` under ``key`` in a memo of at most ``cap`` entries and return it."""
    if len(memo) >= cap:
        memo.clear()
    memo[key] = value
    return value


def defaults_of(cls: type) -> dict[str, Any]:
    """The default of every field of a dataclass that has one (for :func:`build`)."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} checks its values: build it the usual way")
    out = {}
    for f in fields(cls):
        if f.default_factory is not MISSING or not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: build() handles plain defaults only")
        if f.default is not MISSING:
            out[f.name] = f.default
    return out


def build(cls: type[T], defaults: dict[str, Any], values: dict[str, Any]) -> T:
    """``cls(**values)`` for a frozen dataclass without ``__post_init__``, about three times
    faster: the generated ``__init__`` sets each field through ``object.__setattr__``.

    ``defaults`` is :func:`defaults_of` ``(cls)``; ``values`` must name every field without a
    default. The result compares, hashes and prints exactly like ``cls(**values)``.
    """
    obj: T = object.__new__(cls)
    attrs = obj.__dict__
    attrs.update(defaults)
    attrs.update(values)
    return obj


@dataclass(frozen=True)
class RungInfo:
    """One rung with everything the planner derives from it."""

    rung: Rung
    index: int
    kind: Kind  # the planned session's kind when done as written
    is_run: bool
    spacing: timedelta
    cross_trainer_min: int  # the cross-trainer session for this rung (or standing in for it)
    cross_trainer_label: str
    intervals: Intervals | None  # as written (untrimmed); None for the cross-trainer
    block_min: float  # the main block as written, in minutes
    substitute: str  # "or the cross-trainer for N min" (as written)
    reason: Reason  # "<ladder>: rung i of n — <label>."
    #: every field of this rung's planned session as written but the day, pace, distance and
    #: test flags; for a running rung also of the cross-trainer standing in for it
    session: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    stand_in: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class LadderInfo:
    ladder: Ladder
    rungs: tuple[RungInfo, ...]
    top: int
    first_run: int
    default_pace: PaceBand
    ceiling_km: float | None  # None when the ceiling must not be shown (beginners)
    ceiling_text: str  # appended to the weekly reason when the ceiling is shown


class Compiled:
    """The protocol-only part of the engine, with the memos of pure sub-results."""

    def __init__(self, protocol: Protocol) -> None:
        running = protocol.running
        if running is None:
            raise ValueError(f"protocol {protocol.id} has no [treat]/[running] rules")
        self.protocol = protocol
        self.running: RunningProtocol = running
        self.cite: dict[str, tuple[str, tuple[str, ...]]] = {
            rule_id: (protocol.cite(keys), keys) for rule_id, keys in running.rule_sources().items()
        }
        for ladder in running.ladders:
            for rung in ladder.rungs:
                self.cite[rung.id] = (protocol.cite(rung.sources), rung.sources)
        for test in running.readiness:
            self.cite[test.id] = (protocol.cite(test.sources), test.sources)
        urgency = protocol.urgency.get("emergency")
        flag_keys = urgency.sources if urgency else ()
        self.red_flag_source = (protocol.cite(flag_keys), flag_keys)
        pr = running.post_run
        self.post_run = PostRunCare(pr.cool_down_walk_min, pr.routine, pr.alternative, pr.id)
        self.test_names = {t.id: t.name for t in running.readiness}
        self.ladders = {lad.audience: self._ladder(lad) for lad in running.ladders}

        treat = running.treat
        self.rest_of_day = self.reason(treat.rest_of_day.id, treat.rest_of_day.text)
        self.spacing_reason = self.reason(
            treat.spacing.id,
            f"At least {treat.spacing.min_hours} hours before the next change, so the "
            "next-morning and two-day answers come in first.",
        )
        self.no_long_slow = self.reason(
            running.no_long_slow.id,
            f"Sessions stay short and brisk: no run block over "
            f"{running.no_long_slow.max_session_min} minutes at this stage.",
        )
        self.substitute = self.reason(running.substitute.id, running.substitute.text)
        self.spacing_days = timedelta(days=treat.spacing.days)
        self.window_days = timedelta(days=running.longest_run.window_days)
        self.readiness_valid = timedelta(days=running.gate.readiness_valid_days)
        self.over_factor = 1 + running.longest_run.max_over_percent / 100
        self.increase_factor = 1 + running.volume.max_increase_percent / 100

        # memos of pure sub-results: they change speed, never results
        self.walks: dict[Any, Any] = {}
        self.verdicts: dict[Any, Any] = {}
        self.reasons: dict[Any, Reason] = {}
        self.trims: dict[Any, Any] = {}
        self.distances: dict[tuple[str, float], tuple[float, ...]] = {}

    def reason(self, rule_id: str, text: str) -> Reason:
        """A reason naming ``rule_id`` and its source."""
        source, keys = self.cite.get(rule_id, ("", ()))
        return Reason(rule_id, text, source, keys)

    def _ladder(self, ladder: Ladder) -> LadderInfo:
        sub = self.running.substitute
        pace = self.running.pace
        count = len(ladder.rungs)
        session_defaults = defaults_of(PlannedSession)
        rungs = []
        for i, rung in enumerate(ladder.rungs):
            if rung.is_run:
                minutes = min(sub.max_minutes, max(sub.min_minutes, round(rung.block_s / 60)))
            else:
                minutes = rung.minutes or min(
                    sub.max_minutes, max(sub.min_minutes, rung.block_s // 60)
                )
            block_min = rung.repeats * (rung.run_s + rung.walk_s) / 60
            run_minutes = min(sub.max_minutes, max(sub.min_minutes, round(block_min)))
            intervals = Intervals(rung.run_s, rung.walk_s, rung.repeats) if rung.is_run else None
            cross_trainer = {
                **session_defaults,
                "kind": Kind.CROSS_TRAINER,
                "rung_id": rung.id,
                "label": f"Cross-trainer {minutes} min",
                "cross_trainer_min": minutes,
                "duration_min": float(minutes),
                "note": "stands in for the run this time" if rung.is_run else "",
            }
            run = {
                **session_defaults,
                "kind": KIND[rung.kind],
                "rung_id": rung.id,
                "label": rung.label,
                "warm_up_min": rung.warm_up_min,
                "intervals": intervals,
                "duration_min": round(block_min, 1),
                "cool_down_min": self.post_run.cool_down_walk_min,
                "post_run": self.post_run,
                "substitute": f"or the cross-trainer for {run_minutes} min",
            }
            rungs.append(
                RungInfo(
                    rung=rung,
                    index=i,
                    kind=KIND[rung.kind],
                    is_run=rung.is_run,
                    spacing=timedelta(days=rung.spacing_days),
                    cross_trainer_min=minutes,
                    cross_trainer_label=f"Cross-trainer {minutes} min",
                    intervals=intervals,
                    block_min=block_min,
                    substitute=f"or the cross-trainer for {run_minutes} min",
                    reason=self.reason(
                        ladder.id, f"{ladder.name}: rung {i + 1} of {count} — {rung.label}."
                    ),
                    session=run if rung.is_run else cross_trainer,
                    stand_in=cross_trainer if rung.is_run else {},
                )
            )
        centre = ladder.pace_kmh or pace.default_kmh
        half = pace.band_width_kmh / 2
        low = max(pace.min_kmh, centre - half)
        high = min(pace.max_kmh, centre + half)
        return LadderInfo(
            ladder=ladder,
            rungs=tuple(rungs),
            top=ladder.top,
            first_run=ladder.first_run,
            default_pace=PaceBand(round(low, 1), round(high, 1), pace.talk_test),
            ceiling_km=ladder.weekly_ceiling_km if ladder.show_ceiling else None,
            ceiling_text=f" (ceiling for this stage {ladder.weekly_ceiling_km:g} km a week)"
            if ladder.show_ceiling
            else "",
        )

    def ladder(self, audience: str) -> LadderInfo:
        """The ladder for ``audience`` (a KeyError naming it when there is none)."""
        info = self.ladders.get(audience)
        if info is None:
            self.running.ladder_for(audience)  # raises the KeyError that names the audience
            raise KeyError(audience)
        return info

    def distances_for(self, info: LadderInfo, pace: PaceBand) -> tuple[float, ...]:
        """Each rung's distance as written at ``pace`` (0 for the cross-trainer), in km."""
        mid = pace.mid_kmh
        key = (info.ladder.id, mid)
        hit = self.distances.get(key)
        if hit is not None:
            return hit
        walk = self.running.pace.walk_kmh
        out = tuple(
            r.repeats * (r.run_s * mid + r.walk_s * walk) / 3600 if r.is_run else 0.0
            for r in info.ladder.rungs
        )
        return remember(self.distances, key, out)


_CACHE: dict[int, tuple[Protocol, Compiled]] = {}


def compile_protocol(protocol: Protocol) -> Compiled:
    """The compiled form of ``protocol`` (cached per protocol object)."""
    hit = _CACHE.get(id(protocol))
    if hit is not None and hit[0] is protocol:
        return hit[1]
    compiled = Compiled(protocol)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[id(protocol)] = (protocol, compiled)
    return compiled


__all__ = [
    "DEFAULT_PACE_SOURCE",
    "KIND",
    "Compiled",
    "LadderInfo",
    "RungInfo",
    "build",
    "compile_protocol",
    "defaults_of",
    "remember",
]
