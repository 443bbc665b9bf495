"""Which clients need the clinician's attention, why, and in what order.

Pure Python, no Django. The clinic app gathers each client's recent facts in a constant number
of queries (:class:`ClientFacts`); :func:`assess` turns them into reasons using the
thresholds of ``protocols/caseload.toml`` (:class:`Thresholds`) and the client's own protocol
(check-in colours, T.R.E.A.T. colours, the phase schedule, the outcome MCIDs); :func:`rank`
sorts the caseload, most urgent first.

Reasons, most urgent kind first (:class:`Kind`): a red-flag pause, red responses (rehab or run
check-ins), outcome scores worse by at least the MCID, missed sessions, falling adherence, no
check-in for days, the self-assessment not started. The product never diagnoses: a reason
says what happened, not what it means.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Final

from backstride.core.checkins import CheckIn, response_light
from backstride.core.outcomes import nprs_change, psfs_change
from backstride.core.protocol import Protocol
from backstride.core.tables import (
    ProtocolError,
    ProtocolIssue,
    TableBuilder,
    _LineIndex,
    _Table,
    read_header,
)
from backstride.core.treat import Colour, Response, evaluate

DEFAULT_PATH: Final = Path(__file__).resolve().parents[1] / "protocols" / "caseload.toml"


class Kind(IntEnum):
    """A kind of reason; the lower the value, the sooner it should be looked at."""

    RED_FLAG = 0
    RED_RESPONSE = 1
    OUTCOME_WORSE = 2
    MISSED_SESSIONS = 3
    ADHERENCE_FALLING = 4
    NO_CHECKIN = 5
    NOT_STARTED = 6

    @property
    def slug(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True)
class Reason:
    """One reason a client needs attention, in plain words for the clinician."""

    kind: Kind
    text: str
    #: the day it happened or was last true (for "most recent first" within a kind)
    on: date | None = None
    #: how many events the reason stands for (red check-ins, missed sessions)
    count: int = 1


# --- Thresholds (protocols/caseload.toml) ------------------------------------------------------
@dataclass(frozen=True)
class Thresholds:
    no_checkin_days: int = 7
    missed_window_days: int = 7
    missed_min: int = 3
    adherence_window_days: int = 14
    adherence_drop_points: float = 30.0
    adherence_min_expected: int = 4
    min_reds: int = 1
    not_started_days: int = 7
    id: str = "caseload"
    version: str = ""
    sources: dict[str, str] = field(default_factory=dict)


def parse_thresholds(text: str, filename: str = "<caseload.toml>") -> Thresholds:
    """Parse and validate ``caseload.toml`` text; raises ``ProtocolError`` with every problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(
            [ProtocolIssue(filename, None, "", f"TOML syntax error: {exc}")]
        ) from None
    b = TableBuilder(doc, _LineIndex(text), filename)
    root = _Table(b, doc, ())
    ident, version = read_header(root, "caseload")
    sources: dict[str, str] = {}
    src = root.table("sources", required=False)
    if src:
        for key, entry in src.named_tables():
            sources[key] = entry.text("short")
            entry.text("citation")
            entry.text("measured")
            entry.done()
        src.done()
    b.source_keys = tuple(sources)

    def section(name: str) -> _Table | None:
        t = root.table(name)
        if t is not None:
            if not t.sources():
                t.error("source", "missing required key 'source'")
            t.text("note")
        return t

    values: dict[str, float] = {}
    if t := section("no_checkin"):
        values["no_checkin_days"] = t.integer("days", lo=1, hi=90)
        t.done()
    if t := section("missed_sessions"):
        values["missed_window_days"] = t.integer("window_days", lo=1, hi=28)
        values["missed_min"] = t.integer("min_missed", lo=1, hi=28)
        t.done()
    if t := section("adherence"):
        values["adherence_window_days"] = t.integer("window_days", lo=7, hi=42)
        values["adherence_drop_points"] = t.number("drop_points", lo=1, hi=100)
        values["adherence_min_expected"] = t.integer("min_expected", lo=1, hi=42)
        t.done()
    if t := section("red_responses"):
        values["min_reds"] = t.integer("min_reds", lo=1, hi=14)
        t.done()
    if t := section("not_started"):
        values["not_started_days"] = t.integer("days", lo=1, hi=90)
        t.done()
    root.done()
    if b.issues:
        raise ProtocolError.in_line_order(b.issues)
    return Thresholds(
        no_checkin_days=int(values["no_checkin_days"]),
        missed_window_days=int(values["missed_window_days"]),
        missed_min=int(values["missed_min"]),
        adherence_window_days=int(values["adherence_window_days"]),
        adherence_drop_points=float(values["adherence_drop_points"]),
        adherence_min_expected=int(values["adherence_min_expected"]),
        min_reds=int(values["min_reds"]),
        not_started_days=int(values["not_started_days"]),
        id=ident,
        version=version,
        sources=sources,
    )


