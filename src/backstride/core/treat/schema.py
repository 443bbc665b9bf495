"""The T.R.E.A.T. loop and the running ladder as protocol data: model and validation.

``[treat]`` holds the general loop (one change per test, rest of the day, evaluation windows,
traffic-light thresholds, adjustments, spacing, gaps); ``[running]`` holds the Phase 3 return
to running (gate, readiness tests, pace, volume, guards, post-run care and the ladders).

:func:`build_running` is called by the protocol loader (``core/protocol.py``) with its table
reader, so every problem here is reported like the rest of the file: file, line, what. Unlike
the rehab rules, a running rule without a ``source`` is an error, and a ladder that does not
start on the cross-trainer and end in continuous running never loads.

Pure Python: no Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # the loader passes its own reader; imported lazily there to avoid a cycle
    from backstride.core.protocol import _Builder, _Table

WINDOWS: Final[tuple[str, ...]] = ("during", "after", "evening", "next_morning", "h48")
WINDOW_WHEN: Final[tuple[str, ...]] = ("always", "if_not_settled")
RUNG_KINDS: Final[tuple[str, ...]] = ("cross_trainer", "walk_run", "continuous_run")
AUDIENCES: Final[tuple[str, ...]] = ("returning", "beginner")
READINESS_UNITS: Final[tuple[str, ...]] = ("min", "s", "reps")
#: The beginner ladder ends with continuous running of this many minutes (DESIGN §3).
BEGINNER_END_MIN: Final[tuple[int, int]] = (20, 30)
_NO_SOURCE: Final = 'running rules must name their source (a [sources] key or "expert default")'


@dataclass(frozen=True)
class TextRule:
    id: str
    text: str
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Window:
    """One evaluation window: when its answer is due and whether it is always asked."""

    window: str
    question: str
    due_day: int
    when: str
    sources: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"treat-window-{self.window.replace('_', '-')}"


@dataclass(frozen=True)
class Colours:
    id: str
    green_max_pain: int
    amber_max_pain: int
    settled_margin: int
    week_rise_points: float
    leg_symptoms_red: bool
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Adjust:
    id: str
    red_step_back_rungs: int
    leg_symptoms_to_first_rung: bool
    reds_window_days: int
    clinician_after_reds: int
    phase_back_after_reds: int
    phase_back_to: int
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Spacing:
    id: str
    min_hours: int
    sources: tuple[str, ...]
    evidence_note: str = ""

    @property
    def days(self) -> int:
        """Whole days between tries (sessions are planned by date)."""
        return max(1, math.ceil(self.min_hours / 24))


@dataclass(frozen=True)
class GapRule:
    id: str
    min_days: int
    step_back_rungs: int
    redo_readiness: bool
    advice: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class TreatRules:
    """The general loop, for the running ladder and any other one-change-at-a-time ladder."""

    one_change: TextRule
    rest_of_day: TextRule
    windows: tuple[Window, ...]
    colours: Colours
    adjust: Adjust
    spacing: Spacing
    gaps: tuple[GapRule, ...]  # largest min_days first

    def gap_for(self, days: int) -> GapRule | None:
        """The gap rule for ``days`` without a session (the largest that applies)."""
        for gap in self.gaps:
            if days >= gap.min_days:
                return gap
        return None

    def window(self, name: str) -> Window:
        for w in self.windows:
            if w.window == name:
                return w
        raise KeyError(name)


@dataclass(frozen=True)
class Gate:
    id: str
    phase: int
    readiness_valid_days: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ReadinessTest:
    id: str
    name: str
    how: str
    unit: str
    at_least: float
    no_symptom_rise: bool
    sources: tuple[str, ...]
    test: str = ""  # the objective test this result is also recorded as, if any


@dataclass(frozen=True)
class PaceRules:
    id: str
    default_kmh: float
    band_width_kmh: float
    min_kmh: float
    max_kmh: float
    walk_kmh: float
    personal_window_days: int
    personal_min_runs: int
    talk_test: str
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class VolumeRules:
    id: str
    max_increase_percent: float
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class LongestRunGuard:
    id: str
    max_over_percent: float
    window_days: int
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class NoLongSlow:
    id: str
    max_session_min: int
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Substitute:
    id: str
    min_minutes: int
    max_minutes: int
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PostRunCare:
    id: str
    cool_down_walk_min: int
    routine: str
    ice_min: int
    ice_max: int
    alternative: str
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Rung:
    id: str
    label: str
    kind: str
    sessions_per_week: int
    min_hours_between: int
    greens_to_progress: int
    sources: tuple[str, ...]
    minutes: int = 0  # cross-trainer
    run_s: int = 0
    walk_s: int = 0
    repeats: int = 0
    warm_up_min: int = 0

    @property
    def is_run(self) -> bool:
        return self.kind != "cross_trainer"

    @property
    def block_s(self) -> int:
        """Length of the main block (run/walk repeats, or cross-trainer time) in seconds."""
        if self.kind == "cross_trainer":
            return self.minutes * 60
        return self.repeats * (self.run_s + self.walk_s)

    @property
    def spacing_days(self) -> int:
        return max(1, math.ceil(self.min_hours_between / 24))


@dataclass(frozen=True)
class Ladder:
    id: str
    audience: str
    name: str
    weekly_start_km_min: float
    weekly_start_km_max: float
    weekly_ceiling_km: float
    show_ceiling: bool
    rungs: tuple[Rung, ...]
    sources: tuple[str, ...]
    pace_kmh: float = 0.0  # 0: the protocol's default pace
    index: Mapping[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {r.id: i for i, r in enumerate(self.rungs)})

    @property
    def first_run(self) -> int:
        """Index of the first running rung."""
        return next(i for i, r in enumerate(self.rungs) if r.is_run)

    @property
    def first_continuous(self) -> int:
        return next(i for i, r in enumerate(self.rungs) if r.kind == "continuous_run")

    @property
    def top(self) -> int:
        return len(self.rungs) - 1


@dataclass(frozen=True)
class RunningProtocol:
    treat: TreatRules
    gate: Gate
    readiness: tuple[ReadinessTest, ...]
    pace: PaceRules
    volume: VolumeRules
    longest_run: LongestRunGuard
    no_long_slow: NoLongSlow
    substitute: Substitute
    post_run: PostRunCare
    ladders: tuple[Ladder, ...]

    def ladder_for(self, audience: str) -> Ladder:
        for ladder in self.ladders:
            if ladder.audience == audience:
                return ladder
        raise KeyError(f"no ladder for audience {audience!r}")

    def rule_sources(self) -> dict[str, tuple[str, ...]]:
        """Every T.R.E.A.T. and running rule id with its source keys (rungs and tests apart)."""
        t = self.treat
        items: list[tuple[str, tuple[str, ...]]] = [
            (t.one_change.id, t.one_change.sources),
            (t.rest_of_day.id, t.rest_of_day.sources),
            *((w.id, w.sources) for w in t.windows),
            (t.colours.id, t.colours.sources),
            (t.adjust.id, t.adjust.sources),
            (t.spacing.id, t.spacing.sources),
            *((g.id, g.sources) for g in t.gaps),
            (self.gate.id, self.gate.sources),
            (self.pace.id, self.pace.sources),
            (self.volume.id, self.volume.sources),
            (self.longest_run.id, self.longest_run.sources),
            (self.no_long_slow.id, self.no_long_slow.sources),
            (self.substitute.id, self.substitute.sources),
            (self.post_run.id, self.post_run.sources),
            *((lad.id, lad.sources) for lad in self.ladders),
        ]
        return dict(items)

    def summary(self) -> dict[str, int]:
        return {
            "ladder_rungs": sum(len(lad.rungs) for lad in self.ladders),
            "treat_rules": len(self.rule_sources()),
            "readiness_tests": len(self.readiness),
        }


# --- Building from the file ---------------------------------------------------------------
def _sources(t: _Table) -> tuple[str, ...]:
    sources = t.sources()
    if not sources and "source" not in t.data:
        t.error(None, _NO_SOURCE)
    return sources


def _note(t: _Table) -> str:
    return t.text("evidence_note", required=False)


def build_running(
    b: _Builder, root: _Table, objective_tests: set[str], phases: set[int]
) -> RunningProtocol | None:
    """Read and check ``[treat]`` and ``[running]``; ``None`` when anything is wrong."""
    before = len(b.issues)
    treat_t = root.table("treat")
    running_t = root.table("running")
    if treat_t is None or running_t is None:
        return None
    treat = _treat(b, treat_t)
    running = _running(b, running_t, objective_tests, phases, treat)
    if treat is None or running is None or len(b.issues) > before:
        return None
    return running


def _text_rule(t: _Table | None, text_key: str) -> TextRule:
    if t is None:
        return TextRule("", "", ())
    rule = TextRule(t.text("id"), t.text(text_key), _sources(t), _note(t))
    t.done()
    return rule


def _treat(b: _Builder, t: _Table) -> TreatRules | None:
    seen: dict[str, tuple[str | int, ...]] = b.rule_ids
    one = t.table("one_change")
    one_change = _text_rule(one, "text")
    rest = t.table("rest_of_day")
    rest_of_day = _text_rule(rest, "advice")
    for sub in (one, rest):
        if sub is not None:
            _register(b, sub, seen, one_change.id if sub is one else rest_of_day.id)

    windows: list[Window] = []
    names: set[str] = set()
    for w in t.tables("windows"):
        window = Window(
            window=w.text("window", choices=WINDOWS),
            question=w.text("question"),
            due_day=w.integer("due_day", lo=0, hi=7),
            when=w.text("when", choices=WINDOW_WHEN),
            sources=_sources(w),
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
            sources=_sources(c),
            evidence_note=_note(c),
        )
        if colours.amber_max_pain <= colours.green_max_pain:
            c.error("amber_max_pain", "must be above green_max_pain")
        if not colours.leg_symptoms_red:
            c.error("leg_symptoms_red", "new or spreading leg symptoms are always red")
        _register(b, c, seen, colours.id)
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
            sources=_sources(a),
            evidence_note=_note(a),
        )
        if adjust.phase_back_after_reds < adjust.clinician_after_reds:
            a.error(
                "phase_back_after_reds",
                "suggest a clinician before (or when) sending the athlete back a phase",
            )
        _register(b, a, seen, adjust.id)
        a.done()

    spacing = Spacing("", 48, ())
    s = t.table("spacing")
    if s:
        spacing = Spacing(
            s.text("id"), s.integer("min_hours", lo=24, hi=336), _sources(s), _note(s)
        )
        _register(b, s, seen, spacing.id)
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
            sources=_sources(g),
        )
        if gap.min_days in gap_days:
            g.error("min_days", f"two gap rules for {gap.min_days} days")
        gap_days.add(gap.min_days)
        _register(b, g, seen, gap.id)
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


def _register(b: _Builder, t: _Table, seen: dict[str, tuple[str | int, ...]], rule_id: str) -> None:
    from backstride.core.protocol import _ID

    if not rule_id:
        return
    if not _ID.match(rule_id):
        t.error("id", f"'{rule_id}' must be lower-case letters, digits, '-' or '_'")
    if rule_id in seen:
        first = b.lines.find(seen[rule_id])
        t.error("id", f"duplicate rule id '{rule_id}' (first used on line {first})")
    else:
        seen[rule_id] = (*t.path, "id")


def _running(
    b: _Builder,
    t: _Table,
    objective_tests: set[str],
    phases: set[int],
    treat: TreatRules | None,
) -> RunningProtocol | None:
    seen = b.rule_ids

    gate = Gate("", 3, 42, ())
    g = t.table("gate")
    if g:
        gate = Gate(
            g.text("id"),
            g.integer("phase", lo=1, hi=9),
            g.integer("readiness_valid_days", lo=1, hi=365),
            _sources(g),
        )
        if phases and gate.phase not in phases:
            g.error("phase", f"there is no phase {gate.phase}")
        _register(b, g, seen, gate.id)
        g.done()
    if treat is not None and phases and treat.adjust.phase_back_to not in phases:
        t.error(
            None, f"[treat.adjust] phase_back_to: there is no phase {treat.adjust.phase_back_to}"
        )
    if treat is not None and treat.adjust.phase_back_to >= gate.phase:
        t.error(None, "[treat.adjust] phase_back_to must be a phase below the running gate")

    readiness: list[ReadinessTest] = []
    test_ids: dict[str, tuple[str | int, ...]] = {}
    for r in t.tables("readiness"):
        test = ReadinessTest(
            id=b._id(r, test_ids, "readiness test"),
            name=r.text("name"),
            how=r.text("how"),
            unit=r.text("unit", choices=READINESS_UNITS),
            at_least=r.number("at_least", lo=0),
            no_symptom_rise=r.flag("no_symptom_rise", required=True),
            sources=_sources(r),
            test=r.text("test", required=False),
        )
        if test.at_least <= 0:
            r.error("at_least", "a pass needs a value above 0")
        if test.test and test.test not in objective_tests:
            from backstride.core.protocol import _suggest

            r.error(
                "test",
                f"unknown objective test '{test.test}'{_suggest(test.test, objective_tests)}",
            )
        r.done()
        readiness.append(test)

    pace = PaceRules("", 10, 1.5, 6, 13, 5.5, 365, 3, "", ())
    p = t.table("pace")
    if p:
        pace = PaceRules(
            id=p.text("id"),
            default_kmh=p.number("default_kmh", lo=3, hi=25),
            band_width_kmh=p.number("band_width_kmh", lo=0.1, hi=5),
            min_kmh=p.number("min_kmh", lo=3, hi=25),
            max_kmh=p.number("max_kmh", lo=3, hi=25),
            walk_kmh=p.number("walk_kmh", lo=2, hi=8),
            personal_window_days=p.integer("personal_window_days", lo=7, hi=3650),
            personal_min_runs=p.integer("personal_min_runs", lo=1, hi=100),
            talk_test=p.text("talk_test"),
            sources=_sources(p),
            evidence_note=_note(p),
        )
        if not pace.min_kmh <= pace.default_kmh <= pace.max_kmh:
            p.error("default_kmh", "must lie between min_kmh and max_kmh")
        _register(b, p, seen, pace.id)
        p.done()

    volume = VolumeRules("", 20, ())
    v = t.table("volume")
    if v:
        volume = VolumeRules(
            v.text("id"), v.number("max_increase_percent", lo=0, hi=100), _sources(v), _note(v)
        )
        _register(b, v, seen, volume.id)
        v.done()

    guard = LongestRunGuard("", 10, 30, ())
    lr = t.table("longest_run")
    if lr:
        guard = LongestRunGuard(
            lr.text("id"),
            lr.number("max_over_percent", lo=0, hi=100),
            lr.integer("window_days", lo=7, hi=90),
            _sources(lr),
            _note(lr),
        )
        _register(b, lr, seen, guard.id)
        lr.done()

    no_long = NoLongSlow("", 35, ())
    nl = t.table("no_long_slow")
    if nl:
        no_long = NoLongSlow(
            nl.text("id"), nl.integer("max_session_min", lo=5, hi=120), _sources(nl), _note(nl)
        )
        _register(b, nl, seen, no_long.id)
        nl.done()

    substitute = Substitute("", 20, 30, "", ())
    st = t.table("substitute")
    if st:
        substitute = Substitute(
            st.text("id"),
            st.integer("min_minutes", lo=5, hi=120),
            st.integer("max_minutes", lo=5, hi=120),
            st.text("text"),
            _sources(st),
        )
        if substitute.max_minutes < substitute.min_minutes:
            st.error("max_minutes", "must not be below min_minutes")
        _register(b, st, seen, substitute.id)
        st.done()

    post = PostRunCare("", 5, "", 10, 15, "", ())
    pr = t.table("post_run")
    if pr:
        post = PostRunCare(
            id=pr.text("id"),
            cool_down_walk_min=pr.integer("cool_down_walk_min", lo=0, hi=30),
            routine=pr.text("routine"),
            ice_min=pr.integer("ice_min", lo=1, hi=30),
            ice_max=pr.integer("ice_max", lo=1, hi=30),
            alternative=pr.text("alternative"),
            sources=_sources(pr),
            evidence_note=_note(pr),
        )
        if post.ice_max < post.ice_min:
            pr.error("ice_max", "must not be below ice_min")
        _register(b, pr, seen, post.id)
        pr.done()

    ladders = _ladders(b, t, no_long)
    t.done()
    if treat is None:
        return None
    return RunningProtocol(
        treat=treat,
        gate=gate,
        readiness=tuple(readiness),
        pace=pace,
        volume=volume,
        longest_run=guard,
        no_long_slow=no_long,
        substitute=substitute,
        post_run=post,
        ladders=ladders,
    )


def _ladders(b: _Builder, t: _Table, no_long: NoLongSlow) -> tuple[Ladder, ...]:
    out: list[Ladder] = []
    audiences: set[str] = set()
    rung_ids: dict[str, tuple[str | int, ...]] = {}
    for lt in t.tables("ladders"):
        ladder_id = lt.text("id")
        _register(b, lt, b.rule_ids, ladder_id)
        audience = lt.text("audience", choices=AUDIENCES)
        if audience in audiences:
            lt.error("audience", f"only one ladder per audience ('{audience}' is used twice)")
        audiences.add(audience)
        start_min = lt.number("weekly_start_km_min", lo=0.5, hi=100)
        start_max = lt.number("weekly_start_km_max", lo=0.5, hi=100)
        ceiling = lt.number("weekly_ceiling_km", lo=1, hi=200)
        show = lt.flag("show_ceiling", required=True)
        if start_max < start_min:
            lt.error("weekly_start_km_max", "must not be below weekly_start_km_min")
        if ceiling < start_max:
            lt.error("weekly_ceiling_km", "must not be below weekly_start_km_max")
        if audience == "beginner" and show:
            lt.error(
                "show_ceiling", "a beginner's weekly ceiling is a guard, never shown as a target"
            )
        rungs = tuple(_rung(b, r, rung_ids, no_long) for r in lt.tables("rungs"))
        where = ("running", "ladders", len(out), "rungs")
        if rungs:
            if rungs[0].kind != "cross_trainer":
                b.error((*where, 0, "kind"), "the first rung must be cross-trainer only")
            if rungs[-1].kind != "continuous_run":
                b.error(
                    (*where, len(rungs) - 1, "kind"),
                    "the ladder never reaches continuous running: "
                    "its last rung must be a continuous_run",
                )
            for i in range(1, len(rungs)):
                if rungs[i].kind == "cross_trainer":
                    b.error((*where, i, "kind"), "only the first rung is cross-trainer only")
                elif rungs[i - 1].kind == "continuous_run" and rungs[i].kind != "continuous_run":
                    b.error((*where, i, "kind"), "no walk breaks after continuous running")
            if audience == "beginner" and rungs[-1].kind == "continuous_run":
                lo, hi = BEGINNER_END_MIN
                if not lo * 60 <= rungs[-1].run_s <= hi * 60:
                    b.error(
                        (*where, len(rungs) - 1, "run_s"),
                        f"the beginner ladder ends with {lo}-{hi} minutes of continuous running",
                    )
        ladder = Ladder(
            id=ladder_id,
            audience=audience,
            name=lt.text("name"),
            weekly_start_km_min=start_min,
            weekly_start_km_max=start_max,
            weekly_ceiling_km=ceiling,
            show_ceiling=show,
            rungs=rungs,
            sources=_sources(lt),
            pace_kmh=lt.number("pace_kmh", required=False, lo=3, hi=25),
        )
        lt.done()
        out.append(ladder)
    for audience in AUDIENCES:
        if audience not in audiences:
            t.error("ladders", f'needs a ladder with audience = "{audience}"')
    return tuple(out)


def _rung(
    b: _Builder, r: _Table, seen: dict[str, tuple[str | int, ...]], no_long: NoLongSlow
) -> Rung:
    rung = Rung(
        id=b._id(r, seen, "rung"),
        label=r.text("label"),
        kind=r.text("kind", choices=RUNG_KINDS),
        sessions_per_week=r.integer("sessions_per_week", lo=1, hi=7),
        min_hours_between=r.integer("min_hours_between", lo=24, hi=168),
        greens_to_progress=r.integer("greens_to_progress", lo=1, hi=6),
        sources=_sources(r),
        minutes=r.integer("minutes", required=False, lo=5, hi=90),
        run_s=r.integer("run_s", required=False, lo=10, hi=7200),
        walk_s=r.integer("walk_s", required=False, lo=0, hi=600),
        repeats=r.integer("repeats", required=False, lo=1, hi=30),
        warm_up_min=r.integer("warm_up_min", required=False, lo=0, hi=20),
    )
    if rung.kind == "cross_trainer":
        if not rung.minutes:
            r.error(None, "a cross_trainer rung needs minutes")
        if rung.run_s or rung.walk_s or rung.repeats:
            r.error(None, "a cross_trainer rung has minutes, not run_s/walk_s/repeats")
    elif rung.kind == "walk_run":
        if not (rung.run_s and rung.walk_s and rung.repeats):
            r.error(None, "a walk_run rung needs run_s, walk_s and repeats")
    elif rung.kind == "continuous_run":
        if not rung.run_s:
            r.error(None, "a continuous_run rung needs run_s")
        if rung.walk_s or rung.repeats not in (0, 1):
            r.error(None, "a continuous_run rung has no walk breaks (repeats = 1, no walk_s)")
        if not rung.repeats:
            rung = Rung(**{**rung.__dict__, "repeats": 1})
    if rung.kind != "cross_trainer" and rung.minutes:
        r.error("minutes", "only cross_trainer rungs take minutes")
    if rung.block_s > no_long.max_session_min * 60:
        r.error(
            None,
            f"the session is {rung.block_s / 60:g} min, longer than the "
            f"{no_long.max_session_min}-minute limit of [running.no_long_slow]",
        )
    r.done()
    return rung


__all__ = [
    "AUDIENCES",
    "RUNG_KINDS",
    "WINDOWS",
    "Adjust",
    "Colours",
    "GapRule",
    "Gate",
    "Ladder",
    "LongestRunGuard",
    "NoLongSlow",
    "PaceRules",
    "PostRunCare",
    "ReadinessTest",
    "Rung",
    "RunningProtocol",
    "Spacing",
    "Substitute",
    "TextRule",
    "TreatRules",
    "VolumeRules",
    "Window",
    "build_running",
]
