"""A short GPX run for the load test and the shape tests (no locust import: pytest can use it)."""

from __future__ import annotations

from datetime import datetime, timedelta


def gpx(marker: str, start: datetime) -> bytes:
    """A short, plausible run: 60 points 5 s apart going north at ~3 m/s."""
    points = []
    for i in range(60):
        t = (start + timedelta(seconds=5 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lat = 51.5 + i * 0.000135
        points.append(f'<trkpt lat="{lat:.6f}" lon="-0.1"><ele>20</ele><time>{t}</time></trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="backstride-load" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{marker}</name><trkseg>{''.join(points)}</trkseg></trk></gpx>"
    ).encode()
