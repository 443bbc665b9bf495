"""Reading ``[running]`` from the protocol file: gate, readiness tests, pace, volume, guards,
post-run care and the ladders, checked as they are read.

:func:`build_running` is called by the protocol loader (``core/protocol/``) with its table
reader, so every problem here is reported like the rest of the file: file, line, what. Unlike
the rehab rules, a running rule without a ``source`` is an error, and a ladder that does not
start on the cross-trainer and end in continuous running never loads.

Pure Python: no Django.
"""

from __future__ import annotations

from dataclasses import replace

from backstride.core.running_protocol.read_treat import (
    build_treat,
    read_rule,
    register,
    rule_table,
    sources,
)
from backstride.core.running_protocol.rules import (
    AUDIENCES,
    BEGINNER_END_MIN,
    Gate,
    Ladder,
    LongestRunGuard,
    NoLongSlow,
    PaceRules,
    PostRunCare,
    ReadinessTest,
    Rung,
    RunningProtocol,
    Substitute,
    TreatRules,
    VolumeRules,
)
from backstride.core.tables import TableBuilder, _suggest, _Table


def build_running(
    b: TableBuilder, root: _Table, objective_tests: set[str], phases: set[int]
) -> RunningProtocol | None:
    """Read and check ``[treat]`` and ``[running]``; ``None`` when anything is wrong."""
    before = len(b.issues)
    treat_t = root.table("treat")
    running_t = root.table("running")
    if treat_t is None or running_t is None:
        return None
    treat = build_treat(b, treat_t)
    running = _running(b, running_t, objective_tests, phases, treat)
    if treat is None or running is None or len(b.issues) > before:
        return None
    return running


def _running(
    b: TableBuilder,
    t: _Table,
    objective_tests: set[str],
    phases: set[int],
    treat: TreatRules | None,
) -> RunningProtocol | None:
    def check_gate(g: _Table, gate: Gate) -> None:
        if phases and gate.phase not in phases:
            g.error("phase", f"there is no phase {gate.phase}")

    gate = rule_table(b, t, "gate", Gate("", 3, 42, ()), check_gate)
    if treat is not None and phases and treat.adjust.phase_back_to not in phases:
        t.error(
            None, f"[treat.adjust] phase_back_to: there is no phase {treat.adjust.phase_back_to}"
        )
    if treat is not None and treat.adjust.phase_back_to >= gate.phase:
        t.error(None, "[treat.adjust] phase_back_to must be a phase below the running gate")

    readiness: list[ReadinessTest] = []
    test_ids: dict[str, tuple[str | int, ...]] = {}
    for r in t.tables("readiness"):
        test = read_rule(r, ReadinessTest, id=lambda r: b._id(r, test_ids, "readiness test"))
        if test.at_least <= 0:
            r.error("at_least", "a pass needs a value above 0")
        if test.test and test.test not in objective_tests:
            r.error(
                "test",
                f"unknown objective test '{test.test}'{_suggest(test.test, objective_tests)}",
            )
        r.done()
        readiness.append(test)

    pace = rule_table(b, t, "pace", PaceRules("", 10, 1.5, 6, 13, 5.5, 365, 3, "", ()), _check_pace)
    volume = rule_table(b, t, "volume", VolumeRules("", 20, ()))
    guard = rule_table(b, t, "longest_run", LongestRunGuard("", 10, 30, ()))
    no_long = rule_table(b, t, "no_long_slow", NoLongSlow("", 35, ()))
    substitute = rule_table(b, t, "substitute", Substitute("", 20, 30, "", ()), _check_substitute)
    post = rule_table(b, t, "post_run", PostRunCare("", 5, "", 10, 15, "", ()), _check_post_run)

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


def _check_pace(p: _Table, pace: PaceRules) -> None:
    if not pace.min_kmh <= pace.default_kmh <= pace.max_kmh:
        p.error("default_kmh", "must lie between min_kmh and max_kmh")


def _check_substitute(st: _Table, substitute: Substitute) -> None:
    if substitute.max_minutes < substitute.min_minutes:
        st.error("max_minutes", "must not be below min_minutes")


def _check_post_run(pr: _Table, post: PostRunCare) -> None:
    if post.ice_max < post.ice_min:
        pr.error("ice_max", "must not be below ice_min")


def _ladders(b: TableBuilder, t: _Table, no_long: NoLongSlow) -> tuple[Ladder, ...]:
    out: list[Ladder] = []
    audiences: set[str] = set()
    rung_ids: dict[str, tuple[str | int, ...]] = {}
    for lt in t.tables("ladders"):
        ladder_id = lt.text("id")
        register(b, lt, b.rule_ids, ladder_id)
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
            sources=sources(lt),
            pace_kmh=lt.number("pace_kmh", required=False, lo=3, hi=25),
        )
        lt.done()
        out.append(ladder)
    for audience in AUDIENCES:
        if audience not in audiences:
            t.error("ladders", f'needs a ladder with audience = "{audience}"')
    return tuple(out)


def _rung(
    b: TableBuilder, r: _Table, seen: dict[str, tuple[str | int, ...]], no_long: NoLongSlow
) -> Rung:
    rung = read_rule(r, Rung, id=lambda r: b._id(r, seen, "rung"))
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
            rung = replace(rung, repeats=1)
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


__all__ = ["build_running"]