_LOADED: dict[str, tuple[int, Thresholds]] = {}


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """The shipped ``protocols/caseload.toml`` (or ``path``), validated; cached per file."""
    p = Path(path) if path is not None else DEFAULT_PATH
    stamp = p.stat().st_mtime_ns
    hit = _LOADED.get(str(p))
    if hit is None or hit[0] != stamp:
        hit = (stamp, parse_thresholds(p.read_text(encoding="utf-8"), str(p)))
        _LOADED[str(p)] = hit
    return hit[1]


# --- Facts and assessment ---------------------------------------------------------------------
@dataclass(frozen=True)
class RunResponse:
    """A run check-in as the caseload sees it: the day of the run and the answers."""

    on: date
    response: Response


@dataclass(frozen=True)
class ClientFacts:
    """What the caseload knows about one client on ``today`` (their local day)."""

    client_id: int
    name: str
    today: date
    linked_on: date
    phase: int | None = None
    phase_started_on: date | None = None
    #: the day an uncleared red-flag screen paused the program (None: not paused)
    paused_on: date | None = None
    checkins: tuple[CheckIn, ...] = ()  # recent rehab check-ins
    runs: tuple[RunResponse, ...] = ()  # recent run check-ins
    session_days: frozenset[date] = frozenset()  # recent days with a rehab session done
    nprs: tuple[tuple[date, float], ...] = ()  # every NPRS score, oldest first
    psfs: tuple[tuple[date, float], ...] = ()
    last_checkin: date | None = None  # the latest rehab or run check-in ever


@dataclass(frozen=True)
class Attention:
    """A client's reasons, most urgent first, and the key the caseload sorts by."""

    facts: ClientFacts
    reasons: tuple[Reason, ...]

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons)

    @property
    def top(self) -> Kind | None:
        return self.reasons[0].kind if self.reasons else None

    def sort_key(self) -> tuple[int, int, int, str, int]:
        """Most urgent kind first, then more reasons, then the most recent, then by name."""
        if not self.reasons:
            return (len(Kind), 0, 0, self.facts.name.casefold(), self.facts.client_id)
        newest = max((r.on for r in self.reasons if r.on is not None), default=None)
        recency = -newest.toordinal() if newest is not None else 0
        return (
            int(self.reasons[0].kind),
            -len(self.reasons),
            recency,
            self.facts.name.casefold(),
            self.facts.client_id,
        )


def _day(d: date) -> str:
    return f"{d.day} {d:%b}"


def expected_sessions(
    start: date, end: date, phase_started_on: date | None, every_days: int
) -> list[date]:
    """The days from ``start`` to ``end`` (inclusive) on which a session was due: every
    ``every_days`` days counted from the phase's start (never before it)."""
    if phase_started_on is None or every_days < 1:
        return []
    first = max(start, phase_started_on)
    days = []
    d = first
    while d <= end:
        if (d - phase_started_on).days % every_days == 0:
            days.append(d)
        d += timedelta(days=1)
    return days


def _done_in(session_days: Iterable[date], start: date, end: date) -> int:
    return sum(1 for d in session_days if start <= d <= end)


def red_responses(facts: ClientFacts, protocol: Protocol) -> list[Reason]:
    """Red rehab check-ins and red run check-ins in the protocol's red-day window."""
    window = protocol.progression.red_day_window_days
    since = facts.today - timedelta(days=window - 1)
    rehab_reds = sorted(
        c.day
        for c in facts.checkins
        if since <= c.day <= facts.today and response_light(protocol, c) == "red"
    )
    run_reds: list[date] = []
    if protocol.running is not None:
        baseline = _baseline_pain(facts)
        for run in facts.runs:
            if not since <= run.on <= facts.today:
                continue
            verdict = evaluate(protocol.running.treat, run.response, run.on, facts.today, baseline)
            if verdict.colour is Colour.RED:
                run_reds.append(run.on)
    out = []
    for days, what in ((rehab_reds, "rehab check-in"), (sorted(run_reds), "run check-in")):
        if not days:
            continue
        count = len(days)
        plural = "s" if count != 1 else ""
        text = f"{count} red {what}{plural} in the last {window} days (latest {_day(days[-1])})"
        out.append(Reason(Kind.RED_RESPONSE, text, days[-1], count))
    return out


def _baseline_pain(facts: ClientFacts) -> int:
    """The client's usual pain for run colours: their latest NPRS, rounded down (0 without)."""
    past = [s for d, s in facts.nprs if d <= facts.today]
    return max(0, min(10, int(past[-1]))) if past else 0


