"""T.R.E.A.T.: one change at a time, judged by the body's response (DESIGN §3).

- :mod:`.schema`: the loop and the running ladder as protocol data (validated on load):
  the types in :mod:`.rules`, the readers in :mod:`.read_treat` and :mod:`.read_running`;
- :mod:`.model`: the engine's typed inputs (profile, history) and output (prescription);
- :mod:`.evaluate`: colour a response green, amber or red;
- :mod:`.loop`: the general step function (any ladder: running, phases, custom activities);
- :mod:`.engine`: ``prescribe(protocol, profile, history, today)``, built on
  :mod:`.compiled` (the protocol worked out once), :mod:`.replay` (where the athlete stands),
  :mod:`.planner` (this week and next) and :mod:`.guards` (pace, distance, volume guards).

Pure Python, no Django.
"""

from backstride.core.treat.engine import prescribe
from backstride.core.treat.evaluate import Verdict, evaluate
from backstride.core.treat.loop import CustomPlan, Trial, custom_plan
from backstride.core.treat.model import (
    Audience,
    Change,
    ChangeRecord,
    Colour,
    History,
    Intervals,
    Kind,
    PaceBand,
    PastRun,
    PlannedSession,
    Prescription,
    Profile,
    ReadinessResult,
    Reason,
    Response,
    SessionRecord,
    Status,
    WeekVolume,
)

__all__ = [
    "Audience",
    "Change",
    "ChangeRecord",
    "Colour",
    "CustomPlan",
    "History",
    "Intervals",
    "Kind",
    "PaceBand",
    "PastRun",
    "PlannedSession",
    "Prescription",
    "Profile",
    "ReadinessResult",
    "Reason",
    "Response",
    "SessionRecord",
    "Status",
    "Trial",
    "Verdict",
    "WeekVolume",
    "custom_plan",
    "evaluate",
    "prescribe",
]
