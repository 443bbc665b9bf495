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

from pathlib import Path

from backstride.core.protocol import (
    URGENCY_RANK,
    Protocol,
    default_protocol,
    parse_protocol,
)
from backstride.core.tables import PathT, ProtocolError, ProtocolIssue, _fmt_path, _LineIndex

_LOCKED = "a tailored copy cannot weaken the safety minimum of the default protocol"


def safety_floor_issues(
    text: str, candidate: Protocol, baseline: Protocol, filename: str = "<protocol>"
) -> list[ProtocolIssue]:
    """Every way ``candidate`` (parsed from ``text``) falls below ``baseline``'s safety set."""
    lines = _LineIndex(text)
    issues: list[ProtocolIssue] = []

    def issue(path: PathT, problem: str) -> None:
        issues.append(ProtocolIssue(filename, lines.find(path), _fmt_path(path), problem))

    index = {f.id: i for i, f in enumerate(candidate.red_flags)}
    for flag in baseline.red_flags:
        i = index.get(flag.id)
        if i is None:
            issue(
                ("red_flags",),
                f"red flag '{flag.id}' ({flag.urgency}) is missing: {_LOCKED}",
            )
            continue
        mine = candidate.red_flags[i]
        if URGENCY_RANK[mine.urgency] < URGENCY_RANK[flag.urgency]:
            issue(
                ("red_flags", i, "urgency"),
                f"red flag '{flag.id}' is '{flag.urgency}' in the default and cannot be "
                f"'{mine.urgency}': {_LOCKED}",
            )
        dropped = [s for s in flag.screens if s not in mine.screens]
        if dropped:
            issue(
                ("red_flags", i, "screens"),
                f"red flag '{flag.id}' must still be asked in the {', '.join(dropped)} "
                f"screen: {_LOCKED}",
            )

    combos = {c.id: i for i, c in enumerate(candidate.flag_combinations)}
    for combo in baseline.flag_combinations:
        i = combos.get(combo.id)
        if i is None:
            issue(
                ("red_flag_combinations",),
                f"red-flag combination '{combo.id}' is missing: {_LOCKED}",
            )
            continue
        mine_c = candidate.flag_combinations[i]
        if URGENCY_RANK[mine_c.urgency] < URGENCY_RANK[combo.urgency]:
            issue(
                ("red_flag_combinations", i, "urgency"),
                f"combination '{combo.id}' must stay '{combo.urgency}' or more urgent: {_LOCKED}",
            )
        if combo.min_age and (mine_c.min_age or 0) > combo.min_age:
            issue(
                ("red_flag_combinations", i, "min_age"),
                f"combination '{combo.id}' must apply from age {combo.min_age}: {_LOCKED}",
            )
        if set(mine_c.flags) - set(combo.flags) or set(mine_c.any_of) - set(combo.any_of):
            issue(
                ("red_flag_combinations", i, "flags"),
                f"combination '{combo.id}' may not require more flags than the default: {_LOCKED}",
            )

    ages = {a.id: i for i, a in enumerate(candidate.age_flags)}
    for rule in baseline.age_flags:
        i = ages.get(rule.id)
        if i is None:
            issue(("age_flags",), f"age flag '{rule.id}' ({rule.urgency}) is missing: {_LOCKED}")
            continue
        mine_a = candidate.age_flags[i]
        if URGENCY_RANK[mine_a.urgency] < URGENCY_RANK[rule.urgency]:
            issue(
                ("age_flags", i, "urgency"),
                f"age flag '{rule.id}' must stay '{rule.urgency}' or more urgent: {_LOCKED}",
            )
        if mine_a.min_age > rule.min_age:
            issue(
                ("age_flags", i, "min_age"),
                f"age flag '{rule.id}' must apply from age {rule.min_age} or younger: {_LOCKED}",
            )
        if mine_a.field != rule.field or set(rule.answers) - set(mine_a.answers):
            issue(
                ("age_flags", i, "answers"),
                f"age flag '{rule.id}' must count the answers "
                f"{', '.join(rule.answers)} to '{rule.field}': {_LOCKED}",
            )
        dropped = [s for s in rule.screens if s not in mine_a.screens]
        if dropped:
            issue(
                ("age_flags", i, "screens"),
                f"age flag '{rule.id}' must still apply in the {', '.join(dropped)} "
                f"screen: {_LOCKED}",
            )

    if candidate.weekly_every_days > baseline.weekly_every_days:
        issue(
            ("screening", "weekly_every_days"),
            f"the weekly safety screen must come at least every {baseline.weekly_every_days} "
            f"days (not {candidate.weekly_every_days}): {_LOCKED}",
        )

    if candidate.outcomes.review_after_days > baseline.outcomes.review_after_days:
        issue(
            ("outcomes", "review", "after_days"),
            "the 'no better' review must come within "
            f"{baseline.outcomes.review_after_days} days: {_LOCKED}",
        )

    mine_p, base_p = candidate.progression, baseline.progression
    for key, looser in (
        ("red_day_window_days", mine_p.red_day_window_days < base_p.red_day_window_days),
        ("amber_day_window_days", mine_p.amber_day_window_days < base_p.amber_day_window_days),
        ("rise_points", mine_p.rise_points > base_p.rise_points),
    ):
        if looser:
            issue(
                ("progression", key),
                f"'{key}' cannot be looser than the default ({getattr(base_p, key):g}): {_LOCKED}",
            )
    return issues


def parse_tailored(
    text: str, filename: str = "tailored protocol", baseline: Protocol | None = None
) -> Protocol:
    """Parse and validate a tailored copy, then check it against the safety minimum.

    Raises ``ProtocolError`` naming each line that breaks the schema or the minimum.
    """
    protocol = parse_protocol(text, filename=filename)
    issues = safety_floor_issues(text, protocol, baseline or default_protocol(), filename)
    if issues:
        raise ProtocolError(sorted(issues, key=lambda i: (i.line or 0, i.path)))
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
