"""Out of the app: the private calendar feed (create, copy, revoke; 404 once revoked) and each
planned run as a FIT workout file, decoded with fitdecode and checked step by step."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar
import pytest
import time_machine
from django.urls import reverse

from backstride.core.protocol import default_protocol
from backstride.core.treat import Audience
from backstride.running import services
from backstride.running.models import CalendarToken

from .conftest import NOW, TODAY, fit_steps

pytestmark = pytest.mark.django_db

LADDER = default_protocol().running.ladder_for(Audience.RETURNING)


def feed_path(html: str) -> str:
    match = re.search(r'value="(http://testserver(/running/calendar/[^"]+\.ics))"', html)
    assert match, "no feed URL on the page"
    return match.group(2)


@time_machine.travel(NOW, tick=False)
def test_calendar_link_lifecycle_create_fetch_renew_revoke(walk_runner, client_for, client):
    owner = client_for(walk_runner)
    page = owner.get(reverse("running:calendar")).content.decode()
    assert "Make my calendar link" in page and ".ics" not in page
    assert owner.get(reverse("running:calendar_create")).status_code == 405  # POST only

    created = owner.post(reverse("running:calendar_create"), follow=True)
    path = feed_path(created.content.decode())
    assert "webcal://testserver/running/calendar/" in created.content.decode()

    feed = client.get(path)  # no login: the token is the secret
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    assert "max-age=" in feed["Cache-Control"] and "private" in feed["Cache-Control"]
    cal = icalendar.Calendar.from_ical(feed.content)
    events = list(cal.walk("VEVENT"))
    rx = services.prescription_for(walk_runner)
    assert [e.decoded("dtstart") for e in events] == [s.on for s in rx.sessions]
    assert str(events[0]["summary"]) == LADDER.rungs[1].label
    assert client.get(path, HTTP_IF_NONE_MATCH=feed["ETag"]).status_code == 304

    renewed = owner.post(reverse("running:calendar_create"), follow=True)
    new_path = feed_path(renewed.content.decode())
    assert new_path != path and "the old one no longer works" in renewed.content.decode()
    assert client.get(path).status_code == 404
    assert client.get(new_path).status_code == 200

    owner.post(reverse("running:calendar_revoke"))
    assert client.get(new_path).status_code == 404
    assert not CalendarToken.objects.filter(user=walk_runner, revoked_at__isnull=True).exists()
    assert "Make my calendar link" in owner.get(reverse("running:calendar")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_unknown_calendar_token_is_404(client, db):
    assert client.get("/running/calendar/not-a-token.ics").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_someone_elses_revoke_leaves_my_link_alone(walk_runner, other_athlete, client_for, client):
    token = services.issue_calendar_token(walk_runner)
    client_for(other_athlete).post(reverse("running:calendar_revoke"))
    assert client.get(reverse("running:calendar_feed", args=[token.token])).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_todays_walk_run_downloads_as_a_fit_workout(walk_runner, client_for):
    rung = LADDER.rungs[1]
    response = client_for(walk_runner).get(reverse("running:workout_fit", args=[TODAY.isoformat()]))
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.ant.fit"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and TODAY.isoformat() in disposition
    assert disposition.endswith('.fit"')
    name, steps = fit_steps(response.content)
    assert name == "Run60s/Walk90s"
    warm, run, walk, repeat, cool = steps
    assert warm["intensity"] == "warmup" and warm["duration_time"] == rung.warm_up_min * 60
    assert run["intensity"] == "active" and run["duration_time"] == rung.run_s
    assert run["target_type"] == "speed"
    assert walk["intensity"] == "recovery" and walk["duration_time"] == rung.walk_s
    assert repeat["duration_type"] == "repeat_until_steps_cmplt"
    assert repeat["repeat_steps"] == rung.repeats
    assert cool["intensity"] == "cooldown"


@time_machine.travel(NOW, tick=False)
def test_fit_download_only_for_a_planned_run_of_your_own(walk_runner, clinician, client_for):
    owner = client_for(walk_runner)
    rest_day = next(
        d
        for d in (TODAY + timedelta(days=n) for n in range(1, 8))
        if d not in {s.on for s in services.prescription_for(walk_runner).sessions}
    )
    assert owner.get(reverse("running:workout_fit", args=[rest_day.isoformat()])).status_code == 404
    assert owner.get("/running/workouts/2025-13-45.fit").status_code == 404
    url = reverse("running:workout_fit", args=[TODAY.isoformat()])
    assert client_for(clinician).get(url).status_code in (403, 404)
    assert client_for(None).get(url).status_code == 302
