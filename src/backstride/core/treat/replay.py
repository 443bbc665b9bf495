"""Where the athlete stands: their sessions replayed through the loop, rung by rung.

Each session since the current phase began is judged (:mod:`.evaluate`) as known when the
next one was done, and the ladder steps (:mod:`.loop`): green up, amber repeat, red back, a
gap of missed sessions down, and nothing above the cross-trainer before the readiness tests
are passed. The last session is judged as known today.

Walks are memoised per protocol by the sessions so far (a pure function's memo: it changes
speed, never results), so a history that grew by one session replays one step.

Pure Python, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter, lt

from backstride.core.running_protocol.rules import RunningProtocol, TreatRules
from backstride.core.treat.compiled import Compiled, LadderInfo, remember
from backstride.core.treat.evaluate import Verdict, evaluate
from backstride.core.treat.loop import LoopState, after_gap, after_verdict, record_try, try_step
from backstride.core.treat.model import (
    History,
    Kind,
    Profile,
    ReadinessResult,
    Response,
    SessionRecord,
)


def readiness_status(
    running: RunningProtocol, results: tuple[ReadinessResult, ...], since: date, today: date
) -> tuple[date | None, tuple[str, ...]]:
    """(date readiness was cleared or None, ids of tests not passed) from results since ``since``.

    Each test counts by its latest result; a later failed result takes readiness away again.
    """
    latest: dict[str, ReadinessResult] = {}
    for r in results:
        if since <= r.on <= today:
            best = latest.get(r.test_id)
            if best is None or (r.on, r.value) > (best.on, best.value):
                latest[r.test_id] = r
    pending = []
    cleared = date.min
    for test in running.readiness:
        got = latest.get(test.id)
        if (
            got is None
            or got.value < test.at_least
            or (test.no_symptom_rise and got.symptoms_rose is not False)
        ):
            pending.append(test.id)
        else:
            cleared = max(cleared, got.on)
    return (None if pending else cleared), tuple(pending)


class _Context:
    """The memos for one context (ladder, phase start, baseline, readiness results, other
    changes): the walks of its latest histories and the readiness status by dates."""

    __slots__ = ("readiness", "results", "running", "walks")

    def __init__(self, running: RunningProtocol, results: tuple[ReadinessResult, ...]) -> None:
        self.running = running
        self.results = results
        self.walks: dict[tuple[int, SessionRecord], tuple[tuple[SessionRecord, ...], _Walk]] = {}
        self.readiness: dict[tuple[date, date], tuple[date | None, tuple[str, ...]]] = {}

    def ready(self, since: date, today: date) -> tuple[date | None, tuple[str, ...]]:
        """:func:`readiness_status` of this context's results, memoised."""
        hit = self.readiness.get((since, today))
        if hit is None:
            hit = readiness_status(self.running, self.results, since, today)
            remember(self.readiness, (since, today), hit)
        return hit


@dataclass
class Replay:
    state: LoopState
    verdict: Verdict | None
    verdict_on: date | None
    gap_id: str
    gap_note: str
    ready_since: date
    cleared: date | None
    pending_tests: tuple[str, ...]
    sessions: tuple[SessionRecord, ...]  # since the phase began, oldest first


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _answers(r: Response | None) -> tuple[object, ...] | None:
    """A check-in as plain values (a cheap memo key)."""
    if r is None:
        return None
    return (
        r.pain_during,
        r.pain_after,
        r.pain_evening,
        r.pain_next_morning,
        r.pain_48h,
        r.leg_new,
        r.leg_spreading,
        r.stiffness,
    )


