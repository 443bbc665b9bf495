"""The one permission layer: who may see whose data."""

import pytest
from django.test import RequestFactory
from django.utils import timezone

from backstride.accounts.models import AuditEvent, CareLink
from backstride.accounts.permissions import (
    can_edit_content,
    can_view_athlete,
    clients_of,
    viewable_athlete,
)

pytestmark = pytest.mark.django_db


def test_athlete_sees_own_record_only(athlete, other_athlete):
    assert can_view_athlete(athlete, athlete)
    assert not can_view_athlete(athlete, other_athlete)


def test_linked_clinician_sees_client_unrelated_does_not(clinician, other_clinician, athlete):
    assert can_view_athlete(clinician, athlete)
    assert not can_view_athlete(other_clinician, athlete)
    assert clients_of(clinician) == [athlete]


def _request(user, path="/rehab/athletes/1/"):
    request = RequestFactory().get(path, REMOTE_ADDR="192.0.2.7")
    request.user = user
    return request


def test_viewable_athlete_by_id_is_none_for_strangers_and_unknown_ids(
    athlete, clinician, other_clinician
):
    assert viewable_athlete(_request(athlete), athlete.pk, what="x") == athlete
    assert viewable_athlete(_request(clinician), athlete.pk, what="x") == athlete
    assert viewable_athlete(_request(other_clinician), athlete.pk, what="x") is None
    assert viewable_athlete(_request(clinician), 999_999, what="x") is None


def test_every_look_by_someone_else_is_logged_and_refusals_too(athlete, clinician, other_clinician):
    viewable_athlete(_request(athlete), athlete.pk, what="runs")
    assert not AuditEvent.objects.exists()  # your own reads are not logged

    viewable_athlete(_request(clinician, "/api/activities/athletes/1"), athlete.pk, what="runs")
    viewable_athlete(_request(other_clinician), athlete.pk, what="rehab record")
    refused, read = AuditEvent.objects.filter(athlete=athlete)
    assert (read.actor, read.action, read.what, read.channel, read.ip) == (
        clinician,
        "read",
        "runs",
        "api",
        "192.0.2.7",
    )
    assert (refused.actor, refused.action, refused.channel) == (other_clinician, "refused", "web")
    assert refused.actor_label == f"{other_clinician.display_name}, clinician"


def test_the_access_log_is_append_only(athlete, clinician):
    viewable_athlete(_request(clinician), athlete.pk, what="runs")
    event = AuditEvent.objects.get()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(what="nothing")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    athlete.delete()  # erasure still takes the athlete's log with them
    assert not AuditEvent.objects.exists()


def test_revoked_or_unconsented_link_gives_no_access(clinician, athlete):
    link = CareLink.objects.get(clinician=clinician, athlete=athlete)
    link.revoked_at = timezone.now()
    link.save()
    assert not can_view_athlete(clinician, athlete)
    link.revoked_at = None
    link.consented_at = None
    link.save()
    assert not can_view_athlete(clinician, athlete)


def test_editors_and_admins_edit_content_nobody_else(athlete, clinician, editor, admin_user):
    from django.contrib.auth.models import AnonymousUser

    assert can_edit_content(editor)
    assert can_edit_content(admin_user)
    assert not can_edit_content(athlete)
    assert not can_edit_content(clinician)
    assert not can_edit_content(AnonymousUser())
    assert not can_view_athlete(AnonymousUser(), athlete)
    assert not can_view_athlete(editor, athlete)


def test_clinician_dashboard_lists_only_consenting_clients(
    client_for, clinician, athlete, other_athlete
):
    page = client_for(clinician).get("/today/", follow=True)  # clinicians land on /clinic/
    assert page.status_code == 200
    body = page.content.decode()
    assert str(athlete) in body
    assert str(other_athlete) not in body
    assert f"/clinic/clients/{athlete.pk}/" in body


def test_clinician_dashboard_puts_paused_clients_first(client_for, clinician, athlete):
    from backstride.rehab.models import RedFlagScreen

    fields = {f.name for f in RedFlagScreen._meta.get_fields()}
    assert {"user", "stop"} <= fields
    from tests.conftest import make_user

    calm = make_user("aaron@example.org", display_name="Aaron")
    CareLink.objects.create(clinician=clinician, athlete=calm, consented_at=timezone.now())
    RedFlagScreen.objects.create(user=athlete, stop=True, urgency="urgent")
    body = client_for(clinician).get("/today/", follow=True).content.decode()
    assert body.index('badge-red">Paused') < body.index("Aaron")


def test_clinician_dashboard_queries_do_not_grow_with_the_caseload(
    client_for, clinician, django_assert_max_num_queries
):
    from tests.conftest import make_user

    for n in range(8):
        extra = make_user(f"client{n}@example.org")
        CareLink.objects.create(clinician=clinician, athlete=extra, consented_at=timezone.now())
    c = client_for(clinician)
    # The redirect to the caseload, then the caseload (its own constant budget, tested at
    # 50 and 500 clients in tests/clinic).
    with django_assert_max_num_queries(16):
        assert c.get("/today/", follow=True).status_code == 200
