"""Logging, editing and deleting an activity by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from backstride.activities.forms import parse_duration
from backstride.activities.models import Activity, Source, Sport

from .conftest import make_activity

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 14, 18, 0, tzinfo=UTC)


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "sport": "run",
        "date": "2025-03-14",
        "start_time": "07:30",
        "distance_km": "5.2",
        "duration": "31:12",
        "perceived_effort": "4",
        "avg_hr": "",
        "max_hr": "",
        "avg_cadence": "",
        "elevation_gain_m": "",
        "title": "",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45", 2700), ("32:30", 1950), ("1:05:00", 3900), (" 0:00:01 ", 1), ("90", 5400)],
)
def test_duration_accepts_minutes_mm_ss_and_h_mm_ss(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:60", "1:2:3:4", "1:00:60", "-5", "4.5"])
def test_duration_rejects_nonsense(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@time_machine.travel(NOW, tick=False)
def test_log_a_treadmill_run_by_hand_in_the_athletes_zone(athlete, client_for):
    athlete.timezone = "America/New_York"
    athlete.save()
    response = client_for(athlete).post(
        reverse("activities:log"),
        form_data(avg_hr="142", max_hr="160", avg_cadence="168", notes="Treadmill, 1% incline"),
    )
    activity = Activity.objects.get(user=athlete)
    assert response.status_code == 302
    assert response["Location"] == activity.get_absolute_url()
    # 07:30 in New York on 14 March 2025 (EDT, UTC-4) is 11:30 UTC.
    assert activity.start == datetime(2025, 3, 14, 11, 30, tzinfo=UTC)
    assert activity.timezone == "America/New_York"
    assert activity.distance_m == pytest.approx(5200)
    assert activity.elapsed_s == activity.moving_s == 31 * 60 + 12
    assert activity.source == Source.MANUAL
    assert not activity.has_gps
    assert activity.avg_hr == 142 and activity.avg_cadence == 168
    assert activity.perceived_effort == 4

    page = client_for(athlete).get(activity.get_absolute_url()).content.decode()
    assert "07:30" in page and "America/New_York" in page
    assert "6:00 /km" in page  # 31:12 for 5.2 km
    assert "Pace <small>(moving)</small>" in page
    assert "Treadmill, 1% incline" in page


@time_machine.travel(NOW, tick=False)
def test_cross_trainer_session_without_distance_is_fine(athlete, client_for):
    response = client_for(athlete).post(
        reverse("activities:log"),
        form_data(sport="cross_trainer", distance_km="0", duration="25"),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(user=athlete)
    assert activity.sport == Sport.CROSS_TRAINER
    assert activity.distance_m == 0
    assert activity.moving_s == 1500
    page = client_for(athlete).get(activity.get_absolute_url()).content.decode()
    assert "—" in page  # no pace without distance


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"distance_km": "301"}, "Distance must be 300 km or less."),
        ({"distance_km": "-1"}, "Distance can&#x27;t be negative."),
        ({"distance_km": "five"}, "Enter the distance in kilometres"),
        ({"duration": "0"}, "The duration must be more than zero."),
        ({"duration": "half an hour"}, "Enter the duration as h:mm:ss, mm:ss or minutes"),
        ({"duration": "25:00:00"}, "more than 24 hours"),
        ({"date": "2025-03-15"}, "That date is in the future."),
        ({"start_time": "19:30"}, "That start time is in the future."),
        ({"date": "14/03/2025x"}, "Enter a date"),
        ({"perceived_effort": "11"}, "Choose an effort from 1 to 10."),
        ({"perceived_effort": "0"}, "Choose an effort from 1 to 10."),
        ({"avg_hr": "300"}, "Heart rate must be between 30 and 230 bpm."),
        ({"avg_hr": "150", "max_hr": "140"}, "Maximum heart rate can&#x27;t be lower"),
        ({"distance_km": "20", "duration": "20"}, "60 km/h — please check"),
        ({"sport": "swimming"}, "Select a valid choice."),
    ],
)
def test_invalid_entries_get_a_clear_message_and_nothing_is_saved(
    athlete, client_for, overrides, message
):
    response = client_for(athlete).post(reverse("activities:log"), form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Activity.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_logging_the_same_session_twice_is_refused(athlete, client_for):
    client = client_for(athlete)
    assert client.post(reverse("activities:log"), form_data()).status_code == 302
    # 30 s later by the clock, 1 % longer: the same session.
    again = client.post(reverse("activities:log"), form_data(distance_km="5.25"))
    assert again.status_code == 200
    assert "You already have this activity" in again.content.decode()
    assert Activity.objects.count() == 1
    # A second run the same evening is a different session.
    evening = client.post(reverse("activities:log"), form_data(start_time="17:30"))
    assert evening.status_code == 302
    assert Activity.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_edit_a_hand_logged_activity(athlete, client_for):
    activity = make_activity(athlete, start=NOW - timedelta(hours=3), distance_m=4000)
    client = client_for(athlete)
    page = client.get(reverse("activities:edit", args=[activity.pk])).content.decode()
    assert 'value="4"' in page  # distance pre-filled in km
    response = client.post(
        reverse("activities:edit", args=[activity.pk]),
        form_data(date="2025-03-14", start_time="15:00", distance_km="4.5", notes="Felt fine"),
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.distance_m == pytest.approx(4500)
    assert activity.notes == "Felt fine"
    assert activity.start == datetime(2025, 3, 14, 15, 0, tzinfo=UTC)  # London = UTC in March


@time_machine.travel(NOW, tick=False)
def test_edit_cannot_turn_an_activity_into_a_copy_of_another(athlete, client_for):
    make_activity(athlete, start=datetime(2025, 3, 14, 7, 30, tzinfo=UTC), distance_m=5200)
    second = make_activity(athlete, start=datetime(2025, 3, 13, 7, 30, tzinfo=UTC))
    response = client_for(athlete).post(reverse("activities:edit", args=[second.pk]), form_data())
    assert response.status_code == 200
    assert "You already have this activity" in response.content.decode()
    second.refresh_from_db()
    assert second.start.day == 13


def test_delete_asks_first_then_deletes(athlete, client_for):
    activity = make_activity(athlete)
    client = client_for(athlete)
    confirm = client.get(reverse("activities:delete", args=[activity.pk]))
    assert confirm.status_code == 200
    assert Activity.objects.filter(pk=activity.pk).exists()
    response = client.post(reverse("activities:delete", args=[activity.pk]))
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_list_shows_moving_pace_and_marks_hand_logged(athlete, client_for):
    make_activity(athlete, distance_m=5000, elapsed_s=1800, moving_s=1500, title="Park loop")
    page = client_for(athlete).get(reverse("activities:list")).content.decode()
    assert "Park loop" in page
    assert "5:00 /km" in page  # moving pace, not the 6:00 elapsed pace
    assert "6:00 /km" not in page
    assert "Logged by hand" in page


def test_empty_list_invites_logging_and_uploading(athlete, client_for):
    page = client_for(athlete).get(reverse("activities:list")).content.decode()
    assert "No activities yet" in page
    assert reverse("activities:upload") in page


def test_a_run_much_longer_than_the_last_30_days_is_pointed_out(athlete, client_for):
    base = datetime(2025, 5, 1, 7, tzinfo=UTC)
    make_activity(athlete, start=base, distance_m=4000)
    make_activity(athlete, start=base - timedelta(days=40), distance_m=10000)  # too long ago
    make_activity(athlete, start=base + timedelta(days=2), distance_m=6000, sport="walk")
    ok = make_activity(athlete, start=base + timedelta(days=4), distance_m=4400)
    long = make_activity(athlete, start=base + timedelta(days=6), distance_m=5200)
    client = client_for(athlete)
    assert "Longer than usual" not in client.get(ok.get_absolute_url()).content.decode()
    page = client.get(long.get_absolute_url()).content.decode()
    assert "Longer than usual" in page
    assert "18 % longer" in page and "(4.4 km)" in page
