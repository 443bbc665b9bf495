"""``backstride form analyze VIDEO``: the running-form check from the command line.

Prints the same figures the report page shows; ``--json`` gives one object with
``cadence_spm``, ``steps``, ``trunk_lean_deg``, ``overstride_ratio``,
``vertical_oscillation_ratio``, ``frames``, ``frames_with_pose`` and ``warnings`` (plus every
other metric and the suggestions), or ``{"error": {"code", "message"}}`` and exit status 2
for a file it cannot read.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from backstride.pose import VideoAnalysis, VideoError, analyze_video


def figures(result: VideoAnalysis) -> dict[str, Any]:
    report = result.report
    out: dict[str, Any] = {}
    for m in report.metrics:
        out[m.measurement.metric] = m.measurement.value
    cadence = next((m for m in report.metrics if m.measurement.metric == "cadence_spm"), None)
    out["steps"] = cadence.measurement.n if cadence else 0
    out.update(
        frames=report.frames,
        frames_with_pose=report.frames_with_pose,
        warnings=list(report.warnings),
        refusals={
            m.measurement.metric: m.measurement.refusal
            for m in report.metrics
            if m.measurement.refusal
        },
        suggestions=[s.text for s in report.suggestions],
        video={
            "width": result.info.width,
            "height": result.info.height,
            "fps": result.info.fps,
            "duration_s": round(result.info.duration_s, 2),
            "frame_step": result.clip_json.get("frame_step", 1),
            # The factor used: the option, else the phone's own capture-rate tag, else 1.
            "slowmo_factor": result.clip_json.get("slowmo_factor", 1.0),
        },
    )
    return out


class Command(BaseCommand):
    help = "Analyse a running video offline: form analyze VIDEO [--json] [--slowmo-factor N]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        analyze = sub.add_parser("analyze", help="Measure running form in a side-on video.")
        analyze.add_argument("video")
        analyze.add_argument("--json", action="store_true", help="One JSON object on stdout.")
        analyze.add_argument(
            "--slowmo-factor",
            type=float,
            default=None,
            help="How much slower than real time the clip plays (8 for 240 fps shown at 30).",
        )
        analyze.add_argument("--view", choices=["side", "rear"], default="side")
        analyze.add_argument("--height-cm", type=float, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        factor = opts["slowmo_factor"]
        height = opts["height_cm"]
        problem = ""
        if factor is not None and not 1 <= factor <= 16:
            problem = "--slowmo-factor must be between 1 (not slow motion) and 16."
        elif height is not None and not 90 <= height <= 250:
            problem = "--height-cm must be a height between 90 and 250 cm."
        try:
            if problem:
                raise VideoError("bad_option", problem)
            result = analyze_video(
                opts["video"],
                slowmo_factor=factor,
                view=opts["view"],
                runner_height_cm=height,
                python=settings.POSE_PYTHON,
            )
        except VideoError as exc:
            error = {"error": {"code": exc.code, "message": str(exc)}}
            if opts["json"]:
                self.stdout.write(json.dumps(error))
            else:
                self.stderr.write(f"Cannot analyse {opts['video']}: {exc}")
            sys.exit(2)
        data = figures(result)
        if opts["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        for name, value in data.items():
            if name not in {"video", "refusals", "suggestions", "warnings"}:
                self.stdout.write(f"{name:28} {value if value is not None else '—'}")
        for name, why in data["refusals"].items():
            self.stdout.write(f"not measured: {name}: {why}")
        for line in data["warnings"]:
            self.stdout.write(f"warning: {line}")
        for line in data["suggestions"]:
            self.stdout.write(f"try next: {line}")
