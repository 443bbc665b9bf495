"""Small activity files written for these tests (the real device files stay in ../shared)."""

from __future__ import annotations

import io
import math
import zipfile
from datetime import UTC, datetime, timedelta


def gpx_run(
    start: datetime = datetime(2025, 3, 10, 7, 30, tzinfo=UTC),
    km: float = 3.0,
    pace_s: float = 360.0,
    step_s: int = 5,
    lat0: float = 46.05,
    lon0: float = 14.50,
    name: str = "Morning run",
    ele: float | None = 300.0,
) -> bytes:
    """A GPX 1.1 run heading north at a steady pace (1 km of latitude ≈ 0.008993°)."""
    points = []
    n = int(km * pace_s / step_s)
    for i in range(n + 1):
        t = start + timedelta(seconds=i * step_s)
        d_km = i * step_s / pace_s
        lat = lat0 + d_km / 111.195
        lon = lon0 + 0.0005 * math.sin(i / 20)
        e = f"<ele>{ele + 5 * math.sin(i / 30):.1f}</ele>" if ele is not None else ""
        points.append(
            f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}">{e}<time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{name}</name><type>running</type><trkseg>"
        + "".join(points)
        + "</trkseg></trk></gpx>"
    ).encode()


def tcx_treadmill(
    start: datetime = datetime(2025, 3, 12, 18, 0, tzinfo=UTC), km: float = 4.0, pace_s=375
) -> bytes:
    """A treadmill run: time, distance, heart rate and cadence — no positions."""
    step = 10
    n = int(km * pace_s / step)
    points = []
    for i in range(n + 1):
        t = start + timedelta(seconds=i * step)
        dist = i * step / pace_s * 1000
        points.append(
            f"<Trackpoint><Time>{t:%Y-%m-%dT%H:%M:%SZ}</Time>"
            f"<DistanceMeters>{dist:.1f}</DistanceMeters>"
            f"<HeartRateBpm><Value>{140 + i % 7}</Value></HeartRateBpm>"
            f"<Cadence>84</Cadence></Trackpoint>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        f"<Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>"
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><Track>'
        + "".join(points)
        + "</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


XXE_GPX = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&xxe;</name><trkseg>
<trkpt lat="46.0" lon="14.0"><time>2025-03-10T07:30:00Z</time></trkpt>
<trkpt lat="46.01" lon="14.0"><time>2025-03-10T07:35:00Z</time></trkpt>
</trkseg></trk></gpx>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&lol9;</name><trkseg>
<trkpt lat="46.0" lon="14.0"><time>2025-03-10T07:30:00Z</time></trkpt>
<trkpt lat="46.01" lon="14.0"><time>2025-03-10T07:35:00Z</time></trkpt>
</trkseg></trk></gpx>"""

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def make_zip(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()
