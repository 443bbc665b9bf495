"""Your data page, stop sharing, and the old accounts URLs that now lead here."""

import pytest
from django.urls import reverse

from backstride.accounts.models import CareLink
from backstride.accounts.permissions import can_view_athlete

pytestmark = pytest.mark.django_db


def test_your_data_lists_who_can_see_the_record(client_for, athlete, clinician):
    page = client_for(athlete).get(reverse("privacy:your_data")).content.decode()
    assert str(clinician) in page and "Stop sharing" in page
    assert reverse("privacy:access_log") in page and reverse("privacy:delete") in page


def test_your_data_needs_a_login(client):
    response = client.get(reverse("privacy:your_data"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_stop_sharing_removes_clinician_access(client_for, athlete, clinician):
    link = CareLink.objects.get(athlete=athlete)
    response = client_for(athlete).post(reverse("accounts:revoke_sharing", args=[link.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:sharing")
    assert not can_view_athlete(clinician, athlete)


def test_cannot_revoke_another_athletes_link(client_for, athlete, other_athlete, clinician):
    link = CareLink.objects.get(athlete=athlete)
    response = client_for(other_athlete).post(reverse("accounts:revoke_sharing", args=[link.pk]))
    assert response.status_code == 404
    assert can_view_athlete(clinician, athlete)


@pytest.mark.parametrize(
    ("old", "new"),
    [("accounts:your_data", "privacy:your_data"), ("accounts:access_log", "privacy:access_log")],
)
def test_old_account_urls_lead_to_the_new_pages(client_for, athlete, old, new):
    response = client_for(athlete).get(reverse(old))
    assert response.status_code == 302 and response["Location"] == reverse(new)
