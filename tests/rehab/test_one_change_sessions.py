"""Phase 3 in the app: today's session holds only the exercises introduced so far, and says
which one is new today, why, and from what source (issue 10, one change at a time)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from backstride.core.protocol import default_protocol
from backstride.rehab import guide
from backstride.rehab.models import RehabProfile, SessionLog

from .test_program import check_in, do_session, morning, travel
from .test_safety_controls import FIT, NO_LEGS, place

pytestmark = pytest.mark.django_db

P = default_protocol()
INTRO = P.phase(3).introduce
assert INTRO is not None
ORDER = INTRO.order


def session_ids(page: Any) -> list[str]:
    return [e.id for e in page.context["exercises"]]


def test_phase_3_sessions_introduce_one_new_exercise_after_a_green_response(
    athlete: Any, athlete_client: Any
) -> None:
    from .conftest import CALM_PAIN

    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS, fitness=FIT)
    assert RehabProfile.objects.get(user=athlete).phase == 3
    with travel(0, 18):
        first = athlete_client.get(reverse("rehab:today"))
        # the move into Phase 3 is the change: nothing else new, no loaded or impact work
        assert first.context["new_today"] is None
        assert set(session_ids(first)) <= set(INTRO.start_with)
        assert 'id="new-today"' not in first.content.decode()
        # a tampered form cannot do an exercise not introduced yet
        do_session(athlete_client, done=[*session_ids(first), "goblet_squat"])
        check_in(athlete_client, pain=1)
    assert "goblet_squat" not in SessionLog.objects.get(user=athlete).exercises_done
    with travel(1, 7):
        morning(athlete_client, 1)
    with travel(2, 18):
        second = athlete_client.get(reverse("rehab:today"))
        page = second.content.decode()
        new = P.exercise(ORDER[0])
        assert second.context["new_today"] == new
        assert session_ids(second).count(ORDER[0]) == 1
        assert set(session_ids(second)) <= {*INTRO.start_with, ORDER[0]}
        assert 'id="new-today"' in page and "one change being tested" in page
        assert new.name in page and escape(P.cite(INTRO.sources)) in page
        assert guide.today_summary(athlete).new_today == new.name
        do_session(athlete_client)
        check_in(athlete_client, pain=4)  # amber: repeat this step, nothing new
    with travel(3, 7):
        morning(athlete_client, 1)
    with travel(4, 18):
        third = athlete_client.get(reverse("rehab:today"))
        summary = guide.today_summary(athlete)
    assert third.context["new_today"] is None
    assert ORDER[0] in session_ids(third) or ORDER[0] not in P.phase(3).sessions[0].exercises
    assert ORDER[1] not in session_ids(third)
    assert 'id="no-new-today"' in third.content.decode()
    assert summary.state == "session" and summary.new_today is None
