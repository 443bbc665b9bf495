"""Service hooks other apps rest on: tailored protocols and data export."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from backstride.core.protocol import DEFAULT_PROTOCOL_PATH, ProtocolError
from backstride.rehab import scoring, services
from backstride.rehab.models import RehabProfile

from .conftest import finish_assessment

pytestmark = pytest.mark.django_db
TEXT = DEFAULT_PROTOCOL_PATH.read_text()


def test_tailored_protocol_applies_to_that_athlete_only(athlete: Any, other_athlete: Any) -> None:
    copy = TEXT.replace('version = "2025.1"', 'version = "2025.1-alice"').replace(
        "min_days_between_sessions = 2", "min_days_between_sessions = 3"
    )
    services.set_tailored_protocol(athlete, copy)
    assert services.protocol_for(athlete).version == "2025.1-alice"
    assert services.protocol_for(athlete).phase(3).schedule.min_days_between_sessions == 3
    assert services.protocol_for(other_athlete).version == "2025.1"
    services.set_tailored_protocol(athlete, "")
    assert services.protocol_for(athlete).version == "2025.1"


def test_broken_tailored_protocol_is_refused_and_not_saved(athlete: Any) -> None:
    with pytest.raises(ProtocolError, match="tailored protocol:"):
        services.set_tailored_protocol(
            athlete, TEXT.replace('urgency = "soon"', 'urgency = "never"', 1)
        )
    assert not RehabProfile.objects.filter(user=athlete).exclude(protocol_text="").exists()


def test_export_contains_every_record_and_is_json(athlete: Any, athlete_client: Any) -> None:
    finish_assessment(athlete_client)
    data = scoring.export_data(athlete)
    json.dumps(data, cls=DjangoJSONEncoder)
    assert data["profile"][0]["phase"] == 1
    assert data["red_flag_screens"][0]["stop"] is False
    assert data["assessments"][0]["data"]["pain"]["pain_now"] == 5
