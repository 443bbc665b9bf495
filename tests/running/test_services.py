"""The engine's inputs from the database, the guards the activities pages read, the demo."""

from __future__ import annotations

import io

import pytest
import time_machine

from backstride.activities.models import Sport
from backstride.activities.training_load import load_context, this_week
from backstride.core.protocol import default_protocol
from backstride.core.treat import Audience, Status
from backstride.rehab.models import Assessment, ObjectiveTestResult
from backstride.running import services

from .conftest import NOW, TODAY, session

pytestmark = pytest.mark.django_db


def answered_running(user, **answers):
    Assessment.objects.create(user=user, data={"running": answers}, completed_at=NOW)


@time_machine.travel(NOW, tick=False)
def test_returning_runner_sees_the_ladders_ceiling(runner):
    ladder = default_protocol().running.ladder_for(Audience.RETURNING)
    assert services.weekly_ceiling_km(runner) == ladder.weekly_ceiling_km
    assert this_week(runner)["ceiling_km"] == ladder.weekly_ceiling_km


@time_machine.travel(NOW, tick=False)
def test_beginner_never_sees_the_ceiling_as_a_target(runner, client_for):
    answered_running(runner, last_run="never", running_years=0)
    assert services.audience_for(runner) is Audience.BEGINNER
    assert services.weekly_ceiling_km(runner) is None
    ceiling = default_protocol().running.ladder_for(Audience.RETURNING).weekly_ceiling_km
    html = client_for(runner).get("/activities/load/").content.decode()
    assert f"about {ceiling:g} km" not in html
    assert f"about {ceiling:g} km" not in client_for(runner).get("/today/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_tailored_protocol_ceiling_reaches_the_load_page(runner):
    from backstride.core.protocol import DEFAULT_PROTOCOL_PATH
    from backstride.rehab.services import set_tailored_protocol

    text = DEFAULT_PROTOCOL_PATH.read_text().replace(
        "weekly_ceiling_km = 20.0", "weekly_ceiling_km = 15.0", 1
    )
    set_tailored_protocol(runner, text)
    assert load_context(runner)["ceiling_km"] == 15.0


@pytest.mark.parametrize(("km", "flagged"), [(3.3, False), (3.31, True), (2.0, False)])
@time_machine.travel(NOW, tick=False)
def test_longest_run_guard_flags_more_than_10_percent_over(runner, km, flagged):
    from datetime import timedelta

    session(runner, TODAY - timedelta(days=5), sport=Sport.RUN, km=3.0)
    run = session(runner, TODAY, sport=Sport.RUN, km=km)
    check = services.longest_run_check(run)
    assert (check is not None) is flagged
    if check:
        assert check.previous_km == 3.0 and check.max_over_percent == 10


@time_machine.travel(NOW, tick=False)
def test_red_flag_stop_prescribes_nothing(runner):
    from backstride.rehab.models import RedFlagScreen

    RedFlagScreen.objects.create(
        user=runner,
        kind="weekly",
        stop=True,
        urgency="emergency",
        protocol_id="x",
        protocol_version="1",
    )
    rx = services.prescription_for(runner)
    assert rx.status is Status.STOPPED and rx.sessions == ()


@time_machine.travel(NOW, tick=False)
def test_readiness_results_are_also_rehab_objective_tests(athlete):
    from .conftest import place_in_phase

    place_in_phase(athlete)
    services.record_readiness(athlete, {"ready-brisk-walk": (32, False)}, TODAY)
    assert ObjectiveTestResult.objects.get(user=athlete).test_id == "brisk_walk_min"
    assert services.prescription_for(athlete).status is Status.READINESS


def test_demo_runner_plan_is_on_a_walk_run_rung(db):
    from backstride.accounts.models import User
    from backstride.activities.demo import load_demo as activities_demo
    from backstride.rehab.demo import load_demo as rehab_demo
    from backstride.running.demo import load_demo as running_demo
    from tests.conftest import load_demo_people

    load_demo_people()
    out = io.StringIO()
    for load in (rehab_demo, activities_demo, running_demo):
        load(out)
    runner = User.objects.get(email="runner@example.com")
    rx = services.prescription_for(runner)
    assert rx.status is Status.LADDER
    assert rx.runs and rx.runs[0].kind == "walk_run"
    assert rx.last_colour is not None
