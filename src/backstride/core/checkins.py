"""Check-ins and the metrics rules are written in.

A check-in is what the athlete reports after a session (pain just before and during it, pain
now, leg symptoms, stiffness, effort), the next-morning pain asked the following day, and,
after a day that was not green, the pain 48 hours on. Rules look at a 7-day window
of them through a fixed registry of metrics (``mean``, ``max``, ``days``, ``checkin_days``,
``test``, ``days_in_phase``): a protocol names a metric, never code.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Any

from backstride.core.protocol import LEG_STATUSES, Condition, Criterion, Protocol

WINDOW_DAYS = 7

_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class CheckIn:
    day: date
    pain_now: int
    leg_symptoms: str = "none"
    stiffness: int | None = None
    effort: int | None = None
    pain_next_morning: int | None = None
    pain_before: int | None = None
    pain_during: int | None = None
    pain_48h: int | None = None

    def __post_init__(self) -> None:
        for name in (
            "pain_now",
            "stiffness",
            "effort",
            "pain_next_morning",
            "pain_before",
            "pain_during",
            "pain_48h",
        ):
            value = getattr(self, name)
            if value is None and name != "pain_now":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise ValueError(f"{name} must be a whole number from 0 to 10, got {value!r}")
        if self.leg_symptoms not in LEG_STATUSES:
            raise ValueError(f"leg_symptoms must be one of {', '.join(LEG_STATUSES)}")

    def get(self, field: str) -> Any:
        return getattr(self, field)


@dataclass(frozen=True)
class Context:
    """Everything a criterion may look at."""

    checkins: tuple[CheckIn, ...] = ()
    tests: Mapping[str, float] | None = None
    answers: Mapping[str, Any] | None = None
    days_in_phase: int | None = None


@dataclass(frozen=True)
class CriterionResult:
    id: str
    label: str
    met: bool
    actual: float | bool | None
    known: bool
    source: str
    source_keys: tuple[str, ...]
    evidence_note: str = ""
    hint: str = ""

    @property
    def text(self) -> str:
        """Plain words, e.g. ``Not yet: You can hold a front plank for 60 s (yours: 40)``."""
        if self.met:
            return self.label
        if not self.known:
            extra = f": {self.hint}" if self.hint else ""
            return f"Not yet: {self.label} (not recorded yet{extra})"
        return f"Not yet: {self.label} (yours: {format_value(self.actual)})"


def format_value(value: float | bool | None) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def window(
    checkins: Iterable[CheckIn], today: date, days: int = WINDOW_DAYS
) -> tuple[CheckIn, ...]:
    """Check-ins from the ``days`` days ending ``today`` (inclusive), oldest first.

    Future-dated check-ins are ignored; ties keep a stable order so results never depend on
    the order the caller passed them in.
    """
    start = today - timedelta(days=days - 1)
    chosen = [c for c in checkins if start <= c.day <= today]
    return tuple(sorted(chosen, key=_sort_key))


def _sort_key(c: CheckIn) -> tuple[Any, ...]:
    return (
        c.day,
        c.pain_now,
        c.leg_symptoms,
        -1 if c.stiffness is None else c.stiffness,
        -1 if c.effort is None else c.effort,
        -1 if c.pain_next_morning is None else c.pain_next_morning,
        -1 if c.pain_before is None else c.pain_before,
        -1 if c.pain_during is None else c.pain_during,
        -1 if c.pain_48h is None else c.pain_48h,
    )


def compare(value: Any, op: str, target: Any) -> bool:
    return _OPS[op](value, target)


def measure(condition: Condition, context: Context) -> float | bool | None:
    """The value of ``condition``'s metric in ``context`` (None when unknown)."""
    metric = condition.metric
    if metric == "answer":
        return None if context.answers is None else context.answers.get(condition.field)
    if metric == "test":
        if context.tests is None:
            return None
        value = context.tests.get(condition.test)
        return None if value is None else float(value)
    if metric == "days_in_phase":
        return context.days_in_phase
    checkins = context.checkins
    if metric == "checkin_days":
        return len({c.day for c in checkins})
    if metric == "days":
        where = condition.where
        assert where is not None
        return len(
            {
                c.day
                for c in checkins
                if c.get(where.field) is not None
                and compare(c.get(where.field), where.op, where.value)
            }
        )
    values = [c.get(condition.field) for c in checkins if c.get(condition.field) is not None]
    if not values:
        return None
    if metric == "mean":
        return round(fmean(values), 2)
    if metric == "max":
        return max(values)
    raise ValueError(f"unknown metric {metric!r}")


