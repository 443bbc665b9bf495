"""Reading ``[treat]`` from the protocol file: the general loop, checked as it is read.

Also the helpers every T.R.E.A.T. reader shares (:func:`read_rule`, :func:`rule_table`,
:func:`sources`, :func:`register`): a rule is read by the limits its fields declare
(:mod:`.rules`), a running rule without a ``source`` is an error, and rule ids are unique
across the whole file. Problems are reported by the loader's reader: file, line, what.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol, TypeVar

from backstride.core.running_protocol.rules import (
    WINDOWS,
    Adjust,
    Colours,
    GapRule,
    Spacing,
    TextRule,
    TreatRules,
    Window,
)
from backstride.core.tables import _ID, TableBuilder, _Table, read_fields

_NO_SOURCE: Final = 'running rules must name their source (a [sources] key or "expert default")'
_R = TypeVar("_R")


class _Rule(Protocol):
    @property
    def id(self) -> str: ...


_IdR = TypeVar("_IdR", bound=_Rule)


def sources(t: _Table) -> tuple[str, ...]:
    sources = t.sources()
    if not sources and "source" not in t.data:
        t.error(None, _NO_SOURCE)
    return sources


def register(
    b: TableBuilder, t: _Table, seen: dict[str, tuple[str | int, ...]], rule_id: str
) -> None:

    if not rule_id:
        return
    if not _ID.match(rule_id):
        t.error("id", f"'{rule_id}' must be lower-case letters, digits, '-' or '_'")
    if rule_id in seen:
        first = b.lines.find(seen[rule_id])
        t.error("id", f"duplicate rule id '{rule_id}' (first used on line {first})")
    else:
        seen[rule_id] = (*t.path, "id")


def read_rule(t: _Table, cls: type[_R], **special: Callable[[_Table], Any]) -> _R:
    """A running rule read from ``t`` by its declared limits (every one names its source)."""
    return read_fields(t, cls, sources=sources, **special)


def rule_table(
    b: TableBuilder,
    parent: _Table,
    key: str,
    missing: _IdR,
    check: Callable[[_Table, _IdR], None] | None = None,
) -> _IdR:
    """The rule in table ``key``: read, checked by ``check``, its id registered; or
    ``missing`` (a placeholder to go on checking) when the table is not there."""
    t = parent.table(key)
    if t is None:
        return missing
    rule = read_rule(t, type(missing))
    if check is not None:
        check(t, rule)
    register(b, t, b.rule_ids, rule.id)
    t.done()
    return rule


def _rule_list(
    b: TableBuilder,
    parent: _Table,
    key: str,
    cls: type[_IdR],
    unique: str,
    twice: str,
    register_ids: bool = False,
) -> list[_IdR]:
    """The rules in the array of tables ``key``, in order: each read and (``register_ids``) its
    id registered; a rule whose field ``unique`` repeats an earlier one's is an error
    (``twice`` with ``{}`` for the value)."""
    rules: list[_IdR] = []
    values: set[Any] = set()
    for sub in parent.tables(key):
        rule = read_rule(sub, cls)
        value = getattr(rule, unique)
        if value in values:
            sub.error(unique, twice.format(value))
        values.add(value)
        if register_ids:
            register(b, sub, b.rule_ids, rule.id)
        sub.done()
        rules.append(rule)
    return rules


def _text_rule(t: _Table | None, text_key: str) -> TextRule:
    if t is None:
        return TextRule("", "", ())
    rule = read_rule(t, TextRule, text=lambda t: t.text(text_key))
    t.done()
    return rule


def build_treat(b: TableBuilder, t: _Table) -> TreatRules | None:
    """Read and check ``[treat]`` (problems go to the loader's issue list)."""
    seen: dict[str, tuple[str | int, ...]] = b.rule_ids
    one = t.table("one_change")
    one_change = _text_rule(one, "text")
    rest = t.table("rest_of_day")
    rest_of_day = _text_rule(rest, "advice")
    for sub in (one, rest):
        if sub is not None:
            register(b, sub, seen, one_change.id if sub is one else rest_of_day.id)

    windows = _rule_list(b, t, "windows", Window, "window", "window '{}' is listed twice")
    names = {w.window for w in windows}
    missing = [name for name in WINDOWS if name not in names]
    if missing:
        t.error("windows", f"the evaluation windows must include: {', '.join(missing)}")

    colours = rule_table(b, t, "colours", Colours("", 3, 5, 0, 1, True, ()), _check_colours)
    adjust = rule_table(b, t, "adjust", Adjust("", 2, True, 42, 2, 3, 2, ()), _check_adjust)
    spacing = rule_table(b, t, "spacing", Spacing("", 48, ()))

    gaps = _rule_list(
        b, t, "gaps", GapRule, "min_days", "two gap rules for {} days", register_ids=True
    )
    t.done()
    return TreatRules(
        one_change=one_change,
        rest_of_day=rest_of_day,
        windows=tuple(windows),
        colours=colours,
        adjust=adjust,
        spacing=spacing,
        gaps=tuple(sorted(gaps, key=lambda g: -g.min_days)),
    )


def _check_colours(c: _Table, colours: Colours) -> None:
    if colours.amber_max_pain <= colours.green_max_pain:
        c.error("amber_max_pain", "must be above green_max_pain")
    if not colours.leg_symptoms_red:
        c.error("leg_symptoms_red", "new or spreading leg symptoms are always red")


def _check_adjust(a: _Table, adjust: Adjust) -> None:
    if adjust.phase_back_after_reds < adjust.clinician_after_reds:
        a.error(
            "phase_back_after_reds",
            "suggest a clinician before (or when) sending the athlete back a phase",
        )


__all__ = ["build_treat", "read_rule", "register", "rule_table", "sources"]