class _Walk:
    """The loop walked session by session; copyable, so a walk can be memoised and resumed."""

    __slots__ = (
        "gap_id",
        "gap_note",
        "last",
        "ready_since",
        "state",
        "verdict",
        "verdict_on",
        "weeks",
    )

    def __init__(self, ready_since: date) -> None:
        self.state = LoopState()
        self.last: tuple[SessionRecord, int, bool] | None = None
        self.verdict: Verdict | None = None
        self.verdict_on: date | None = None
        self.gap_id = ""
        self.gap_note = ""
        self.ready_since = ready_since
        self.weeks: dict[date, tuple[float, int]] = {}

    def copy(self) -> _Walk:
        other = _Walk.__new__(_Walk)  # every slot is set below
        other.ready_since = self.ready_since
        other.state, other.last, other.verdict = self.state, self.last, self.verdict
        other.verdict_on, other.gap_id, other.gap_note = self.verdict_on, self.gap_id, self.gap_note
        other.weeks = dict(self.weeks)
        return other

    def settle(self, c: Compiled, info: LadderInfo, baseline: int, as_of: date) -> None:
        """Judge the last session as known on ``as_of`` and adjust."""
        if self.last is None:
            return
        done, tried, substitute = self.last
        resp = done.response
        rise = None
        if resp is not None and resp.pain_next_morning is not None:
            week = _monday(done.on)
            total, count = self.weeks.get(week, (0.0, 0))
            total, count = total + resp.pain_next_morning, count + 1
            if as_of > done.on:  # only a settled week enters the record
                self.weeks[week] = (total, count)
            prev = self.weeks.get(week - timedelta(days=7))
            if prev and prev[1]:
                rise = total / count - prev[0] / prev[1]
        # the verdict depends on the days since the session, not the dates: memoised
        key = (_answers(resp), (as_of - done.on).days, baseline, rise)
        verdict = c.verdicts.get(key)
        if verdict is None:
            verdict = evaluate(c.running.treat, resp, done.on, as_of, baseline, rise)
            remember(c.verdicts, key, verdict)
        self.verdict = verdict
        self.verdict_on = done.on
        self.state = after_verdict(
            c.running.treat,
            self.state,
            self.verdict,
            done.on,
            greens_needed=info.rungs[self.state.at].rung.greens_to_progress,
            top=info.top,
            tried=tried,
            substitute=substitute,
        )

    def gap(self, treat: TreatRules, on: date) -> bool:
        """Step down for a gap before ``on``; True when the readiness tests must be redone."""
        last_on = self.state.last_on
        if last_on is None or not treat.gaps or (on - last_on).days < treat.gaps[-1].min_days:
            return False
        gap = treat.gap_for((on - last_on).days)
        if gap is None:
            return False
        self.state = after_gap(self.state, gap)
        self.gap_id, self.gap_note = gap.id, gap.advice
        if gap.redo_readiness:
            self.ready_since = last_on + timedelta(days=1)
        return gap.redo_readiness

    def step(
        self,
        c: Compiled,
        info: LadderInfo,
        profile: Profile,
        ctx: _Context,
        others: list[date],
        s: SessionRecord,
    ) -> None:
        """Settle the previous session, then record ``s``."""
        treat = c.running.treat
        self.settle(c, info, profile.baseline_pain, s.on)
        self.gap(treat, s.on)
        cleared, _ = ctx.ready(self.ready_since, s.on)
        ready = cleared is not None
        state = self.state
        index, change = try_step(treat, state, s.on, info.top, others)
        if change and info.rungs[index].is_run and not ready:
            index, change = state.at, False
        substitute = s.kind is Kind.CROSS_TRAINER and info.rungs[index].is_run
        if substitute or not s.kind.is_run or not ready:
            tried = 0  # a run before readiness teaches the ladder nothing
        else:
            tried = min(info.ladder.index.get(s.rung_id, index), index)
        if change and (tried < index or substitute):
            index, change = state.at, False
        self.state = record_try(state, index, change, s.on)
        self.last = (s, tried, substitute)


def _sort_key(s: SessionRecord) -> tuple[object, ...]:
    return (s.on, s.kind, s.rung_id, s.distance_km, s.duration_min)


_ON = attrgetter("on")
_RESULT = attrgetter("test_id", "on", "value", "symptoms_rose")  # a readiness result's values


def phase_sessions(
    sessions: tuple[SessionRecord, ...], since: date, today: date
) -> tuple[SessionRecord, ...]:
    """The sessions from ``since`` to ``today``, in order (date, then kind, rung, km, min)."""
    if sessions and _ON(sessions[0]) >= since and _ON(sessions[-1]) <= today:
        dates = list(map(_ON, sessions))
        if all(map(lt, dates, dates[1:])):  # one session a day, in order: nothing to sort
            return sessions
    return tuple(sorted((s for s in sessions if since <= s.on <= today), key=_sort_key))


#: bounds of the walk memo: contexts (athlete and ladder) kept, and walks kept per context
#: (a history that grows by a session a call needs its last two)
_CONTEXTS_MAX = 5_000
_WALKS_PER_CONTEXT = 4


def replay(
    c: Compiled,
    info: LadderInfo,
    profile: Profile,
    history: History,
    today: date,
    others: list[date],
) -> Replay:
    """Where the athlete stands on ``info``'s ladder on ``today``.

    ``others`` are the dates of other changes (and the phase start), sorted.
    """
    running = c.running
    treat = running.treat
    sessions = phase_sessions(history.sessions, profile.phase_since, today)
    context = (  # plain values: hashed and compared without calling Python methods
        info.ladder.id,
        profile.phase_since,
        profile.baseline_pain,
        tuple(map(_RESULT, history.readiness)),
        tuple(others),
    )
    ctx = c.walks.get(context)  # one hash of the context per call
    if ctx is None:
        ctx = remember(c.walks, context, _Context(running, history.readiness), _CONTEXTS_MAX)
    memo = ctx.walks
    walk: _Walk | None = None
    count = len(sessions)
    start = count
    # a known walk of this history less its last one or two sessions: resume from it
    while start > 0 and count - start <= 2:
        hit = memo.get((start, sessions[start - 1]))
        if hit is not None and hit[0] == sessions[:start]:
            walk = hit[1].copy()
            break
        start -= 1
    if walk is None:
        walk = _Walk(profile.phase_since - c.readiness_valid)
        start = 0
    for i in range(start, count):
        walk.step(c, info, profile, ctx, others, sessions[i])
        if i >= count - 2:
            prefix = sessions[: i + 1]
            remember(memo, (i + 1, sessions[i]), (prefix, walk.copy()), _WALKS_PER_CONTEXT)
    walk.settle(c, info, profile.baseline_pain, today)
    walk.gap(treat, today)
    cleared, pending = ctx.ready(walk.ready_since, today)
    return Replay(
        walk.state,
        walk.verdict,
        walk.verdict_on,
        walk.gap_id,
        walk.gap_note,
        walk.ready_since,
        cleared,
        pending,
        sessions,
    )


__all__ = ["Replay", "phase_sessions", "readiness_status", "replay"]
