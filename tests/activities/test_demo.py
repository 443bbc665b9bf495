"""Demo runs for runner@example.com: believable, idempotent, GPS and treadmill included."""

from __future__ import annotations

import io

import pytest

from backstride.accounts.demo import load_demo as load_people
from backstride.accounts.models import User
from backstride.activities.demo import load_demo
from backstride.activities.models import Activity
from backstride.activities.training_load import load_context

pytestmark = pytest.mark.django_db


def test_demo_history_is_believable_and_loading_twice_changes_nothing(media_root):
    load_people(io.StringIO())
    load_demo(io.StringIO())
    runner = User.objects.get(email="runner@example.com")
    first = sorted(Activity.objects.filter(user=runner).values_list("start", "distance_m"))
    out = io.StringIO()
    load_demo(out)
    again = sorted(Activity.objects.filter(user=runner).values_list("start", "distance_m"))
    assert first == again
    assert "sessions for runner@example.com" in out.getvalue()
    assert not Activity.objects.filter(user__email="athlete@example.com").exists()

    runs = Activity.objects.filter(user=runner)
    assert runs.filter(has_gps=True).exclude(route_svg="").exists()
    treadmill = runs.filter(title="Treadmill run").first()
    assert treadmill is not None and not treadmill.has_gps and treadmill.avg_hr
    assert runs.filter(sport="cross_trainer").exists()
    assert runs.filter(sport="walk_run").exists()
    gps = runs.filter(has_gps=True).first()
    assert gps.splits and gps.original.format == "gpx"

    weeks = load_context(runner, weeks=6)["rows"][:-1]  # full weeks only
    km = [round(w.running_km, 1) for w in weeks]
    assert km == sorted(km), km  # building week on week
    assert 12 <= km[-1] <= 16, km  # towards ~15 km a week
    assert max(a.distance_m for a in runs) < 6500
    # The demo runner follows the protocol: no run > 10 % over the previous 30 days' longest.
    from backstride.running.services import longest_run_check

    assert [a for a in runs if longest_run_check(a)] == []
