"""lib/snapshot.py: within a read snapshot a question is asked of the database once, and any
write forgets every answer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backstride.lib.snapshot import reading, remembered
from backstride.rehab.models import RedFlagScreen
from backstride.rehab.records import profile_for, stopping_screen

pytestmark = pytest.mark.django_db

calls: list[object] = []


@remembered
def echo(value: object) -> object:
    calls.append(value)
    return value


def test_outside_a_snapshot_every_call_goes_through():
    calls.clear()
    echo(1), echo(1)
    assert calls == [1, 1]


def test_inside_one_call_per_argument_and_nothing_after_it():
    calls.clear()
    with reading():
        echo(1), echo(1), echo(2)
    echo(1)
    assert calls == [1, 2, 1]


def test_rows_are_keyed_by_model_and_primary_key(athlete, other_athlete):
    with reading(), CaptureQueriesContext(connection) as captured:
        mine = stopping_screen(athlete), stopping_screen(athlete)
        theirs = stopping_screen(other_athlete)
    assert mine == (None, None) and theirs is None
    assert len(captured) == 2


def test_a_save_inside_the_snapshot_forgets_every_answer(athlete):
    with reading():
        assert stopping_screen(athlete) is None
        RedFlagScreen.objects.create(user=athlete, kind="weekly", stop=True, urgency="emergency")
        assert stopping_screen(athlete) is not None


def test_an_unsaved_row_cannot_key_an_answer():
    from backstride.accounts.models import User

    with reading(), pytest.raises(TypeError, match="unsaved"):
        profile_for(User(email="nobody@example.org"))
