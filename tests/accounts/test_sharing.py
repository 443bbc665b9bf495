"""The athlete's Sharing page and stopping sharing: once revoked, the clinician sees nothing
more, proven through the real pages and API endpoints a clinician uses."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from backstride.accounts import invitations
from backstride.accounts.models import AuditEvent, CareLink, ConsentRecord, Invitation
from backstride.accounts.tokens import invitation_path
from backstride.activities.models import Activity
from tests.conftest import make_user

from .conftest import send_invitation

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def run(athlete) -> Activity:
    return Activity.objects.create(
        user=athlete,
        title="Alice's river loop",
        start=datetime(2025, 3, 10, 7, 30, tzinfo=UTC),
        timezone=athlete.timezone,
        distance_m=5000.0,
        elapsed_s=1800.0,
        moving_s=1800.0,
    )


def clinician_views(athlete_id: int, run_id: int) -> list[str]:
    """Pages and API operations a clinician reads a client's record through."""
    return [
        reverse("rehab:athlete_detail", args=[athlete_id]),
        reverse("activities:client_list", args=[athlete_id]),
        reverse("activities:client_detail", args=[athlete_id, run_id]),
        reverse("activities:client_load", args=[athlete_id]),
        reverse("running:athlete_plan", args=[athlete_id]),
        reverse("formcheck:client_list", args=[athlete_id]),
        reverse("clinic:client", args=[athlete_id]),
        f"/api/rehab/athletes/{athlete_id}",
        f"/api/activities/athlete/{athlete_id}/",
        f"/api/activities/athlete/{athlete_id}/load",
        f"/api/running/athletes/{athlete_id}/ladder",
        f"/api/formcheck/athlete/{athlete_id}/",
    ]


def test_after_stopping_the_clinician_sees_nothing_more(client_for, athlete, clinician, run):
    reader = client_for(clinician)
    paths = clinician_views(athlete.pk, run.pk)
    before = {path: reader.get(path).status_code for path in paths}
    assert all(status == 200 for status in before.values()), before
    assert "Alice's river loop" in reader.get(f"/api/activities/athlete/{athlete.pk}/").text
    caseload = reader.get("/api/clinic/caseload").json()
    assert [row["id"] for row in caseload] == [athlete.pk]

    link = CareLink.objects.get(athlete=athlete)
    owner = client_for(athlete)
    confirm = page_text(owner.get(reverse("accounts:revoke_sharing", args=[link.pk])))
    assert "Stop sharing with Charlie?" in confirm and "not through the API" in confirm
    assert CareLink.objects.get().is_active  # asking is not doing
    done = owner.post(reverse("accounts:revoke_sharing", args=[link.pk]))
    assert done.status_code == 302 and done["Location"] == reverse("accounts:sharing")

    refused_before = AuditEvent.objects.filter(action="refused").count()
    after = {path: reader.get(path).status_code for path in paths}
    assert all(status == 404 for status in after.values()), after
    assert reader.get("/api/clinic/caseload").json() == []
    # Every refused look at the record is in Alice's log.
    assert AuditEvent.objects.filter(action="refused").count() - refused_before == len(paths)
    withdrawn = ConsentRecord.objects.get(user=athlete, action="withdrawn")
    assert withdrawn.kind == "share_with_clinician" and withdrawn.care_link == link
    assert withdrawn.source == "sharing" and withdrawn.detail == "with Charlie"


def test_stopping_twice_records_one_withdrawal(client_for, athlete, clinician):
    link = CareLink.objects.get(athlete=athlete)
    for _ in range(2):
        client_for(athlete).post(reverse("accounts:revoke_sharing", args=[link.pk]))
    assert ConsentRecord.objects.filter(user=athlete, action="withdrawn").count() == 1
    # The confirm page of a link already stopped just goes back to Sharing.
    again = client_for(athlete).get(reverse("accounts:revoke_sharing", args=[link.pk]))
    assert again.status_code == 302


@pytest.mark.parametrize("who", ["other_athlete", "clinician", "admin_user"])
def test_nobody_else_can_stop_an_athletes_sharing(request, client_for, athlete, clinician, who):
    link = CareLink.objects.get(athlete=athlete)
    user = request.getfixturevalue(who)
    url = reverse("accounts:revoke_sharing", args=[link.pk])
    assert client_for(user).get(url).status_code == 404
    assert client_for(user).post(url).status_code == 404
    assert CareLink.objects.get().is_active


def test_the_sharing_page_shows_every_kind_of_link(client_for, athlete, clinician):
    dana = make_user("dana@otherclinic.example", role="clinician", display_name="Dana")
    erin = make_user("erin.physio@example.org", role="clinician", display_name="Erin")
    frank = make_user("frank@example.org", role="clinician", display_name="Frank")
    CareLink.objects.create(clinician=dana, athlete=athlete)  # made in the admin, no consent
    CareLink.objects.create(
        clinician=frank, athlete=athlete, consented_at=timezone.now(), revoked_at=timezone.now()
    )
    send_invitation(client_for(erin), athlete.email)  # Erin asks Alice
    send_invitation(client_for(athlete), "gp@example.org", as_athlete=True)  # Alice asks her GP

    # The review link is signed with the time (to the second): read the page and make the
    # expected link in the same frozen second, or a tick between them fails the test.
    with time_machine.travel(datetime.now(UTC), tick=False):
        page = page_text(client_for(athlete).get(reverse("accounts:sharing")))
        received = Invitation.objects.get(inviter=erin)
        expected_review_path = invitation_path(received)
    assert "Charlie" in page and "Stop sharing…" in page
    assert "Dana</strong> is waiting for your consent" in page
    assert "Erin</strong> (erin.physio@example.org) asked to see your record" in page
    assert "gp@example.org" in page and "Waiting" in page
    assert "No longer shared with" in page and "Frank" in page
    assert expected_review_path in page  # "Review" opens the consent screen


def test_a_link_made_in_the_admin_opens_only_with_consent(client_for, athlete):
    dana = make_user("dana@otherclinic.example", role="clinician", display_name="Dana")
    link = CareLink.objects.create(clinician=dana, athlete=athlete)
    url = reverse("accounts:consent_link", args=[link.pk])
    owner = client_for(athlete)
    assert "Share your record with Dana?" in page_text(owner.get(url))
    assert "Please tick the box" in page_text(owner.post(url, {}))
    link.refresh_from_db()
    assert link.consented_at is None
    assert owner.post(url, {"consent": "on"})["Location"] == reverse("accounts:sharing")
    link.refresh_from_db()
    assert link.is_active
    record = ConsentRecord.objects.get(user=athlete, kind="share_with_clinician")
    assert record.action == "given" and record.care_link == link
    assert owner.get(url).status_code == 404  # nothing waits any more
    assert client_for(dana).get(url).status_code == 404


def test_only_athletes_have_a_sharing_page(client_for, clinician, editor):
    for user in (clinician, editor):
        assert client_for(user).get(reverse("accounts:sharing")).status_code == 403


def test_the_profile_shows_consents_newest_first(client_for, athlete, clinician):
    link = CareLink.objects.get(athlete=athlete)
    invitations.revoke(athlete, link.pk)
    page = page_text(client_for(athlete).get(reverse("accounts:profile")))
    assert "Withdrew: sharing your record with a clinician (with Charlie)" in page
    assert reverse("accounts:sharing") in page


def test_the_profile_leads_clinicians_to_the_invitation_page(client_for, clinician):
    page = page_text(client_for(clinician).get(reverse("accounts:profile")))
    assert reverse("accounts:invite_client") in page
