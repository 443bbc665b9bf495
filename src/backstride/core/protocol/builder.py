"""Builds a :class:`~backstride.core.protocol.Protocol` from a parsed TOML document."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from backstride.core.running_protocol.schema import build_running
from backstride.core.tables import (
    _ID,
    EXPERT_DEFAULT,
    PathT,
    TableBuilder,
    _kind,
    _suggest,
    _Table,
)

from .model import (
    ACTIONS,
    AGE_FLAG_FIELDS,
    ASSESSMENT_FIELDS,
    CHECKIN_FIELDS,
    CHECKIN_METRICS,
    EXERCISE_CATEGORIES,
    LEG_STATUSES,
    OPS,
    PHASE_METRICS,
    PLACEMENT_METRICS,
    RED_FLAG_GROUPS,
    SCHEMA_VERSION,
    SCREENS,
    TEST_UNITS,
    URGENCIES,
    AgeFlag,
    CheckinRule,
    Condition,
    Criterion,
    Dosage,
    Exercise,
    FlagCombination,
    Introduce,
    NprsSettings,
    ObjectiveTest,
    OutcomeSettings,
    Phase,
    ProgressionSettings,
    Protocol,
    PsfsSettings,
    RedFlag,
    Schedule,
    SessionTemplate,
    Source,
    UrgencyAdvice,
)


class _Builder(TableBuilder):
    """Builds a :class:`Protocol` from a parsed TOML document, collecting every issue."""

    def build(self) -> Protocol | None:
        root = _Table(self, self.doc, ())
        meta = root.table("protocol")
        proto_id = version = title = description = ""
        if meta:
            proto_id = meta.text("id")
            version = meta.text("version")
            title = meta.text("title")
            description = meta.text("description", required=False)
            schema = meta.integer("schema")
            if schema and schema != SCHEMA_VERSION:
                meta.error(
                    "schema",
                    f"schema {schema} is not supported "
                    f"(this Backstride reads schema {SCHEMA_VERSION})",
                )
            meta.done()

        sources = self._sources(root)
        urgency = self._urgency(root)
        red_flags = self._red_flags(root)
        weekly_days = 7
        weekly_sources: tuple[str, ...] = ()
        screening = root.table("screening")
        if screening:
            weekly_days = screening.integer("weekly_every_days", lo=1, hi=60)
            weekly_sources = screening.sources()
            screening.done()
        tests = self._tests(root)
        exercises = self._exercises(root)
        phases = self._phases(root, tests, exercises)
        checkin_rules = self._checkin_rules(root, phases)
        outcomes = self._outcomes(root)
        progression = self._progression(root)
        combinations = self._combinations(root, {f.id for f in red_flags})
        age_flags = self._age_flags(root, {f.id for f in red_flags})
        running = build_running(self, root, {t.id for t in tests}, {p.number for p in phases})
        root.done()
        self._cross_check(exercises, phases, tests)
        if self.issues:
            return None
        return Protocol(
            id=proto_id,
            version=version,
            title=title,
            description=description,
            sources=sources,
            urgency=urgency,
            red_flags=red_flags,
            weekly_every_days=weekly_days,
            weekly_sources=weekly_sources,
            objective_tests={t.id: t for t in tests},
            phases=phases,
            checkin_rules=checkin_rules,
            outcomes=outcomes,  # type: ignore[arg-type]
            exercises={e.id: e for e in exercises},
            progression=progression,
            flag_combinations=combinations,
            age_flags=age_flags,
            running=running,
        )

    def _progression(self, root: _Table) -> ProgressionSettings:
        """``[progression]`` (optional; the defaults are the safe ones)."""
        t = root.table("progression", required=False)
        if not t:
            return ProgressionSettings()
        settings = ProgressionSettings(
            red_day_window_days=t.integer("red_day_window_days", lo=1, hi=28),
            amber_day_window_days=t.integer("amber_day_window_days", lo=1, hi=28),
            rise_points=t.number("rise_points", lo=0.5, hi=5),
            sources=t.sources(),
            evidence_note=t.text("evidence_note", required=False),
        )
        t.done()
        return settings

    def _combinations(self, root: _Table, flag_ids: set[str]) -> tuple[FlagCombination, ...]:
        out = []
        seen: dict[str, PathT] = {}
        for t in root.tables("red_flag_combinations", required=False):
            combo = FlagCombination(
                id=self._id(t, seen, "combination"),
                flags=t.texts("flags"),
                any_of=t.texts("any_of", required=False),
                min_age=t.integer("min_age", required=False, lo=0, hi=120),
                urgency=t.text("urgency", choices=URGENCIES),
                reason=t.text("reason"),
                sources=t.sources(),
            )
            for key in ("flags", "any_of"):
                for i, ref in enumerate(getattr(combo, key)):
                    if ref not in flag_ids:
                        self.error(
                            (*t.path, key, i),
                            f"unknown red flag '{ref}'{_suggest(ref, flag_ids)}",
                        )
            if not combo.sources:
                t.error(None, "red-flag combinations must name their source")
            t.done()
            out.append(combo)
        return tuple(out)

    def _age_flags(self, root: _Table, flag_ids: set[str]) -> tuple[AgeFlag, ...]:
        """``[[age_flags]]``: age plus one history answer (optional section)."""
        out = []
        seen: dict[str, PathT] = {}
        for t in root.tables("age_flags", required=False):
            field = t.text("field", choices=tuple(AGE_FLAG_FIELDS))
            flag = AgeFlag(
                id=self._id(t, seen, "age flag"),
                group=t.text("group", choices=RED_FLAG_GROUPS),
                question=t.text("question"),
                min_age=t.integer("min_age", lo=16, hi=120),
                field=field,
                answers=t.texts("answers", choices=AGE_FLAG_FIELDS.get(field)),
                urgency=t.text("urgency", choices=URGENCIES),
                reason=t.text("reason"),
                sources=t.sources(),
                screens=t.texts("screens", required=False, choices=SCREENS) or ("initial",),
                evidence_note=t.text("evidence_note", required=False),
            )
            if flag.id in flag_ids:
                t.error("id", f"'{flag.id}' is already a red flag's id")
            if "initial" not in flag.screens:
                t.error("screens", "every age flag must apply in the 'initial' screen")
            if not flag.sources:
                t.error(None, "age flags must name their source")
            t.done()
            out.append(flag)
        return tuple(out)

    # -- sections
    def _sources(self, root: _Table) -> dict[str, Source]:
        out: dict[str, Source] = {}
        table = root.table("sources")
        if not table:
            return out
        self.source_keys = tuple(table.data)
        for key, entry in table.named_tables():
            if not _ID.match(key):
                table.error(
                    key, f"source key '{key}' must be lower-case letters, digits, '-' or '_'"
                )
            out[key] = Source(
                key, entry.text("short"), entry.text("citation"), entry.text("url", required=False)
            )
            entry.done()
        table.done()
        return out

    def _urgency(self, root: _Table) -> dict[str, UrgencyAdvice]:
        out: dict[str, UrgencyAdvice] = {}
        table = root.table("urgency")
        if not table:
            return out
        for level in URGENCIES:
            entry = table.table(level)
            if entry is None:
                continue
            out[level] = UrgencyAdvice(
                level,
                entry.text("title"),
                entry.text("action"),
                entry.text("detail"),
                entry.sources(),
            )
            entry.done()
        table.done()
        return out

    def _red_flags(self, root: _Table) -> tuple[RedFlag, ...]:
        out = []
        seen: dict[str, PathT] = {}
        for t in root.tables("red_flags"):
            flag = RedFlag(
                id=self._id(t, seen, "red flag"),
                group=t.text("group", choices=RED_FLAG_GROUPS),
                question=t.text("question"),
                urgency=t.text("urgency", choices=URGENCIES),
                reason=t.text("reason"),
                sources=t.sources(),
                screens=t.texts("screens", choices=SCREENS),
                recheck_question=t.text("recheck_question", required=False),
                help=t.text("help", required=False),
            )
            if flag.screens and "initial" not in flag.screens:
                t.error("screens", "every red flag must be asked in the 'initial' screen")
            if not flag.sources:
                t.error(None, "red flags must name their source")
            t.done()
            out.append(flag)
        return tuple(out)

    def _tests(self, root: _Table) -> list[ObjectiveTest]:
        out = []
        seen: dict[str, PathT] = {}
        for t in root.tables("objective_tests"):
            test = ObjectiveTest(
                id=self._id(t, seen, "objective test"),
                name=t.text("name"),
                unit=t.text("unit", choices=TEST_UNITS),
                min=t.number("min", lo=0),
                max=t.number("max", lo=0),
                phase=t.integer("phase", lo=1),
                instructions=t.text("instructions"),
                sources=t.sources(),
            )
            if test.max <= test.min:
                t.error("max", "must be greater than min")
            t.done()
            out.append(test)
        return out

    def _exercises(self, root: _Table) -> list[Exercise]:
        out = []
        seen: dict[str, PathT] = {}
        for t in root.tables("exercises"):
            dosage = Dosage()
            d = t.table("dosage")
            if d:
                dosage = Dosage(
                    sets=d.integer("sets", required=False, lo=1, hi=20),
                    reps=d.integer("reps", required=False, lo=1, hi=200),
                    reps_label=d.text("reps_label", required=False),
                    hold_s=d.integer("hold_s", required=False, lo=1, hi=3600),
                    rest_s=d.integer("rest_s", required=False, lo=0, hi=600),
                    per_side=d.flag("per_side"),
                    duration_min=d.integer("duration_min", required=False, lo=1, hi=240),
                    sources=d.sources(),
                )
                if dosage.duration_min and (dosage.sets or dosage.reps or dosage.hold_s):
                    d.error(None, "use either duration_min, or sets with reps/hold_s, not both")
                elif not dosage.duration_min:
                    if not (dosage.reps or dosage.hold_s):
                        d.error(None, "needs reps, hold_s or duration_min")
                    if not dosage.sets:
                        dosage = replace(dosage, sets=1)
                d.done()
            exercise = Exercise(
                id=self._id(t, seen, "exercise"),
                name=t.text("name"),
                phases=t.integers("phases"),
                category=t.text("category", choices=EXERCISE_CATEGORIES),
                summary=t.text("summary"),
                setup=t.texts("setup"),
                movement=t.texts("movement"),
                feel=t.texts("feel"),
                mistakes=t.texts("mistakes"),
                dosage=dosage,
                tags=t.texts("tags", required=False),
                caution=t.text("caution", required=False),
                regression=t.text("regression", required=False),
                progression=t.text("progression", required=False),
                image=t.text("image", required=False),
                video=t.text("video", required=False),
            )
            t.done()
            out.append(exercise)
        return out

    def _condition(
        self, t: _Table, metrics: tuple[str, ...], tests: set[str], allow_where: bool = True
    ) -> Condition:
        metric = t.text("metric", choices=metrics)
        op = t.text("op", choices=OPS)
        raw_value = t._get("value", True)
        field_name = test = ""
        where: Condition | None = None
        kind = "number"
        if metric in ("mean", "max"):
            field_name = t.text(
                "field", choices=tuple(k for k, v in CHECKIN_FIELDS.items() if v == "score")
            )
            kind = "score"
        elif metric == "answer":
            field_name = t.text("field", choices=tuple(ASSESSMENT_FIELDS))
            kind = ASSESSMENT_FIELDS.get(field_name, "score")
        elif metric == "test":
            test = t.text("test")
            if test and test not in tests:
                t.error("test", f"unknown objective test '{test}'{_suggest(test, tests)}")
        elif metric == "days":
            if not allow_where:
                t.error("metric", "'days' cannot be nested")
            sub = t.table("where")
            if sub:
                where = self._where(sub)
            kind = "count"
        elif metric in ("checkin_days", "days_in_phase"):
            kind = "count"
        value = self._value(t, raw_value, kind, op)
        return Condition(
            metric=metric, op=op, value=value, field=field_name, test=test, where=where
        )

    def _where(self, t: _Table) -> Condition:
        field_name = t.text("field", choices=tuple(CHECKIN_FIELDS))
        op = t.text("op", choices=OPS)
        raw_value = t._get("value", True)
        kind = CHECKIN_FIELDS.get(field_name, "score")
        value = self._value(t, raw_value, kind, op)
        t.done()
        return Condition(metric="field", op=op, value=value, field=field_name)

    def _value(self, t: _Table, value: Any, kind: str, op: str) -> Any:
        if value is None:
            return None
        if kind == "bool":
            if not isinstance(value, bool):
                t.error("value", f"must be true or false for this field, got {_kind(value)}")
            elif op not in ("==", "!="):
                t.error("op", "true/false fields can only be compared with '==' or '!='")
            return value
        if kind == "leg":
            if value not in LEG_STATUSES:
                t.error("value", f"must be one of: {', '.join(LEG_STATUSES)}")
            elif op not in ("==", "!="):
                t.error("op", "leg_symptoms can only be compared with '==' or '!='")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            t.error("value", f"must be a number, got {_kind(value)}")
            return None
        if kind == "score" and not 0 <= value <= 10:
            t.error("value", f"{value} is outside the 0-10 scale")
        if kind == "count" and value < 0:
            t.error("value", "a count cannot be negative")
        return value

    def _criteria(
        self,
        phase_t: _Table,
        key: str,
        metrics: tuple[str, ...],
        tests: set[str],
        seen: dict[str, PathT],
    ) -> tuple[Criterion, ...]:
        out = []
        for t in phase_t.tables(key, required=False):
            out.append(
                Criterion(
                    id=self._id(t, seen, "rule"),
                    label=t.text("label"),
                    condition=self._condition(t, metrics, tests),
                    sources=t.sources(),
                    evidence_note=t.text("evidence_note", required=False),
                )
            )
            t.done()
        return tuple(out)

    def _phases(
        self, root: _Table, tests: list[ObjectiveTest], exercises: list[Exercise]
    ) -> tuple[Phase, ...]:
        out = []
        seen_ids: dict[str, PathT] = {}
        self.rule_ids = {}
        session_ids: dict[str, PathT] = {}
        test_ids = {t.id for t in tests}
        exercise_by_id = {e.id: e for e in exercises}
        tables = root.tables("phases")
        for index, t in enumerate(tables):
            number = t.integer("number", lo=1, hi=9)
            if number and number != index + 1:
                t.error(
                    "number", f"phases must be numbered 1, 2, 3, ... in order; expected {index + 1}"
                )
            schedule = Schedule(1, "", ())
            s = t.table("schedule")
            if s:
                schedule = Schedule(
                    s.integer("min_days_between_sessions", lo=1, hi=14),
                    s.text("rest_day_reason"),
                    s.sources(),
                )
                s.done()
            sessions = []
            for st in t.tables("sessions"):
                ids = st.texts("exercises")
                for i, ex_id in enumerate(ids):
                    ex = exercise_by_id.get(ex_id)
                    if ex is None:
                        self.error(
                            (*st.path, "exercises", i),
                            f"unknown exercise '{ex_id}'{_suggest(ex_id, exercise_by_id)}",
                        )
                    elif number and number not in ex.phases:
                        self.error(
                            (*st.path, "exercises", i),
                            f"exercise '{ex_id}' is not marked for phase {number} "
                            f"(its phases: {list(ex.phases)})",
                        )
                sessions.append(
                    SessionTemplate(
                        id=self._id(st, session_ids, "session"),
                        name=st.text("name"),
                        exercises=ids,
                        note=st.text("note", required=False),
                    )
                )
                st.done()
            entry = self._criteria(t, "entry", PLACEMENT_METRICS, test_ids, self.rule_ids)
            exit_ = self._criteria(t, "exit", PHASE_METRICS, test_ids, self.rule_ids)
            if index == 0 and entry:
                t.error("entry", "phase 1 is where everyone can start: it takes no entry criteria")
            if index < len(tables) - 1 and not exit_:
                t.error(
                    None, f"phase {number} needs exit criteria to progress to phase {number + 1}"
                )
            if index > 0 and not entry:
                t.error(None, f"phase {number} needs entry criteria for placement")
            introduce = self._introduce(t, sessions)
            phase = Phase(
                number=number,
                id=self._id(t, seen_ids, "phase"),
                name=t.text("name"),
                goal=t.text("goal"),
                description=t.text("description", required=False),
                schedule=schedule,
                sessions=tuple(sessions),
                entry=entry,
                exit=exit_,
                introduce=introduce,
            )
            t.done()
            out.append(phase)
        return tuple(out)

    def _introduce(self, phase: _Table, sessions: list[SessionTemplate]) -> Introduce | None:
        """``[phases.introduce]``: every exercise of the phase's sessions is either in
        ``start_with`` or in ``order``, once (one change at a time needs a full order)."""
        t = phase.table("introduce", required=False)
        if t is None:
            return None
        intro = Introduce(
            id=self._id(t, self.rule_ids, "rule"),
            text=t.text("text"),
            start_with=t.texts("start_with", required=False),
            order=t.texts("order"),
            greens_to_progress=t.integer("greens_to_progress", lo=1, hi=10),
            sources=t.sources(),
            evidence_note=t.text("evidence_note", required=False),
        )
        used = {e for s in sessions for e in s.exercises}
        seen: set[str] = set()
        for key, ids in (("start_with", intro.start_with), ("order", intro.order)):
            for i, ex_id in enumerate(ids):
                if ex_id in seen:
                    self.error((*t.path, key, i), f"'{ex_id}' is listed twice")
                elif ex_id not in used:
                    self.error(
                        (*t.path, key, i),
                        f"'{ex_id}' is in none of this phase's sessions"
                        f"{_suggest(ex_id, sorted(used))}",
                    )
                seen.add(ex_id)
        missing = sorted(used - seen)
        if missing:
            t.error(
                "order",
                f"every exercise of the sessions must be in start_with or order; "
                f"missing: {', '.join(missing)}",
            )
        t.done()
        return intro

    def _checkin_rules(self, root: _Table, phases: tuple[Phase, ...]) -> tuple[CheckinRule, ...]:
        out = []
        numbers = {p.number for p in phases}
        for t in root.tables("checkin_rules", required=False):
            rule = CheckinRule(
                id=self._id(t, self.rule_ids, "rule"),
                action=t.text("action", choices=ACTIONS),
                label=t.text("label"),
                advice=t.text("advice"),
                condition=self._condition(t, CHECKIN_METRICS, set()),
                sources=t.sources(),
                see_clinician=t.flag("see_clinician"),
                phases=t.integers("phases", required=False),
            )
            for n in rule.phases:
                if n not in numbers:
                    t.error("phases", f"there is no phase {n}")
            t.done()
            out.append(rule)
        return tuple(out)

    def _outcomes(self, root: _Table) -> OutcomeSettings | None:
        t = root.table("outcomes")
        if not t:
            return None
        interval = t.integer("interval_days", lo=7, hi=56)
        max_interval = t.integer("max_interval_days", lo=7, hi=84)
        if interval and max_interval and max_interval < interval:
            t.error("max_interval_days", "must not be shorter than interval_days")
        sources = t.sources()
        nprs = NprsSettings(0, 0, "either", ())
        n = t.table("nprs")
        if n:
            nprs = NprsSettings(
                n.number("mcid_points", lo=0.5, hi=10),
                n.number("mcid_percent", lo=1, hi=100),
                n.text("combine", choices=("either", "both")),
                n.sources(),
            )
            n.done()
        psfs = PsfsSettings(0, 0, 1, 5, ())
        p = t.table("psfs")
        if p:
            psfs = PsfsSettings(
                p.number("mcid_points_average", lo=0.5, hi=10),
                p.number("mcid_points_single", lo=0.5, hi=10),
                p.integer("min_items", lo=1, hi=10),
                p.integer("max_items", lo=1, hi=10),
                p.sources(),
            )
            if psfs.max_items < psfs.min_items:
                p.error("max_items", "must not be smaller than min_items")
            p.done()
        review_after = 42
        review_sources: tuple[str, ...] = (EXPERT_DEFAULT,)
        r = t.table("review", required=False)
        if r:
            review_after = r.integer("after_days", lo=21, hi=84)
            review_sources = r.sources()
            r.done()
        t.done()
        return OutcomeSettings(
            interval, max_interval, sources, nprs, psfs, review_after, review_sources
        )

    def _cross_check(
        self, exercises: list[Exercise], phases: tuple[Phase, ...], tests: list[ObjectiveTest]
    ) -> None:
        numbers = {p.number for p in phases}
        ids = {e.id for e in exercises}
        for index, ex in enumerate(exercises):
            base: PathT = ("exercises", index)
            for key in ("regression", "progression"):
                ref = getattr(ex, key)
                if ref and ref not in ids:
                    self.error((*base, key), f"unknown exercise '{ref}'{_suggest(ref, ids)}")
                elif ref == ex.id:
                    self.error((*base, key), "an exercise cannot be its own " + key)
            for n in ex.phases:
                if numbers and n not in numbers:
                    self.error((*base, "phases"), f"there is no phase {n}")
        for index, test in enumerate(tests):
            if numbers and test.phase not in numbers:
                self.error(("objective_tests", index, "phase"), f"there is no phase {test.phase}")
