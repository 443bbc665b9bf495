"""Running pages: the plan with today's session, timer and post-run care; the ladder; every
change tried and its verdict; who may see them; the ceiling hidden from beginners."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from backstride.activities.models import Sport
from backstride.core.protocol import default_protocol
from backstride.core.treat import Audience
from backstride.rehab.models import Assessment
from backstride.running import checkins
from tests.conftest import ATHLETE_PAGE_STATUS, ROLES

from .conftest import NOW, TODAY, green, session

pytestmark = pytest.mark.django_db

LADDER = default_protocol().running.ladder_for(Audience.RETURNING)


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def steps_of(html: str) -> list[dict]:
    match = re.search(r'<script id="run-timer-steps" type="application/json">(.*?)</script>', html)
    assert match, "no timer steps on the page"
    return json.loads(match.group(1))


@time_machine.travel(NOW, tick=False)
def test_plan_puts_todays_walk_run_test_on_top_with_timer_and_care(walk_runner, client_for):
    html = html_of(client_for(walk_runner), reverse("running:plan"))
    today = html[html.index('id="today"') : html.index('id="post-run-care"')]
    first_walk_run = LADDER.rungs[1]
    assert first_walk_run.label in today and "Tries the next step" in today
    assert "For the rest of today:" in today and "The change after this one" in today
    assert "The change being tested" in today and "→" in today
    steps = steps_of(html)
    runs = [s for s in steps if s["kind"] == "run"]
    assert len(runs) == first_walk_run.repeats and {s["secs"] for s in runs} == {60}
    assert steps[0] == {"kind": "walk", "label": "Warm-up walk", "secs": 300}
    assert steps[-1]["label"] == "Cool-down walk"
    care = html[html.index('id="post-run-care"') :]
    assert "rolled towel" in care and "ice" in care and "Heat instead" in care
    assert "French SD" in care  # the Cochrane review behind heat, in full


@time_machine.travel(NOW, tick=False)
def test_patient_sees_sources_but_no_rule_ids(walk_runner, client_for):
    for name in ("plan", "ladder", "history"):
        html = html_of(client_for(walk_runner), reverse(f"running:{name}"))
        assert "Rule <code>" not in html, name
    plan = html_of(client_for(walk_runner), reverse("running:plan"))
    assert "Source: " in plan and "Why this plan?" in plan


@time_machine.travel(NOW, tick=False)
def test_clinician_sees_the_same_plan_read_only_with_rule_ids(walk_runner, clinician, client_for):
    client = client_for(clinician)
    plan = html_of(client, reverse("running:athlete_plan", args=[walk_runner.pk]))
    assert LADDER.rungs[1].label in plan and "Rule <code>treat-one-change</code>" in plan
    assert "data-run-timer" not in plan and ".fit" not in plan and "Check in" not in plan
    assert reverse("activities:client_load", args=[walk_runner.pk]) in plan
    ladder = html_of(client, reverse("running:athlete_ladder", args=[walk_runner.pk]))
    assert f"Rule <code>{LADDER.id}</code>" in ladder
    html_of(client, reverse("running:athlete_history", args=[walk_runner.pk]))


@pytest.mark.parametrize("name", ["athlete_plan", "athlete_ladder", "athlete_history"])
@pytest.mark.parametrize("role", ROLES)
@time_machine.travel(NOW, tick=False)
def test_client_pages_follow_the_permission_layer(name, role, people, client_for, runner):
    url = reverse(f"running:{name}", args=[people["owner"].pk])
    assert client_for(people[role]).get(url).status_code == ATHLETE_PAGE_STATUS[role]


@pytest.mark.parametrize("name", ["plan", "ladder", "history", "calendar", "readiness"])
@time_machine.travel(NOW, tick=False)
def test_own_pages_are_for_the_signed_in_athlete(name, runner, clinician, client_for):
    url = reverse(f"running:{name}")
    assert client_for(None).get(url).status_code == 302
    assert client_for(clinician).get(url).status_code in (403, 404)
    assert client_for(runner).get(url).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_ladder_lists_every_rung_and_marks_where_they_stand(walk_runner, client_for):
    html = html_of(client_for(walk_runner), reverse("running:ladder"))
    for rung in LADDER.rungs:
        assert rung.label in html
    assert html.count('aria-current="step"') == 1
    current = html[html.index('aria-current="step"') :]
    assert LADDER.rungs[0].label in current[:400] and "You are here" in current[:600]
    assert "Cross-trainer for 25 minutes" in html  # what the rung means, in words
    assert "run 60 s and walk 90 s, 6 times (15 min)" in html
    assert f"about {LADDER.weekly_ceiling_km:g} km a week" in html


@time_machine.travel(NOW, tick=False)
def test_beginner_ladder_and_load_chart_have_no_ceiling(runner, client_for):
    Assessment.objects.create(
        user=runner, data={"running": {"last_run": "never", "running_years": 0}}, completed_at=NOW
    )
    beginner = default_protocol().running.ladder_for(Audience.BEGINNER)
    client = client_for(runner)
    ladder = html_of(client, reverse("running:ladder"))
    assert beginner.rungs[-1].label in ladder and "There is no distance target" in ladder
    assert f"{LADDER.weekly_ceiling_km:g} km" not in ladder
    load = client.get(reverse("activities:load"))
    assert "Dashed line" not in load.content.decode()
    assert all(v is None for v in load.context["chart"]["ceiling_km"])


@time_machine.travel(NOW, tick=False)
def test_plan_links_the_weekly_km_chart_with_its_ceiling(walk_runner, client_for):
    plan = html_of(client_for(walk_runner), reverse("running:plan"))
    assert reverse("activities:load") in plan
    load = client_for(walk_runner).get(reverse("activities:load"))
    assert set(load.context["chart"]["ceiling_km"]) == {LADDER.weekly_ceiling_km}


@time_machine.travel(NOW, tick=False)
def test_history_shows_a_green_test_moving_up_and_a_red_stepping_back(runner, client_for):
    green(runner, TODAY - timedelta(days=9), sport=Sport.CROSS_TRAINER, km=0)
    green(runner, TODAY - timedelta(days=7))  # tries the first walk-run rung: green
    red = session(runner, TODAY - timedelta(days=5), km=2.5)  # tries the next rung
    checkins.record_checkin(
        runner,
        red,
        checkins.CheckInAnswers(pain_during=7, pain_after=6, leg_new=False, leg_spreading=False),
    )
    html = html_of(client_for(runner), reverse("running:history"))
    # the cross-trainer session is the rung they start on, not a change
    assert html.count('class="card stack change change-') == 2
    green_card = html[html.index("change change-green") :]
    assert LADDER.rungs[1].label in green_card[:300]
    assert "Moved up to: " + LADDER.rungs[1].label in green_card
    red_card = html[html.index("change change-red") :]
    red_card = red_card[: red_card.index("</li>")]
    assert 'badge badge-red">Red' in red_card and "Stepped back to: " in red_card
    assert "7/10" in red_card and "Source: " in red_card


@time_machine.travel(NOW, tick=False)
def test_history_without_changes_says_so(runner, client_for):
    html = html_of(client_for(runner), reverse("running:history"))
    assert 'id="no-changes"' in html
