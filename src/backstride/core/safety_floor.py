"""The locked safety minimum that no tailored protocol copy can remove or weaken.

A clinician may tailor numbers and words for one client, but not the safety net. Against a
baseline (the shipped default), a tailored copy must keep:

- every red flag of the baseline, asked in at least the same screens, at the same urgency or
  a more urgent one;
- every red-flag combination, at the same urgency or higher and no higher age threshold;
- every age flag (age plus a history answer), in the same screens, at the same urgency or
  higher, from no higher an age, reading the same answer and counting at least the same ones;
- the re-screen schedule: the weekly screen at least as often, and the "no better after six
  weeks" review no later;
- the brakes on moving up: red- and amber-day windows at least as long, the rise limit no
  looser.

Each problem names the file, the line and the rule that breaks the minimum. Pure Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from backstride.core.protocol import (
    URGENCY_RANK,
    AgeFlag,
    FlagCombination,
    Protocol,
    RedFlag,
    default_protocol,
    parse_protocol,
)
from backstride.core.tables import PathT, ProtocolError, ProtocolIssue, _fmt_path, _LineIndex

_LOCKED = "a tailored copy cannot weaken the safety minimum of the default protocol"
_L = TypeVar("_L", RedFlag, FlagCombination, AgeFlag)
#: One rule of the minimum: the key it is about, whether the copy breaks it, and why.
_Check = tuple[str, bool, str]


def safety_floor_issues(
    text: str, candidate: Protocol, baseline: Protocol, filename: str = "<protocol>"
) -> list[ProtocolIssue]:
    """Every way ``candidate`` (parsed from ``text``) falls below ``baseline``'s safety set."""
    lines = _LineIndex(text)
    issues: list[ProtocolIssue] = []

    def issue(path: PathT, problem: str) -> None:
        issues.append(ProtocolIssue(filename, lines.find(path), _fmt_path(path), problem))

    _compare(
        issue, "red_flags", "red flag", baseline.red_flags, candidate.red_flags, _red_flag_checks
    )
    _compare(
        issue,
        "red_flag_combinations",
        "red-flag combination",
        baseline.flag_combinations,
        candidate.flag_combinations,
        _combination_checks,
        show_urgency=False,
    )
    _compare(
        issue, "age_flags", "age flag", baseline.age_flags, candidate.age_flags, _age_flag_checks
    )

    mine_p, base_p = candidate.progression, baseline.progression
    settings: tuple[tuple[PathT, bool, str], ...] = (
        (
            ("screening", "weekly_every_days"),
            candidate.weekly_every_days > baseline.weekly_every_days,
            f"the weekly safety screen must come at least every {baseline.weekly_every_days} "
            f"days (not {candidate.weekly_every_days})",
        ),
        (
            ("outcomes", "review", "after_days"),
            candidate.outcomes.review_after_days > baseline.outcomes.review_after_days,
            f"the 'no better' review must come within {baseline.outcomes.review_after_days} days",
        ),
        *(
            (
                ("progression", key),
                looser,
                f"'{key}' cannot be looser than the default ({getattr(base_p, key):g})",
            )
            for key, looser in (
                ("red_day_window_days", mine_p.red_day_window_days < base_p.red_day_window_days),
                (
                    "amber_day_window_days",
                    mine_p.amber_day_window_days < base_p.amber_day_window_days,
                ),
                ("rise_points", mine_p.rise_points > base_p.rise_points),
            )
        ),
    )
    for path, broken, problem in settings:
        if broken:
            issue(path, f"{problem}: {_LOCKED}")
    return issues


