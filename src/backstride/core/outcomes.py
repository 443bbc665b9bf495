"""Outcome measures: numeric pain rating (NPRS) and the Patient-Specific Functional Scale.

- NPRS: 0 (no pain) to 10 (worst imaginable); lower is better. A change is clinically
  important when it reaches the protocol's MCID (default 2 points, or 30 %).
- PSFS: the person names up to 5 activities they find hard because of their back and rates
  each 0 (unable) to 10 (as before the problem); the score is the average; higher is better.
  MCID default 2 points for the average, 3 for a single activity.
- Schedule: at the start and every ``interval_days`` (default 14), and overdue after
  ``max_interval_days`` (default 28).

No licence-restricted questionnaire (Oswestry, Roland-Morris, STarT Back, ...) is implemented:
see docs/licences.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from backstride.core.protocol import Protocol

Measure = Literal["nprs", "psfs"]
MEASURES: dict[str, str] = {
    "nprs": "Pain rating (NPRS, 0-10)",
    "psfs": "Patient-Specific Functional Scale (PSFS, 0-10)",
}


def _check_score(value: float, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
        raise ValueError(f"{name} must be between 0 and 10, got {value!r}")


def nprs_score(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"pain rating must be a whole number from 0 to 10, got {value!r}")
    _check_score(value, "pain rating")
    return value


def psfs_score(protocol: Protocol, ratings: Sequence[int]) -> float:
    """Average of the activity ratings, rounded to 1 decimal."""
    settings = protocol.outcomes.psfs
    if not settings.min_items <= len(ratings) <= settings.max_items:
        raise ValueError(
            f"rate between {settings.min_items} and {settings.max_items} activities, "
            f"got {len(ratings)}"
        )
    for i, rating in enumerate(ratings, start=1):
        if isinstance(rating, bool) or not isinstance(rating, int):
            raise ValueError(f"activity {i}: rating must be a whole number from 0 to 10")
        _check_score(rating, f"activity {i} rating")
    return round(sum(ratings) / len(ratings), 1)


@dataclass(frozen=True)
class Change:
    measure: str
    baseline: float
    current: float
    improvement: float  # positive = better, in points
    percent: float | None  # improvement as % of the room there was to improve, None if no room
    meaningful: bool
    direction: Literal["better", "worse", "same"]
    threshold: float  # the score at which an improvement becomes meaningful
    explanation: str
    source: str

    @property
    def meaningful_improvement(self) -> bool:
        return self.meaningful and self.direction == "better"

    @property
    def label(self) -> str:
        if self.direction == "same" or not self.meaningful:
            return (
                "No clinically important change yet"
                if self.direction != "worse"
                else "Slightly worse"
            )
        return (
            "Clinically important improvement"
            if self.direction == "better"
            else "Clinically important worsening"
        )


def _direction(improvement: float) -> Literal["better", "worse", "same"]:
    if improvement > 0:
        return "better"
    if improvement < 0:
        return "worse"
    return "same"


def nprs_change(protocol: Protocol, baseline: float, current: float) -> Change:
    """Change in pain (lower is better) against the protocol's MCID."""
    _check_score(baseline, "baseline")
    _check_score(current, "current")
    s = protocol.outcomes.nprs
    improvement = round(baseline - current, 2)
    percent = round(100 * improvement / baseline, 1) if baseline else None
    by_points = abs(improvement) >= s.mcid_points
    by_percent = percent is not None and abs(percent) >= s.mcid_percent
    both = by_points and by_percent
    meaningful = (both if s.combine == "both" else by_points or by_percent) and improvement != 0
    threshold = nprs_threshold(protocol, baseline)
    return Change(
        measure="nprs",
        baseline=baseline,
        current=current,
        improvement=improvement,
        percent=percent,
        meaningful=meaningful,
        direction=_direction(improvement),
        threshold=threshold,
        explanation=(
            f"A change of {s.mcid_points:g} points {'and' if s.combine == 'both' else 'or'} "
            f"{s.mcid_percent:g} % in pain is the smallest change people with back pain "
            "usually notice as meaningful."
        ),
        source=protocol.cite(s.sources),
    )


