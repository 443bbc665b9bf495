"""Reading ``[treat]`` from the protocol file: the general loop, checked as it is read.

Also the helpers every T.R.E.A.T. reader shares (:func:`sources`, :func:`note`,
:func:`register`): a running rule without a ``source`` is an error, and rule ids are unique
across the whole file. Problems are reported by the loader's reader: file, line, what.

Pure Python: no Django.
"""

from __future__ import annotations

from typing import Final

from backstride.core.running_protocol.rules import (
    WINDOW_WHEN,
    WINDOWS,
    Adjust,
    Colours,
    GapRule,
    Spacing,
    TextRule,
    TreatRules,
    Window,
)
from backstride.core.tables import _ID, TableBuilder, _Table

_NO_SOURCE: Final = 'running rules must name their source (a [sources] key or "expert default")'


def sources(t: _Table) -> tuple[str, ...]:
    sources = t.sources()
    if not sources and "source" not in t.data:
        t.error(None, _NO_SOURCE)
    return sources


def note(t: _Table) -> str:
    return t.text("evidence_note", required=False)


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


def _text_rule(t: _Table | None, text_key: str) -> TextRule:
    if t is None:
        return TextRule("", "", ())
    rule = TextRule(t.text("id"), t.text(text_key), sources(t), note(t))
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

    windows: list[Window] = []
    names: set[str] = set()
    for w in t.tables("windows"):
        window = Window(
            window=w.text("window", choices=WINDOWS),
            question=w.text("question"),
            due_day=w.integer("due_day", lo=0, hi=7),
            when=w.text("when", choices=WINDOW_WHEN),
            sources=sources(w),
        )
        if window.window in names:
            w.error("window", f"window '{window.window}' is listed twice")
        names.add(window.window)
        w.done()
        windows.append(window)
    missing = [name for name in WINDOWS if name not in names]
    if missing:
        t.error("windows", f"the evaluation windows must include: {', '.join(missing)}")

    colours = Colours("", 3, 5, 0, 1, True, ())
    c = t.table("colours")
    if c:
        colours = Colours(
            id=c.text("id"),
            green_max_pain=c.integer("green_max_pain", lo=0, hi=10),
            amber_max_pain=c.integer("amber_max_pain", lo=0, hi=10),
            settled_margin=c.integer("settled_margin", lo=0, hi=5),
            week_rise_points=c.number("week_rise_points", lo=0, hi=10),
            leg_symptoms_red=c.flag("leg_symptoms_red", required=True),
            sources=sources(c),
            evidence_note=note(c),
        )
        if colours.amber_max_pain <= colours.green_max_pain:
            c.error("amber_max_pain", "must be above green_max_pain")
        if not colours.leg_symptoms_red:
            c.error("leg_symptoms_red", "new or spreading leg symptoms are always red")
        register(b, c, seen, colours.id)
        c.done()

    adjust = Adjust("", 2, True, 42, 2, 3, 2, ())
    a = t.table("adjust")
    if a:
        adjust = Adjust(
            id=a.text("id"),
            red_step_back_rungs=a.integer("red_step_back_rungs", lo=1, hi=99),
            leg_symptoms_to_first_rung=a.flag("leg_symptoms_to_first_rung", required=True),
            reds_window_days=a.integer("reds_window_days", lo=7, hi=365),
            clinician_after_reds=a.integer("clinician_after_reds", lo=1, hi=10),
            phase_back_after_reds=a.integer("phase_back_after_reds", lo=1, hi=10),
            phase_back_to=a.integer("phase_back_to", lo=1, hi=9),
            sources=sources(a),
            evidence_note=note(a),
        )
        if adjust.phase_back_after_reds < adjust.clinician_after_reds:
            a.error(
                "phase_back_after_reds",
                "suggest a clinician before (or when) sending the athlete back a phase",
            )
        register(b, a, seen, adjust.id)
        a.done()

    spacing = Spacing("", 48, ())
    s = t.table("spacing")
    if s:
        spacing = Spacing(s.text("id"), s.integer("min_hours", lo=24, hi=336), sources(s), note(s))
        register(b, s, seen, spacing.id)
        s.done()

    gaps: list[GapRule] = []
    gap_days: set[int] = set()
    for g in t.tables("gaps"):
        gap = GapRule(
            id=g.text("id"),
            min_days=g.integer("min_days", lo=2, hi=365),
            step_back_rungs=g.integer("step_back_rungs", lo=0, hi=99),
            redo_readiness=g.flag("redo_readiness"),
            advice=g.text("advice"),
            sources=sources(g),
        )
        if gap.min_days in gap_days:
            g.error("min_days", f"two gap rules for {gap.min_days} days")
        gap_days.add(gap.min_days)
        register(b, g, seen, gap.id)
        g.done()
        gaps.append(gap)
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


__all__ = ["build_treat", "note", "register", "sources"]
