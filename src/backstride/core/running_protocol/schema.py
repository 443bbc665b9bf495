"""The T.R.E.A.T. loop and the running ladder as protocol data: model and validation.

``[treat]`` holds the general loop (one change per test, rest of the day, evaluation windows,
traffic-light thresholds, adjustments, spacing, gaps); ``[running]`` holds the Phase 3 return
to running (gate, readiness tests, pace, volume, guards, post-run care and the ladders).

This module gathers the pieces: the rule types live in :mod:`.rules`, the readers in
:mod:`.read_treat` and :mod:`.read_running`. :func:`build_running` is called by the protocol
loader (``core/protocol/``) with its table reader, so every problem is reported like the
rest of the file: file, line, what.

Pure Python: no Django.
"""

from __future__ import annotations

from backstride.core.running_protocol.read_running import build_running
from backstride.core.running_protocol.rules import (
    AUDIENCES,
    BEGINNER_END_MIN,
    READINESS_UNITS,
    RUNG_KINDS,
    WINDOW_WHEN,
    WINDOWS,
    Adjust,
    Colours,
    GapRule,
    Gate,
    Ladder,
    LongestRunGuard,
    NoLongSlow,
    PaceRules,
    PostRunCare,
    ReadinessTest,
    Rung,
    RunningProtocol,
    Spacing,
    Substitute,
    TextRule,
    TreatRules,
    VolumeRules,
    Window,
)

__all__ = [
    "AUDIENCES",
    "BEGINNER_END_MIN",
    "READINESS_UNITS",
    "RUNG_KINDS",
    "WINDOWS",
    "WINDOW_WHEN",
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