def holds(condition: Condition, context: Context) -> tuple[bool, float | bool | None]:
    """(met, actual). An unknown value never meets a condition."""
    actual = measure(condition, context)
    if actual is None:
        return False, None
    return compare(actual, condition.op, condition.value), actual


def evaluate(protocol: Protocol, criterion: Criterion, context: Context) -> CriterionResult:
    met, actual = holds(criterion.condition, context)
    hint = ""
    test = protocol.objective_tests.get(criterion.condition.test)
    if actual is None and test is not None:
        hint = f"record your “{test.name}” result on the tests page"
    return CriterionResult(
        hint=hint,
        id=criterion.id,
        label=criterion.label,
        met=met,
        actual=actual,
        known=actual is not None,
        source=protocol.cite(criterion.sources),
        source_keys=criterion.sources,
        evidence_note=criterion.evidence_note,
    )


def response_light(protocol: Protocol, checkin: CheckIn) -> str:
    """Traffic light for one check-in, from the protocol's own day-level thresholds.

    ``red`` if the check-in alone meets the ``where`` of any step-back rule, ``amber`` if it
    meets that of any hold rule, else ``green``. Always shown with a word and an icon.
    """
    light = "green"
    for rule in protocol.checkin_rules:
        where = rule.condition.where
        if where is None:
            continue
        value = checkin.get(where.field)
        if value is None or not compare(value, where.op, where.value):
            continue
        if rule.action == "step_back":
            return "red"
        light = "amber"
    return light


LIGHT_RANK: Mapping[str, int] = {"green": 0, "amber": 1, "red": 2}


def day_lights(protocol: Protocol, checkins: Iterable[CheckIn]) -> dict[date, str]:
    """The worst traffic light of each day (a day with two check-ins takes the worse one)."""
    out: dict[date, str] = {}
    for c in checkins:
        light = response_light(protocol, c)
        if LIGHT_RANK[light] >= LIGHT_RANK[out.get(c.day, "green")]:
            out[c.day] = light
    return out


def needs_rescreen(checkin: CheckIn) -> bool:
    """New, worse or spreading leg symptoms: ask the cauda equina questions again at once,
    rather than waiting for the next weekly screen."""
    return checkin.leg_symptoms == "worse"


def pain_rise(
    checkins: Iterable[CheckIn], today: date, days: int = WINDOW_DAYS
) -> tuple[str, float] | None:
    """The largest rise in pain (``pain_now`` or ``pain_next_morning``), as (field, points).

    Two comparisons, the larger wins: within the ``days`` ending ``today`` (the mean of the
    later half of the check-in days against the earlier half), and week on week (this
    window's mean against the window before it). None when there is too little to compare.
    """
    history = list(checkins)
    this_week = window(history, today, days)
    last_week = window(history, today - timedelta(days=days), days)
    best: tuple[str, float] | None = None
    for name in ("pain_now", "pain_next_morning"):
        values = [c.get(name) for c in this_week if c.get(name) is not None]
        rises = []
        if len(values) >= 2:
            half = len(values) // 2
            rises.append(fmean(values[-half:]) - fmean(values[:half]))
        before = [c.get(name) for c in last_week if c.get(name) is not None]
        if values and before:
            rises.append(fmean(values) - fmean(before))
        for rise in rises:
            if best is None or rise > best[1]:
                best = (name, round(rise, 2))
    return best


def latest_tests(
    results: Sequence[tuple[date, str, float]], today: date | None = None
) -> dict[str, float]:
    """The most recent value per test id from (day, test_id, value) records (up to ``today``)."""
    latest: dict[str, tuple[date, float]] = {}
    for day, test_id, value in sorted(results, key=lambda r: (r[0], r[1], r[2])):
        if today is not None and day > today:
            continue
        latest[test_id] = (day, value)
    return {k: v for k, (_, v) in latest.items()}


__all__ = [
    "LIGHT_RANK",
    "WINDOW_DAYS",
    "CheckIn",
    "Context",
    "CriterionResult",
    "compare",
    "day_lights",
    "evaluate",
    "format_value",
    "holds",
    "latest_tests",
    "measure",
    "needs_rescreen",
    "pain_rise",
    "response_light",
    "window",
]
