"""Benchmark: a 1,000-activity export archive imported end to end, database included.

What it does, in one process (the worker's own code path):

1. builds a zip like a sports platform's export — GPX (some gzipped) and TCX runs of 20-60
   minutes at 1-2 s sampling, plus a CSV and a few photos that are skipped — in a temp dir
   (not timed);
2. ``services.create_batch`` stores the upload and queues the task, as the upload view does;
3. the real database worker (``db_worker --batch``) runs the queued task: it streams the
   archive entry by entry, parses, summarises, checks duplicates under the athlete's lock and
   stores each activity with its original file in its own transaction;
4. reports wall time, activities and points per second, and the process's peak memory (RSS
   high-water mark, everything included: Python, Django, the worker).

    .venv/bin/python bench/import_e2e_bench.py [--count 1000] [--database-url postgres://...]

SQLite (WAL) in a fresh temp directory by default; PostgreSQL with ``--database-url`` (its
test database ``backstride_bench`` is created and dropped).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float | None:
    """Resident memory right now (Linux), to show what the import itself adds."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_s() -> float:
    """CPU time (user + system) of this process: what the import cost, whatever else runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def track(
    head: str,
    point: Callable[[int, datetime], str],
    tail: str,
    start: datetime,
    seconds: int,
    step: int,
) -> tuple[bytes, int]:
    """A track file: ``head``, then ``point(t, when)`` every ``step`` seconds from ``start`` to
    ``seconds`` after it, then ``tail``; and how many points it has."""
    points = [point(t, start + timedelta(seconds=t)) for t in range(0, seconds + 1, step)]
    return (head + "".join(points) + tail).encode(), len(points)


def gpx(start: datetime, seconds: int, step: int, rng: random.Random) -> tuple[bytes, int]:
    lat, lon = 51.5 + rng.uniform(-0.2, 0.2), -0.1 + rng.uniform(-0.2, 0.2)
    heading = rng.uniform(0, 2 * math.pi)
    speed = rng.uniform(2.2, 3.2)

    def point(t: int, when: datetime) -> str:
        nonlocal lat, lon, heading
        heading += rng.uniform(-0.08, 0.08)
        d = speed * step
        lat += d * math.cos(heading) / 111_195
        lon += d * math.sin(heading) / (111_195 * math.cos(math.radians(lat)))
        return (
            f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{30 + 10 * math.sin(t / 300):.1f}</ele>'
            f"<time>{when:%Y-%m-%dT%H:%M:%SZ}</time><extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{140 + t % 17}</gpxtpx:hr><gpxtpx:cad>84</gpxtpx:cad>"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>\n"
        )

    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="bench" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        "<trk><type>running</type><trkseg>"
    )
    return track(head, point, "</trkseg></trk></gpx>\n", start, seconds, step)


def tcx(start: datetime, seconds: int, step: int, rng: random.Random) -> tuple[bytes, int]:
    lat, lon = 48.8 + rng.uniform(-0.2, 0.2), 2.3 + rng.uniform(-0.2, 0.2)
    speed = rng.uniform(2.2, 3.2)

    def point(t: int, when: datetime) -> str:
        nonlocal lat
        lat += speed * step / 111_195
        return (
            f"<Trackpoint><Time>{when:%Y-%m-%dT%H:%M:%SZ}</Time><Position>"
            f"<LatitudeDegrees>{lat:.7f}</LatitudeDegrees><LongitudeDegrees>{lon:.7f}"
            f"</LongitudeDegrees></Position><AltitudeMeters>{35 + t % 7}</AltitudeMeters>"
            f"<DistanceMeters>{speed * t:.1f}</DistanceMeters><HeartRateBpm><Value>{142 + t % 11}"
            "</Value></HeartRateBpm><Cadence>85</Cadence></Trackpoint>\n"
        )

    iso = f"{start:%Y-%m-%dT%H:%M:%SZ}"
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase xmlns="http://www.'
        'garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        f'<Id>{iso}</Id><Lap StartTime="{iso}"><Track>'
    )
    tail = "</Track></Lap></Activity></Activities></TrainingCenterDatabase>\n"
    return track(head, point, tail, start, seconds, step)


def build_archive(path: Path, count: int, seed: int = 4) -> int:
    """A zip export with ``count`` activities; returns the number of track points."""
    rng = random.Random(seed)
    points = 0
    start = datetime(2021, 1, 4, 6, 30, tzinfo=UTC)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("export/profile.csv", "name,value\nrunner,1\n")
        for i in range(3):
            zf.writestr(f"export/media/photo{i}.jpg", rng.randbytes(20_000))
        for i in range(count):
            when = start + timedelta(days=i, minutes=rng.randint(0, 600))
            seconds = rng.randint(20, 60) * 60
            step = 1 if i % 3 else 2
            if i % 5 == 4:
                data, n = tcx(when, seconds, step, rng)
                zf.writestr(f"export/activities/{i:05d}.tcx", data)
            elif i % 5 == 3:
                data, n = gpx(when, seconds, step, rng)
                zf.writestr(f"export/activities/{i:05d}.gpx.gz", gzip.compress(data, 6))
            else:
                data, n = gpx(when, seconds, step, rng)
                zf.writestr(f"export/activities/{i:05d}.gpx", data)
            points += n
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--json", action="store_true", help="Print one JSON line as well.")
    parser.add_argument("--build-only", metavar="ZIP", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:  # child process: keeps the generator's memory out of the measurement
        print(build_archive(Path(args.build_only), args.count))
        return

    work = Path(tempfile.mkdtemp(prefix="import-e2e-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "backstride.settings_test"
    (work / "var").mkdir()
    os.environ["BACKSTRIDE_VAR_DIR"] = str(work / "var")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["TEST_DATABASE_NAME"] = "backstride_import_bench"
    os.environ["LOG_LEVEL"] = "WARNING"

    archive = work / "export.zip"
    t0 = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--count", str(args.count), "--build-only", str(archive)],
        check=True,
        capture_output=True,
        text=True,
    )
    points = int(child.stdout.strip())
    build_s = time.perf_counter() - t0
    size_mb = archive.stat().st_size / 1e6

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from backstride.accounts.models import User
    from backstride.activities import services
    from backstride.activities.models import Activity, ImportItem

    created_db = None
    if connection.vendor == "postgresql":
        created_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    user = User.objects.create_user(email="bench@example.org", password=secrets.token_urlsafe())
    baseline_mb = rss_mb()
    before_mb = current_rss_mb()

    cpu0 = cpu_s()
    t0 = time.perf_counter()
    with archive.open("rb") as fh:
        batch = services.create_batch(
            user, [("export.zip", fh, archive.stat().st_size)], via="bench"
        )
    t_upload = time.perf_counter() - t0
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    total_s = time.perf_counter() - t0
    import_cpu_s = cpu_s() - cpu0
    peak_mb = rss_mb()
    after_mb = current_rss_mb()

    item = batch.items.get(parent__isnull=True)
    entries = item.entries
    imported = entries.filter(status=ImportItem.Status.IMPORTED).count()
    rejected = list(
        entries.exclude(status=ImportItem.Status.IMPORTED).values_list("name", "reason")[:5]
    )
    stored = Activity.objects.filter(user=user).count()
    result = {
        "database": connection.vendor,
        "activities": args.count,
        "imported": imported,
        "stored": stored,
        "points": points,
        "archive_mb": round(size_mb, 1),
        "build_s": round(build_s, 1),
        "upload_s": round(t_upload, 2),
        "total_s": round(total_s, 1),
        "cpu_s": round(import_cpu_s, 1),
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "activities_per_s": round(imported / total_s, 1),
        "points_per_s": round(points / total_s),
        "baseline_rss_mb": round(baseline_mb),
        "peak_rss_mb": round(peak_mb),
        "rss_before_mb": round(before_mb) if before_mb else None,
        "rss_after_mb": round(after_mb) if after_mb else None,
        "cpus": os.cpu_count(),
    }
    print(
        f"Import end to end ({connection.vendor}): {imported}/{args.count} activities "
        f"({points:,} points, archive {size_mb:.0f} MB) in {total_s:.1f} s — "
        f"{imported / total_s:.0f} activities/s, {points / total_s:,.0f} points/s "
        f"(CPU {import_cpu_s:.1f} s; load average {os.getloadavg()[0]:.1f}); "
        f"peak RSS {peak_mb:.0f} MB (high-water mark after Django setup and migrate: "
        f"{baseline_mb:.0f} MB; resident before/after the import: {before_mb or 0:.0f}/"
        f"{after_mb or 0:.0f} MB)."
    )
    targets = total_s < 60 and peak_mb < 300 and imported == args.count
    print(f"Targets (< 60 s, < 300 MB, all imported): {'met' if targets else 'NOT met'}")
    if rejected:
        print("Not imported:", rejected)
    if args.json:
        print(json.dumps(result))
    if created_db:
        connection.creation.destroy_test_db(created_db, verbosity=0)
    sys.exit(0 if targets else 1)


if __name__ == "__main__":
    main()