def nprs_threshold(protocol: Protocol, baseline: float) -> float:
    """The pain score at or below which the improvement from ``baseline`` is meaningful."""
    s = protocol.outcomes.nprs
    by_points = baseline - s.mcid_points
    by_percent = baseline * (1 - s.mcid_percent / 100)
    value = min(by_points, by_percent) if s.combine == "both" else max(by_points, by_percent)
    return round(max(0.0, value), 1)


def psfs_change(protocol: Protocol, baseline: float, current: float) -> Change:
    """Change in the PSFS average (higher is better) against the protocol's MCID."""
    _check_score(baseline, "baseline")
    _check_score(current, "current")
    s = protocol.outcomes.psfs
    improvement = round(current - baseline, 2)
    room = 10 - baseline
    percent = round(100 * improvement / room, 1) if room else None
    return Change(
        measure="psfs",
        baseline=baseline,
        current=current,
        improvement=improvement,
        percent=percent,
        meaningful=abs(improvement) >= s.mcid_points_average,
        direction=_direction(improvement),
        threshold=psfs_threshold(protocol, baseline),
        explanation=(
            f"A change of {s.mcid_points_average:g} points in the average score "
            f"({s.mcid_points_single:g} for a single activity) is the smallest change usually "
            "felt as meaningful."
        ),
        source=protocol.cite(s.sources),
    )


def psfs_threshold(protocol: Protocol, baseline: float) -> float:
    return round(min(10.0, baseline + protocol.outcomes.psfs.mcid_points_average), 1)


@dataclass(frozen=True)
class Due:
    due: bool
    overdue: bool
    next_due: date
    reason: str


def outcome_due(protocol: Protocol, last_recorded: date | None, today: date) -> Due:
    """Is an outcome measure due? At the start (never recorded) and every interval."""
    s = protocol.outcomes
    if last_recorded is None:
        return Due(
            True, False, today, "Your first scores give a starting point to compare with later."
        )
    next_due = last_recorded + timedelta(days=s.interval_days)
    overdue_on = last_recorded + timedelta(days=s.max_interval_days)
    if today >= overdue_on:
        return Due(
            True,
            True,
            next_due,
            f"It's been more than {s.max_interval_days // 7} weeks since your last scores.",
        )
    if today >= next_due:
        return Due(
            True, False, next_due, f"It's been {s.interval_days // 7} weeks since your last scores."
        )
    return Due(False, False, next_due, f"Next scores due on {next_due.isoformat()}.")


__all__ = [
    "MEASURES",
    "Change",
    "Due",
    "no_better_review",
    "nprs_change",
    "nprs_score",
    "nprs_threshold",
    "outcome_due",
    "psfs_change",
    "psfs_score",
    "psfs_threshold",
]


def no_better_review(
    protocol: Protocol,
    nprs: Sequence[tuple[date, float]],
    psfs: Sequence[tuple[date, float]],
    today: date,
) -> str | None:
    """Advice to see a clinician when neither pain nor function has improved meaningfully
    ``review_after_days`` (default 6 weeks) after the first scores, else None.

    Only scores recorded at least that long after the first count: before then it is too
    early to say, and an unknown never reassures nor alarms.
    """
    days = protocol.outcomes.review_after_days
    verdicts: list[bool] = []
    for series, change in ((sorted(nprs), nprs_change), (sorted(psfs), psfs_change)):
        if not series:
            continue
        start_day, baseline = series[0]
        late = [score for day, score in series if (day - start_day).days >= days]
        if late and start_day <= today:
            verdicts.append(change(protocol, baseline, late[-1]).meaningful_improvement)
    if not verdicts or any(verdicts):
        return None
    weeks = days // 7
    return (
        f"{weeks} weeks after your first scores, neither your pain nor what you can do has "
        "improved by a clear amount. Back pain that isn't getting better after several weeks "
        "should be reviewed: please book an appointment with your GP or a physiotherapist. "
        "Keep going with the program meanwhile."
    )