def outcome_worse(facts: ClientFacts, protocol: Protocol) -> list[Reason]:
    """The latest NPRS or PSFS worse than the previous or the first score by the MCID."""
    out = []
    for series, change, name in (
        (facts.nprs, nprs_change, "Pain (NPRS)"),
        (facts.psfs, psfs_change, "Function (PSFS)"),
    ):
        if len(series) < 2:
            continue
        latest_day, latest = series[-1]
        worst = None
        for ref_day, ref in dict.fromkeys((series[-2], series[0])):
            c = change(protocol, ref, latest)
            if (
                c.direction == "worse"
                and c.meaningful
                and (worst is None or c.improvement < worst[1].improvement)
            ):
                worst = (ref_day, c)
        if worst is None:
            continue
        ref_day, c = worst
        text = (
            f"{name} worse: {c.baseline:g} on {_day(ref_day)} → {c.current:g} on "
            f"{_day(latest_day)}, beyond the smallest change that matters"
        )
        out.append(Reason(Kind.OUTCOME_WORSE, text, latest_day))
    return out


def session_reasons(facts: ClientFacts, protocol: Protocol, t: Thresholds) -> list[Reason]:
    """Missed sessions in the last week and adherence falling fortnight on fortnight."""
    if facts.phase is None or facts.paused_on is not None:
        return []
    try:
        every = protocol.phase(facts.phase).schedule.min_days_between_sessions
    except KeyError:
        return []
    out = []
    today = facts.today
    # Today is not over: it only counts once a session has been done.
    end = today if today in facts.session_days else today - timedelta(days=1)
    start = end - timedelta(days=t.missed_window_days - 1)
    due = expected_sessions(start, end, facts.phase_started_on, every)
    missed = len(due) - min(len(due), _done_in(facts.session_days, start, end))
    if missed >= t.missed_min:
        out.append(
            Reason(
                Kind.MISSED_SESSIONS,
                f"{missed} of {len(due)} sessions missed in the last {t.missed_window_days} days",
                end,
                missed,
            )
        )
    w = t.adherence_window_days
    recent = (end - timedelta(days=w - 1), end)
    before = (recent[0] - timedelta(days=w), recent[0] - timedelta(days=1))
    shares = []
    for a, b in (before, recent):
        due_n = len(expected_sessions(a, b, facts.phase_started_on, every))
        if due_n < t.adherence_min_expected:
            return out
        shares.append(100 * min(due_n, _done_in(facts.session_days, a, b)) / due_n)
    drop = shares[0] - shares[1]
    if drop >= t.adherence_drop_points:
        out.append(
            Reason(
                Kind.ADHERENCE_FALLING,
                f"Sessions done fell from {shares[0]:.0f} % to {shares[1]:.0f} % "
                f"(the last {w} days against the {w} before)",
                end,
            )
        )
    return out


def quiet_reasons(facts: ClientFacts, t: Thresholds) -> list[Reason]:
    """No check-in for days, or the self-assessment not started a while after consenting."""
    today = facts.today
    if facts.phase is None:
        if facts.paused_on is None and (today - facts.linked_on).days >= t.not_started_days:
            since = (today - facts.linked_on).days
            return [
                Reason(
                    Kind.NOT_STARTED,
                    f"Self-assessment not finished {since} days after agreeing to share",
                    facts.linked_on,
                )
            ]
        return []
    if facts.paused_on is not None:
        return []
    last = facts.last_checkin
    if last is not None:
        days = (today - last).days
        if days >= t.no_checkin_days:
            return [
                Reason(Kind.NO_CHECKIN, f"No check-in for {days} days (last {_day(last)})", last)
            ]
        return []
    started = facts.phase_started_on or facts.linked_on
    days = (today - started).days
    if days >= t.no_checkin_days:
        return [Reason(Kind.NO_CHECKIN, f"No check-in yet, {days} days after starting", started)]
    return []


def assess(facts: ClientFacts, protocol: Protocol, thresholds: Thresholds) -> Attention:
    """Every reason this client needs attention today, most urgent first."""
    reasons: list[Reason] = []
    if facts.paused_on is not None:
        reasons.append(
            Reason(
                Kind.RED_FLAG,
                f"Program paused by a red-flag answer on {_day(facts.paused_on)}: "
                "needs your assessment before it can resume",
                facts.paused_on,
            )
        )
    reds = red_responses(facts, protocol)
    if sum(r.count for r in reds) >= thresholds.min_reds:
        reasons += reds
    reasons += outcome_worse(facts, protocol)
    reasons += session_reasons(facts, protocol, thresholds)
    reasons += quiet_reasons(facts, thresholds)
    reasons.sort(key=lambda r: (int(r.kind), -(r.on.toordinal() if r.on else 0)))
    return Attention(facts, tuple(reasons))


def rank(items: Iterable[Attention]) -> list[Attention]:
    """The caseload order: most urgent kind, more reasons, most recent, then by name."""
    return sorted(items, key=Attention.sort_key)


__all__ = [
    "Attention",
    "ClientFacts",
    "Kind",
    "Reason",
    "RunResponse",
    "Thresholds",
    "assess",
    "expected_sessions",
    "load_thresholds",
    "parse_thresholds",
    "rank",
]
