"""Tailoring one client's protocol copy: the numbers and exercises a clinician may change.

A tailored copy is a whole protocol file (TOML) kept for one client. The clinician does not
edit TOML: a form offers a fixed list of settings (:func:`options`) — the traffic-light pain
limits of T.R.E.A.T., the weekly running ceilings and build-up limits, the pain thresholds of
the rehab check-in rules — and each exercise of each phase on or off. :func:`tailor` writes
the chosen values into the copy with tomlkit (comments, sources and evidence notes stay where
they are), lists what changed (:class:`Change`), and validates the result with the same
validator as the protocol file plus the locked safety minimum (``safety_floor``): each
problem is given back under the form field it belongs to.

Pure Python, no Django.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import tomlkit

from backstride.core.protocol import CHECKIN_FIELDS, Protocol
from backstride.core.safety_floor import parse_tailored
from backstride.core.tables import PathT, ProtocolError, _fmt_path

#: what a check-in field is called in a setting's label
_FIELD_WORDS = {
    "pain_now": "pain after a session",
    "pain_next_morning": "next-morning pain",
    "pain_during": "pain during a session",
    "pain_before": "pain before a session",
    "pain_48h": "pain two days on",
    "stiffness": "stiffness",
    "effort": "effort",
}


@dataclass(frozen=True)
class Setting:
    """One number the clinician may change, where it lives in the file and its value now."""

    key: str  # the path in the file, e.g. "treat.colours.green_max_pain" (also the form name)
    path: PathT
    group: str
    label: str
    unit: str
    value: float
    default: float | None  # the shipped protocol's value (None: not in the default)
    whole: bool  # a whole number in the file

    @property
    def changed(self) -> bool:
        return self.default is not None and self.value != self.default


@dataclass(frozen=True)
class Switch:
    """An exercise of a phase, on (in that phase's sessions) or off."""

    key: str  # "exercise-<phase>-<id>"
    phase: int
    exercise_id: str
    name: str
    on: bool
    default_on: bool


@dataclass(frozen=True)
class Change:
    """One line of what changed: a setting's old and new value, or an exercise on or off."""

    key: str
    label: str
    before: str
    after: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Result:
    """The new copy's text, what changed, and the problems (by form field) if it is invalid."""

    text: str
    changes: tuple[Change, ...]
    errors: dict[str, list[str]] = field(default_factory=dict)
    protocol: Protocol | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.protocol is not None


NON_FIELD = "__all__"


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _text(value: float, whole: bool) -> str:
    return str(int(value)) if whole or float(value).is_integer() else f"{value:g}"


def _get(doc: Any, path: PathT) -> Any:
    node = doc
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


#: (path, group, label, unit) of the tailorable numbers at fixed places, each offered when the
#: table holding it is in the file
_COLOUR_LIMITS: tuple[tuple[PathT, str, str, str], ...] = (
    (
        ("treat", "colours", "green_max_pain"),
        "Response limits (runs and new steps)",
        "Highest pain that still counts as a green (good) response",
        "/10",
    ),
    (
        ("treat", "colours", "amber_max_pain"),
        "Response limits (runs and new steps)",
        "Highest pain that counts as amber (repeat the step); above it is red",
        "/10",
    ),
)
_RUNNING_LIMITS: tuple[tuple[PathT, str, str, str], ...] = (
    (
        ("running", "volume", "max_increase_percent"),
        "Weekly running",
        "Largest rise in weekly distance from one week to the next",
        "%",
    ),
    (
        ("running", "longest_run", "max_over_percent"),
        "Weekly running",
        "How much longer than the longest run of the last 30 days one run may be",
        "%",
    ),
)


def _present(
    doc: Any, settings: tuple[tuple[PathT, str, str, str], ...]
) -> list[tuple[PathT, str, str, str]]:
    """The ``settings`` whose table (the path without its last key) is in ``doc``."""
    return [s for s in settings if _get(doc, s[0][:-1]) is not None]


def _settings_paths(doc: Any) -> list[tuple[PathT, str, str, str]]:
    """(path, group, label, unit) of every tailorable number present in ``doc``."""
    out = _present(doc, _COLOUR_LIMITS)
    for i, ladder in enumerate(_get(doc, ("running", "ladders")) or []):
        name = str(ladder.get("name", f"ladder {i + 1}"))
        out.append(
            (
                ("running", "ladders", i, "weekly_ceiling_km"),
                "Weekly running",
                f"Weekly running ceiling, {name}",
                "km",
            )
        )
    out += _present(doc, _RUNNING_LIMITS)
    for i, rule in enumerate(_get(doc, ("checkin_rules",)) or []):
        where = rule.get("where")
        if not isinstance(where, Mapping):
            continue
        name = str(where.get("field", ""))
        if CHECKIN_FIELDS.get(name) != "score" or "value" not in where:
            continue
        action = "Step back" if rule.get("action") == "step_back" else "Hold"
        out.append(
            (
                ("checkin_rules", i, "where", "value"),
                "Rehab check-in rules",
                f"{action}: {rule.get('label', _FIELD_WORDS.get(name, name))} "
                f"(the {_FIELD_WORDS.get(name, name)} limit)",
                "/10",
            )
        )
    return out


def _phase_exercises(doc: Any) -> dict[int, list[str]]:
    """Each phase number → the exercises its sessions use, in order of first use."""
    out: dict[int, list[str]] = {}
    for phase in _get(doc, ("phases",)) or []:
        number = int(phase.get("number", 0))
        seen: list[str] = []
        for session in phase.get("sessions", []):
            for e in session.get("exercises", []):
                if str(e) not in seen:
                    seen.append(str(e))
        out[number] = seen
    return out


def switch_key(phase: int, exercise_id: str) -> str:
    return f"exercise-{phase}-{exercise_id}"


@lru_cache(maxsize=8)
def _plain(text: str) -> dict[str, Any]:
    """The document as plain data, for reading (tomllib is many times faster than tomlkit)."""
    return tomllib.loads(text)


def options(
    text: str, baseline_text: str, baseline: Protocol
) -> tuple[list[Setting], list[Switch]]:
    """The settings (with their values in ``text``) and exercise switches the form shows."""
    doc, base = _plain(text), _plain(baseline_text)
    settings = []
    for path, group, label, unit in _settings_paths(doc):
        value = _get(doc, path)
        default = _get(base, path)
        settings.append(
            Setting(
                key=_fmt_path(path),
                path=path,
                group=group,
                label=label,
                unit=unit,
                value=_num(value),
                default=_num(default) if default is not None else None,
                whole=isinstance(value, int) and not isinstance(value, bool),
            )
        )
    mine, shipped = _phase_exercises(doc), _phase_exercises(base)
    switches = []
    for number in sorted(set(mine) | set(shipped)):
        ids = list(dict.fromkeys([*shipped.get(number, []), *mine.get(number, [])]))
        for exercise_id in ids:
            ex = baseline.exercises.get(exercise_id)
            switches.append(
                Switch(
                    key=switch_key(number, exercise_id),
                    phase=number,
                    exercise_id=exercise_id,
                    name=ex.name if ex else exercise_id,
                    on=exercise_id in mine.get(number, []),
                    default_on=exercise_id in shipped.get(number, []),
                )
            )
    return settings, switches


def _filtered(current: Iterable[Any], shipped: Iterable[Any], keep: set[str]) -> list[str]:
    """``current`` limited to ``keep``, with switched-on exercises of ``shipped`` put back in
    the shipped order."""
    cur = [str(e) for e in current]
    ship = [str(e) for e in shipped]
    out = [e for e in ship if e in keep]
    out += [e for e in cur if e not in ship and e in keep]
    return out


def _same_list(a: Iterable[Any], b: Iterable[Any]) -> bool:
    return [str(x) for x in a] == [str(x) for x in b]


def _set_exercises(doc: Any, base: Any, on: Mapping[int, set[str]]) -> None:
    """Rewrite each phase's session and introduce lists to the switched-on exercises."""
    base_phases = {int(p.get("number", 0)): p for p in _get(base, ("phases",)) or []}
    for phase in _get(doc, ("phases",)) or []:
        number = int(phase.get("number", 0))
        keep = on.get(number, set())
        shipped = base_phases.get(number, {})
        shipped_sessions = {str(s.get("id")): s for s in shipped.get("sessions", [])}
        for session in phase.get("sessions", []):
            ship = shipped_sessions.get(str(session.get("id")), session)
            lst = _filtered(session.get("exercises", []), ship.get("exercises", []), keep)
            if not _same_list(lst, session.get("exercises", [])):
                session["exercises"] = lst
        intro: Any = phase.get("introduce")
        ship_intro: Any = shipped.get("introduce", {}) if shipped else {}
        if intro is not None:
            for key in ("start_with", "order"):
                if key in intro:
                    lst = _filtered(intro[key], ship_intro.get(key, intro[key]), keep)
                    if not _same_list(lst, intro[key]):
                        intro[key] = lst


def _renumber_words(rule: Any, old: float, new: float) -> None:
    """Keep a check-in rule's words true to its number: "6/10" becomes "5/10"."""
    pattern = re.compile(rf"(?<![\d.]){re.escape(_text(old, True))}/10")
    for key in ("label", "advice"):
        words = rule.get(key)
        if isinstance(words, str):
            rule[key] = pattern.sub(f"{_text(new, True)}/10", words)


def _issue_field(path: str, keys: set[str]) -> str:
    if path in keys:
        return path
    for key in keys:
        if path.startswith(key):
            return key
    return NON_FIELD


def _phase_words(path: str, doc: Any) -> str:
    """ "phases[0].sessions[1].exercises" → "Phase 1, session “Settle B”"."""
    m = re.match(r"phases\[(\d+)\](?:\.sessions\[(\d+)\])?(?:\.introduce)?", path)
    if not m:
        return path
    phase = _get(doc, ("phases", int(m.group(1))))
    words = f"Phase {phase.get('number', int(m.group(1)) + 1)}" if phase is not None else path
    if m.group(2) is not None and phase is not None:
        session = _get(phase, ("sessions", int(m.group(2))))
        if session is not None:
            words += f", session “{session.get('name', session.get('id', ''))}”"
    elif ".introduce" in path:
        words += ", the exercises introduced one at a time"
    return words


def tailor(
    text: str,
    baseline_text: str,
    baseline: Protocol,
    values: Mapping[str, float],
    exercises_on: Iterable[str],
) -> Result:
    """Write ``values`` (setting key → number) and the switched-on exercises (switch keys)
    into the copy ``text``; validate it as a protocol file and against the safety minimum.

    Settings not in ``values`` keep their value. The result's ``errors`` maps each form field
    (a setting key, a switch key, or ``"__all__"``) to its problems, in the validator's words.
    """
    settings, switches = options(text, baseline_text, baseline)
    doc, base = tomlkit.parse(text), _plain(baseline_text)
    changes: list[Change] = []
    for s in settings:
        if s.key not in values:
            continue
        new = float(values[s.key])
        if new == s.value:
            continue
        *parent_path, last = s.path
        parent = _get(doc, tuple(parent_path))
        parent[last] = int(new) if s.whole and new.is_integer() else new
        if s.path[0] == "checkin_rules":
            _renumber_words(_get(doc, s.path[:2]), s.value, new)
        changes.append(
            Change(
                s.key,
                s.label,
                f"{_text(s.value, s.whole)} {s.unit}".replace(" /", "/"),
                f"{_text(new, s.whole)} {s.unit}".replace(" /", "/"),
            )
        )
    wanted = set(exercises_on)
    on: dict[int, set[str]] = {}
    for sw in switches:
        now_on = sw.key in wanted
        if now_on:
            on.setdefault(sw.phase, set()).add(sw.exercise_id)
        if now_on != sw.on:
            changes.append(
                Change(
                    sw.key,
                    f"{sw.name} (Phase {sw.phase})",
                    "in the sessions" if sw.on else "taken out",
                    "in the sessions" if now_on else "taken out",
                )
            )
    _set_exercises(doc, base, on)
    new_text = tomlkit.dumps(doc)
    keys = {s.key for s in settings}
    labels = {s.key: s.label for s in settings}
    try:
        protocol = parse_tailored(new_text, filename="tailored protocol", baseline=baseline)
    except ProtocolError as exc:
        errors: dict[str, list[str]] = {}
        for issue in exc.issues:
            where = _issue_field(issue.path, keys)
            if where == NON_FIELD:
                message = f"{_phase_words(issue.path, doc)}: {issue.problem}"
            else:
                message = issue.problem
                if issue.path != where:
                    message = f"{labels[where]}: {issue.problem}"
            errors.setdefault(where, []).append(message)
        return Result(new_text, tuple(changes), errors, None)
    return Result(new_text, tuple(changes), {}, protocol)


__all__ = ["NON_FIELD", "Change", "Result", "Setting", "Switch", "options", "switch_key", "tailor"]
