"""Demo activities (idempotent: running it again gives the same history, dated from today).

``runner@example.com`` gets about five weeks of return-to-running history: cross-trainer
sessions, walk–runs on a park loop (GPS files synthesised here and imported through the real
importer, so they have splits, a route and an original file), a treadmill run without GPS and
short continuous runs — building from about 5 towards 15 km a week, three sessions a week,
48 h apart. ``athlete@example.com`` (Phase 1) gets nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from backstride.accounts.models import User
from backstride.core.load import week_start

from . import services
from .imports import import_bytes
from .models import Activity, ImportBatch, Sport

# A 1.2 km loop round a park lake (a rounded rectangle drawn in metres, then placed on a map).
LOOP_CENTRE = (51.5273, -0.1540)
METRES_PER_DEG_LAT = 111_195.0


@dataclass(frozen=True)
class Session:
    week: int  # weeks before the current one (5 = five weeks ago)
    weekday: int  # 0 = Monday
    hour: int
    kind: str  # "walk_run" | "run" | "treadmill" | "cross_trainer"
    minutes: float
    run_s: int = 0  # walk–run: run seconds per repeat
    walk_s: int = 0  # walk–run: walk seconds per repeat
    run_kmh: float = 10.0
    effort: int = 4
    notes: str = ""


PLAN = [
    Session(5, 0, 18, "cross_trainer", 25, effort=3, notes="Cross-trainer instead of a run."),
    Session(5, 2, 7, "walk_run", 30, 60, 90, 9.5, 4, "First walk–run. Back fine after."),
    Session(5, 4, 7, "walk_run", 30, 60, 90, 9.5, 4),
    Session(4, 0, 7, "walk_run", 31, 90, 90, 9.5, 4),
    Session(4, 2, 18, "cross_trainer", 30, effort=4),
    Session(4, 4, 7, "walk_run", 31, 90, 60, 9.8, 5, "Bit stiff next morning, settled by 10."),
    Session(3, 0, 7, "walk_run", 30, 120, 60, 9.8, 4),
    Session(3, 2, 18, "treadmill", 22, run_kmh=9.0, effort=5, notes="Treadmill, 1 % incline."),
    Session(3, 4, 8, "walk_run", 26, 120, 60, 10.0, 5),
    Session(2, 0, 7, "walk_run", 30, 180, 60, 10.0, 5),
    Session(2, 2, 7, "walk_run", 31, 240, 60, 10.0, 5),
    Session(2, 4, 18, "cross_trainer", 30, effort=4),
    Session(2, 6, 8, "run", 18, run_kmh=9.8, effort=5, notes="First continuous run!"),
    Session(1, 0, 7, "walk_run", 32, 300, 60, 10.2, 5),
    Session(1, 2, 7, "run", 22, run_kmh=10.0, effort=5),
    Session(1, 4, 18, "treadmill", 20, run_kmh=9.5, effort=5),
    Session(1, 6, 8, "run", 18, run_kmh=10.0, effort=6, notes="Felt strong. No pain after."),
    Session(0, 1, 7, "run", 26, run_kmh=10.2, effort=5),
]


def load_demo(stdout: TextIO) -> None:
    runner = User.objects.filter(email="runner@example.com").first()
    if runner is None:
        stdout.write("Activities demo skipped: load the accounts demo first.\n")
        return
    today = timezone.now().astimezone(runner.tzinfo).date()
    with transaction.atomic():
        # Same history each time, dated from today: clear the runner's demo activities first.
        for activity in Activity.objects.filter(user=runner):
            services.delete_activity(activity)
        ImportBatch.objects.filter(user=runner).delete()
    count = 0
    for session in PLAN:
        start = _start(runner, today, session)
        if start > timezone.now() - timedelta(hours=1):
            continue  # never in the future (early in the week there are fewer sessions)
        _log(runner, session, start)
        count += 1
    stdout.write(f"Activities demo ready: {count} sessions for runner@example.com.\n")


def _start(user: Any, today: date, s: Session) -> datetime:
    monday = week_start(today) - timedelta(weeks=s.week)
    local = datetime.combine(
        monday + timedelta(days=s.weekday), time(s.hour, 5), tzinfo=user.tzinfo
    )
    return local.astimezone(UTC)


def _log(user: Any, s: Session, start: datetime) -> None:
    if s.kind == "cross_trainer":
        services.save_manual_activity(
            user,
            {
                "sport": Sport.CROSS_TRAINER,
                "title": "Cross-trainer",
                "start": start,
                "timezone": user.timezone,
                "distance_m": 0.0,
                "elapsed_s": s.minutes * 60,
                "moving_s": s.minutes * 60,
                "avg_hr": 118.0,
                "perceived_effort": s.effort,
                "notes": s.notes,
            },
        )
        return
    if s.kind == "treadmill":
        data, name = treadmill_tcx(start, s.minutes, s.run_kmh), "treadmill.tcx"
    else:
        data, name = park_loop_gpx(start, s), "park-loop.gpx"
    outcome = import_bytes(user, data, name)
    if outcome.activity is not None:
        title = {"walk_run": "Walk–run", "run": "Easy run", "treadmill": "Treadmill run"}[s.kind]
        sport = Sport.WALK_RUN if s.kind == "walk_run" else Sport.RUN
        activity = outcome.activity  # saved, not update()d: see accounts/freshness.py
        activity.sport, activity.title = sport, title
        activity.perceived_effort, activity.notes = s.effort, s.notes
        activity.save(update_fields=["sport", "title", "perceived_effort", "notes", "updated_at"])


def _loop_point(d: float) -> tuple[float, float]:
    """A point ``d`` metres along a 1.2 km rounded-rectangle loop (x east, y north, metres)."""
    w, h, r = 380.0, 140.0, 60.0  # straight lengths and corner radius
    perimeter = 2 * w + 2 * h + 2 * math.pi * r
    d %= perimeter
    quarter = math.pi * r / 2
    legs: list[tuple[str, float, Any]] = [
        ("line", w, lambda t: (-w / 2 + t, -h / 2 - r)),
        ("arc", quarter, lambda t: (w / 2 + r * math.sin(t / r), -h / 2 - r * math.cos(t / r))),
        ("line", h, lambda t: (w / 2 + r, -h / 2 + t)),
        ("arc", quarter, lambda t: (w / 2 + r * math.cos(t / r), h / 2 + r * math.sin(t / r))),
        ("line", w, lambda t: (w / 2 - t, h / 2 + r)),
        ("arc", quarter, lambda t: (-w / 2 - r * math.sin(t / r), h / 2 + r * math.cos(t / r))),
        ("line", h, lambda t: (-w / 2 - r, h / 2 - t)),
        ("arc", quarter, lambda t: (-w / 2 - r * math.cos(t / r), -h / 2 - r * math.sin(t / r))),
    ]
    for _kind, length, at in legs:
        if d <= length:
            x, y = at(d)
            break
        d -= length
    else:  # pragma: no cover - rounding at the very end of the loop
        x, y = legs[0][2](0.0)
    # A gentle wobble so it looks hand-run, not drawn.
    return x + 3 * math.sin(y / 37), y + 3 * math.sin(x / 41)


def park_loop_gpx(start: datetime, s: Session) -> bytes:
    """A GPX walk–run (or run) round the park loop, one point every 2 s, with heart rate."""
    lat0, lon0 = LOOP_CENTRE
    metres_per_deg_lon = METRES_PER_DEG_LAT * math.cos(math.radians(lat0))
    run_ms, walk_ms = s.run_kmh / 3.6, 1.55
    total_s = int(s.minutes * 60)
    warmup = 300  # five minutes' brisk walk first, then repeats
    points = []
    d = 0.0
    hr = 95.0
    for t in range(0, total_s + 1, 2):
        if s.kind == "run":
            running = t >= warmup // 2
        else:
            cycle = s.run_s + s.walk_s
            running = t >= warmup and (t - warmup) % cycle < s.run_s
        speed = run_ms if running else walk_ms
        speed *= 1 + 0.04 * math.sin(t / 45)
        hr += ((150 if running else 112) - hr) * 0.04
        x, y = _loop_point(d)
        lat = lat0 + y / METRES_PER_DEG_LAT
        lon = lon0 + x / metres_per_deg_lon
        ele = 34 + 4 * math.sin(d / 190)
        when = start + timedelta(seconds=t)
        points.append(
            f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele>'
            f"<time>{when:%Y-%m-%dT%H:%M:%SZ}</time><extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{round(hr)}</gpxtpx:hr><gpxtpx:cad>{82 if running else 58}</gpxtpx:cad>"
            f"</gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
        d += speed * 2
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Backstride demo" xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        "<trk><type>running</type><trkseg>" + "".join(points) + "</trkseg></trk></gpx>"
    ).encode()


def treadmill_tcx(start: datetime, minutes: float, kmh: float) -> bytes:
    """A treadmill run: time, distance, heart rate and cadence every 5 s — no positions."""
    speed = kmh / 3.6
    rows = []
    hr = 100.0
    for t in range(0, int(minutes * 60) + 1, 5):
        warm = t < 240
        v = 1.7 if warm else speed
        hr += ((115 if warm else 146) - hr) * 0.05
        dist = (min(t, 240) * 1.7) + max(0, t - 240) * speed
        when = start + timedelta(seconds=t)
        rows.append(
            f"<Trackpoint><Time>{when:%Y-%m-%dT%H:%M:%SZ}</Time>"
            f"<DistanceMeters>{dist:.1f}</DistanceMeters>"
            f"<HeartRateBpm><Value>{round(hr)}</Value></HeartRateBpm>"
            f"<Cadence>{60 if v < 2 else 83}</Cadence></Trackpoint>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        f"<Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>"
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><Track>'
        + "".join(rows)
        + "</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()
