"""``backstride activity stats FILE [FILE...] [--json]`` without Django.

The command needs no database and no settings, so :func:`backstride.cli.main` sends it here
before Django is imported (Django's set-up roughly doubled the time a one-file call took). The
Django management command (``activities/management/commands/activity.py``) prints the same
lines through :func:`stats_line`, so both paths give the same output and exit codes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import IO, Any

#: What Django prints (on stderr) for the command's final ``CommandError``.
FAILED = "CommandError: {failed} of {total} files could not be read."


def format_duration(seconds: float | None) -> str:
    """1:02:03 for an hour or more, 45:07 below; "—" when unknown."""
    if seconds is None:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_pace(seconds_per_km: float | None) -> str:
    """5:30 /km; "—" when there is no meaningful pace."""
    if not seconds_per_km or seconds_per_km <= 0 or seconds_per_km > 99 * 60:
        return "—"
    minutes, secs = divmod(round(seconds_per_km), 60)
    return f"{minutes}:{secs:02d} /km"


def stats_line(r: dict[str, Any]) -> str:
    """The human-readable line (and indented warnings) for one :func:`.api.file_stats` result."""
    if "error" in r:
        return f"{r['file']}: error: {r['error']}"
    km = (r.get("distance_m") or 0) / 1000
    gain = r.get("elevation_gain_m")
    parts = [
        f"{r['file']}: {r.get('sport')}",
        str(r.get("start") or "no start time"),
        f"{km:.2f} km",
        f"moving {format_duration(r.get('moving_s'))}",
        f"elapsed {format_duration(r.get('elapsed_s'))}",
        f"pace {format_pace(r.get('avg_pace_s_per_km'))}",
        f"climb {gain if gain is not None else '—'} m",
        f"{r.get('points')} points",
    ]
    line = ", ".join(parts)
    for warning in r.get("warnings") or []:
        line += f"\n  warning: {warning}"
    return line


def stats_output(r: dict[str, Any], as_json: bool) -> str:
    """One file's output: a JSON object, or :func:`stats_line`."""
    return json.dumps(r, ensure_ascii=False) if as_json else stats_line(r)


def plain_stats_args(args: Sequence[str]) -> tuple[list[str], bool] | None:
    """``(files, as_json)`` when ``args`` (what follows ``activity stats``) are only file names
    and ``--json``; ``None`` for anything else (help, Django's own options, no file), which
    Django's command then handles exactly as before."""
    files: list[str] = []
    as_json = False
    only_files = False
    for arg in args:
        if only_files:
            files.append(arg)
        elif arg == "--":
            only_files = True
        elif arg == "--json":
            as_json = True
        elif arg.startswith("-"):
            return None
        else:
            files.append(arg)
    return (files, as_json) if files else None


def main(
    args: Sequence[str], stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int | None:
    """Run ``activity stats`` with ``args`` (what follows ``activity stats``) and return the
    exit code, or ``None`` when the arguments need Django's full command line parser."""
    parsed = plain_stats_args(args)
    if parsed is None:
        return None
    files, as_json = parsed
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    from .api import file_stats  # numpy and lxml load here, once the arguments are known

    failed = 0
    for name in files:
        result = file_stats(name)
        failed += "error" in result
        out.write(stats_output(result, as_json) + "\n")
        out.flush()
    if failed:
        err.write(FAILED.format(failed=failed, total=len(files)) + "\n")
        return 1
    return 0
