"""The route's start and finish markers are both visible, on a loop too."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from backstride.activities import imports

from .files import gpx_run

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def loop_gpx(points: int = 240) -> bytes:
    """A 3 km loop that ends where it started."""
    start = datetime(2025, 3, 10, 7, 30, tzinfo=UTC)
    rows = []
    for i in range(points + 1):
        angle = 2 * math.pi * i / points
        lat, lon = 46.05 + 0.0043 * math.sin(angle), 14.50 + 0.0062 * (1 - math.cos(angle))
        t = start + timedelta(seconds=5 * i)
        rows.append(
            f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>'
        )
    return (
        '<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk>'
        "<name>Park loop</name><trkseg>" + "".join(rows) + "</trkseg></trk></gpx>"
    ).encode()


def route_svg(client, activity):
    page = client.get(activity.get_absolute_url()).content.decode()
    svg = re.search(r"<svg [^>]*data-route.*?</svg>", page, re.S).group(0)
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    caption = re.search(r'<figcaption id="route-caption">(.*?)</figcaption>', page, re.S).group(1)
    return etree.fromstring(svg.replace("data-route", 'data-route=""')), caption


def test_on_a_loop_the_start_is_drawn_on_top_of_the_finish_and_both_show(athlete, client_for):
    run = imports.import_bytes(athlete, loop_gpx(), "loop.gpx").activity
    svg, caption = route_svg(client_for(athlete), run)
    shapes = [el for el in svg if el.tag in (f"{SVG}rect", f"{SVG}circle")]
    assert [el.get("class") for el in shapes] == ["route-finish", "route-start"]  # start on top
    finish, start = shapes
    assert finish.find(f"{SVG}title").text == "Finish"
    assert start.find(f"{SVG}title").text.startswith("Start")
    # Same place: the finish square fits inside the start ring's hole, so both stay visible.
    size = float(finish.get("width"))
    fx, fy = float(finish.get("x")) + size / 2, float(finish.get("y")) + size / 2
    sx, sy = float(start.get("cx")), float(start.get("cy"))
    assert math.hypot(fx - sx, fy - sy) < 2
    assert size / 2 * math.sqrt(2) < float(start.get("r")) - 1.75  # inside the ring's stroke
    assert "Green ring: start; red square: finish." in caption
    assert "It is a loop" in caption


def test_a_one_way_route_has_separate_markers_and_no_loop_note(athlete, client_for):
    run = imports.import_bytes(athlete, gpx_run(), "run.gpx").activity
    svg, caption = route_svg(client_for(athlete), run)
    assert svg.find(f"{SVG}rect").get("class") == "route-finish"
    assert svg.find(f"{SVG}circle").get("class") == "route-start"
    assert "It is a loop" not in caption
