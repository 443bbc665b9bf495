"""Staff reading or changing health data in /admin/ is written to the athlete's access log."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from backstride.accounts.admin_audit import AuditedAdmin
from backstride.accounts.models import AuditEvent
from backstride.rehab.models import CheckIn, ObjectiveTestResult
from backstride.running.models import CalendarToken

pytestmark = pytest.mark.django_db

HEALTH_APPS = {"rehab", "activities", "running", "formcheck"}
#: Registered in those apps but holding no health data.
NOT_HEALTH = {CalendarToken}


def checkin(user, day=date(2026, 11, 2)) -> CheckIn:
    return CheckIn.objects.create(user=user, day=day, pain_now=3, leg_symptoms="none")


def events(**filters):
    return list(AuditEvent.objects.filter(channel="admin", **filters).order_by("pk"))


def test_every_admin_of_health_data_is_audited():
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in HEALTH_APPS
        and model not in NOT_HEALTH
        and not isinstance(model_admin, AuditedAdmin)
    ]
    assert unaudited == []


def test_a_list_page_logs_one_read_per_athlete_listed(
    admin_user, athlete, other_athlete, client_for
):
    checkin(athlete)
    checkin(athlete, date(2026, 11, 3))
    checkin(other_athlete)
    checkin(admin_user)  # the admin's own row: not logged
    c = client_for(admin_user)
    response = c.get(reverse("admin:rehab_checkin_changelist"))
    assert response.status_code == 200
    logged = events()
    assert sorted(e.athlete_id for e in logged) == sorted([athlete.pk, other_athlete.pk])
    assert {(e.action, e.actor_id, e.actor_label) for e in logged} == {
        ("read", admin_user.pk, f"{admin_user.display_name}, administrator")
    }
    assert all(e.what == "check ins (admin list)" for e in logged)


def test_opening_and_saving_a_row_logs_a_read_then_a_change(admin_user, athlete, client_for):
    result = ObjectiveTestResult.objects.create(
        user=athlete, test_id="sorensen", value=40, day=date(2026, 11, 2)
    )
    c = client_for(admin_user)
    url = reverse("admin:rehab_objectivetestresult_change", args=[result.pk])
    assert c.get(url).status_code == 200
    saved = c.post(
        url,
        {
            "user": athlete.pk,
            "test_id": "sorensen",
            "value": "55",
            "day": "2026-11-02",
            "created_at_0": "2026-11-02",
            "created_at_1": "08:00:00",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    result.refresh_from_db()
    assert result.value == 55
    assert [(e.action, e.athlete_id) for e in events()] == [
        ("read", athlete.pk),
        ("change", athlete.pk),
    ]


def test_deleting_rows_logs_a_change_per_athlete(admin_user, athlete, other_athlete, client_for):
    rows = [checkin(athlete), checkin(other_athlete)]
    c = client_for(admin_user)
    response = c.post(
        reverse("admin:rehab_checkin_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CheckIn.objects.exists()
    changes = events(action="change")
    assert sorted(e.athlete_id for e in changes) == sorted([athlete.pk, other_athlete.pk])
    assert all(e.what == "check ins (deleted)" for e in changes)


def test_a_nested_path_finds_the_athlete(admin_user, athlete, client_for):
    from backstride.rehab.models import RedFlagClearance, RedFlagScreen

    screen = RedFlagScreen.objects.create(
        user=athlete, kind="initial", stop=True, protocol_id="p", protocol_version="1"
    )
    RedFlagClearance.objects.create(screen=screen, clinician=admin_user, reason="Seen.")
    c = client_for(admin_user)
    assert c.get(reverse("admin:rehab_redflagclearance_changelist")).status_code == 200
    assert [e.athlete_id for e in events()] == [athlete.pk]


def test_the_athlete_sees_admin_reads_in_their_log(admin_user, athlete, client_for):
    checkin(athlete)
    client_for(admin_user).get(reverse("admin:rehab_checkin_changelist"))
    page = client_for(athlete).get(reverse("privacy:access_log")).content.decode()
    assert f"{admin_user.display_name}, administrator" in page and "Admin site" in page


def test_logging_a_list_costs_the_same_queries_for_many_athletes(admin_user, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_user

    c = client_for(admin_user)
    url = reverse("admin:rehab_checkin_changelist")

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    checkin(make_user("first@example.org"))
    few = queries_for_list()
    for n in range(30):
        checkin(make_user(f"many{n}@example.org"))
    assert queries_for_list() == few
    assert AuditEvent.objects.filter(channel="admin").count() == 1 + 31