def _compare(
    issue: Callable[[PathT, str], None],
    section: str,
    what: str,
    kept: Sequence[_L],
    copied: Sequence[_L],
    checks: Callable[[_L, _L], Iterable[_Check]],
    show_urgency: bool = True,
) -> None:
    """Each of ``kept`` (the baseline's) must still be in ``copied`` and pass ``checks``."""
    index = {c.id: i for i, c in enumerate(copied)}
    for base in kept:
        i = index.get(base.id)
        if i is None:
            shown = f" ({base.urgency})" if show_urgency else ""
            issue((section,), f"{what} '{base.id}'{shown} is missing: {_LOCKED}")
            continue
        for key, broken, problem in checks(base, copied[i]):
            if broken:
                issue((section, i, key), f"{problem}: {_LOCKED}")


def _less_urgent(mine: str, base: str) -> bool:
    return URGENCY_RANK[mine] < URGENCY_RANK[base]


def _dropped(base: Sequence[str], mine: Sequence[str]) -> list[str]:
    """The screens of ``base`` that ``mine`` no longer has."""
    return [s for s in base if s not in mine]


def _red_flag_checks(flag: RedFlag, mine: RedFlag) -> tuple[_Check, ...]:
    dropped = _dropped(flag.screens, mine.screens)
    return (
        (
            "urgency",
            _less_urgent(mine.urgency, flag.urgency),
            f"red flag '{flag.id}' is '{flag.urgency}' in the default and cannot be "
            f"'{mine.urgency}'",
        ),
        (
            "screens",
            bool(dropped),
            f"red flag '{flag.id}' must still be asked in the {', '.join(dropped)} screen",
        ),
    )


def _combination_checks(combo: FlagCombination, mine: FlagCombination) -> tuple[_Check, ...]:
    return (
        (
            "urgency",
            _less_urgent(mine.urgency, combo.urgency),
            f"combination '{combo.id}' must stay '{combo.urgency}' or more urgent",
        ),
        (
            "min_age",
            bool(combo.min_age) and (mine.min_age or 0) > combo.min_age,
            f"combination '{combo.id}' must apply from age {combo.min_age}",
        ),
        (
            "flags",
            bool(set(mine.flags) - set(combo.flags) or set(mine.any_of) - set(combo.any_of)),
            f"combination '{combo.id}' may not require more flags than the default",
        ),
    )


def _age_flag_checks(rule: AgeFlag, mine: AgeFlag) -> tuple[_Check, ...]:
    dropped = _dropped(rule.screens, mine.screens)
    return (
        (
            "urgency",
            _less_urgent(mine.urgency, rule.urgency),
            f"age flag '{rule.id}' must stay '{rule.urgency}' or more urgent",
        ),
        (
            "min_age",
            mine.min_age > rule.min_age,
            f"age flag '{rule.id}' must apply from age {rule.min_age} or younger",
        ),
        (
            "answers",
            mine.field != rule.field or bool(set(rule.answers) - set(mine.answers)),
            f"age flag '{rule.id}' must count the answers "
            f"{', '.join(rule.answers)} to '{rule.field}'",
        ),
        (
            "screens",
            bool(dropped),
            f"age flag '{rule.id}' must still apply in the {', '.join(dropped)} screen",
        ),
    )


def parse_tailored(
    text: str, filename: str = "tailored protocol", baseline: Protocol | None = None
) -> Protocol:
    """Parse and validate a tailored copy, then check it against the safety minimum.

    Raises ``ProtocolError`` naming each line that breaks the schema or the minimum.
    """
    protocol = parse_protocol(text, filename=filename)
    issues = safety_floor_issues(text, protocol, baseline or default_protocol(), filename)
    if issues:
        raise ProtocolError.in_line_order(issues)
    return protocol


def check_tailored_file(path: str | Path, baseline: Protocol | None = None) -> Protocol:
    """Load a protocol file and check it against the safety minimum (raises ``ProtocolError``)."""
    resolved = Path(path)
    try:
        text = resolved.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = f"cannot read file: {exc}"
        raise ProtocolError([ProtocolIssue(str(resolved), None, "", problem)]) from None
    return parse_tailored(text, filename=str(resolved), baseline=baseline)


__all__ = ["check_tailored_file", "parse_tailored", "safety_floor_issues"]
