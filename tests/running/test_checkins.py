"""Run check-ins: the flow, the colour shown with its reasons, and bad input saving nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from backstride.activities.models import Sport
from backstride.running import checkins, services
from backstride.running.models import RunCheckIn

from .conftest import NOW, TODAY, checkin_row, session

pytestmark = pytest.mark.django_db

GREEN = {
    "pain_during": "2",
    "pain_after": "1",
    "pain_evening": "",
    "leg_new": "no",
    "leg_spreading": "no",
    "stiffness": "2",
}


def answers(**over):
    base = {"pain_during": 2, "pain_after": 1, "leg_new": False, "leg_spreading": False}
    return checkins.CheckInAnswers(**(base | over))


@time_machine.travel(NOW, tick=False)
def test_run_page_and_today_ask_for_the_checkin(runner, client_for):
    run = session(runner, TODAY)
    client = client_for(runner)
    detail = client.get(reverse("activities:detail", args=[run.pk])).content.decode()
    assert reverse("running:checkin", args=[run.pk]) in detail
    today = client.get(reverse("web:dashboard")).content.decode()
    assert reverse("running:checkin", args=[run.pk]) in today


@time_machine.travel(NOW, tick=False)
def test_green_checkin_shows_colour_word_reasons_and_safety_net(runner, client_for):
    run = session(runner, TODAY)
    client = client_for(runner)
    response = client.post(reverse("running:checkin", args=[run.pk]), GREEN)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'class="badge badge-green"' in page and "Green so far" in page
    assert "Tomorrow morning we will ask" in page
    assert "Source:" in page and "treat-colours" not in page  # sources shown, no rule ids
    assert "999" in page and "111" in page and "bladder or bowel" in page
    detail = client.get(reverse("activities:detail", args=[run.pk])).content.decode()
    assert "Pain during 2/10" in detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain_during", "11", "Choose a whole number from 0 to 10."),
        ("pain_after", "-1", "Choose a whole number from 0 to 10."),
        ("pain_during", "", "Please answer this question."),
        ("leg_new", "maybe", "Choose one of the options."),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_impossible_answers_are_field_errors_and_save_nothing(
    runner, client_for, field, value, message
):
    run = session(runner, TODAY)
    response = client_for(runner).post(
        reverse("running:checkin", args=[run.pk]), GREEN | {field: value}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert RunCheckIn.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_service_refuses_pain_11_even_without_the_form(runner):
    run = session(runner, TODAY)
    with pytest.raises(ValidationError) as exc:
        checkins.record_checkin(runner, run, answers(pain_during=11))
    assert "pain_during" in exc.value.message_dict
    assert RunCheckIn.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_run_dated_in_the_future_cannot_be_checked_in(runner):
    run = session(runner, TODAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="in the future"):
        checkins.record_checkin(runner, run, answers())
    assert RunCheckIn.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_two_checkins_for_one_run_are_impossible(runner):
    run = session(runner, TODAY)
    checkins.record_checkin(runner, run, answers())
    with pytest.raises(ValidationError, match="already has a check-in"):
        checkins.record_checkin(runner, run, answers(pain_during=5))
    assert RunCheckIn.objects.get().pain_during == 2


@time_machine.travel(NOW, tick=False)
def test_database_refuses_a_second_checkin_and_pain_above_10(runner):
    from django.db import IntegrityError, transaction

    run = session(runner, TODAY)
    checkins.record_checkin(runner, run, answers())
    with pytest.raises(IntegrityError), transaction.atomic():
        checkin_row(runner, run)
    other = session(runner, TODAY, hour=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        checkin_row(runner, other, pain_during=11)


@time_machine.travel(NOW, tick=False)
def test_walks_get_no_checkin(runner):
    walk = session(runner, TODAY, sport=Sport.WALK)
    with pytest.raises(ValidationError, match="runs, walk"):
        checkins.record_checkin(runner, walk, answers())


@time_machine.travel(NOW, tick=False)
def test_morning_answer_before_the_next_morning_is_refused(runner, client_for):
    run = session(runner, TODAY)
    c = checkins.record_checkin(runner, run, answers())
    with pytest.raises(ValidationError, match="can be given from"):
        checkins.record_morning(runner, c, 1)
    response = client_for(runner).post(reverse("running:morning", args=[c.pk]), {"pain": "1"})
    assert response.status_code == 422
    c.refresh_from_db()
    assert c.pain_next_morning is None and c.next_morning_at is None


def test_someone_elses_session_is_404(runner, other_athlete, client_for):
    with time_machine.travel(NOW, tick=False):
        run = session(other_athlete, TODAY)
        assert client_for(runner).get(reverse("running:checkin", args=[run.pk])).status_code == 404


def test_green_then_green_morning_moves_to_the_next_rung(runner):
    first_rung = services.prescription_for(runner, TODAY).rung_index
    with time_machine.travel(NOW, tick=False):
        c = checkins.record_checkin(runner, session(runner, TODAY), answers(pain_evening=1))
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        checkins.record_morning(runner, c, 0)
        rx = services.prescription_for(runner)
    assert rx.last_colour == "green"
    assert rx.change is not None and rx.change.from_rung != rx.change.to_rung
    assert rx.rung_index >= first_rung


def test_red_checkin_steps_back_with_its_reason(runner, client_for):
    # climb to rung 2 with greens first
    day = TODAY - timedelta(days=8)
    for _ in range(3):
        with time_machine.travel(NOW - (TODAY - day), tick=False):
            c = checkins.record_checkin(runner, session(runner, day), answers(pain_evening=0))
        with time_machine.travel(NOW - (TODAY - day) + timedelta(days=1), tick=False):
            checkins.record_morning(runner, c, 0)
        day += timedelta(days=2)
    before = services.prescription_for(runner, day).rung_index
    assert before >= 2
    with time_machine.travel(NOW - (TODAY - day), tick=False):
        c = checkins.record_checkin(runner, session(runner, day), answers(pain_during=7))
        outcome = checkins.checkin_outcome(c)
        page = client_for(runner).get(reverse("running:checkin_result", args=[c.pk]))
    assert outcome.colour == "red" and outcome.final
    assert outcome.prescription.rung_index < before
    assert any("step back" in r.text.lower() for r in outcome.reasons)
    assert "badge-red" in page.content.decode() and "Red" in page.content.decode()


def test_evening_answer_missed_that_day_can_be_given_with_the_morning(runner, client_for):
    with time_machine.travel(NOW - timedelta(hours=10), tick=False):  # a morning run
        c = checkins.record_checkin(runner, session(runner, TODAY), answers())
    with time_machine.travel(NOW + timedelta(hours=14), tick=False):
        response = client_for(runner).post(
            reverse("running:morning", args=[c.pk]), {"pain": "0", "pain_evening": "1"}
        )
        assert response.status_code == 302
        c.refresh_from_db()
        assert (c.pain_evening, c.pain_next_morning) == (1, 0)
        assert checkins.verdict_for(c).colour == "green"


@pytest.mark.parametrize("leg", ["leg_new", "leg_spreading"])
@time_machine.travel(NOW, tick=False)
def test_worse_leg_symptoms_after_a_run_ask_the_safety_questions_at_once(runner, leg):
    from backstride.rehab.models import RehabProfile

    RehabProfile.objects.filter(user=runner).update(pending_screen="")
    checkins.record_checkin(runner, session(runner, TODAY), answers(**{leg: True}))
    assert RehabProfile.objects.get(user=runner).pending_screen == "weekly"


@time_machine.travel(NOW, tick=False)
def test_a_run_without_leg_symptoms_asks_no_extra_screen(runner):
    from backstride.rehab.models import RehabProfile

    RehabProfile.objects.filter(user=runner).update(pending_screen="")
    checkins.record_checkin(runner, session(runner, TODAY), answers())
    assert RehabProfile.objects.get(user=runner).pending_screen == ""
