"""Who may see whose form checks: the runner, and their clinician with consent; anyone else 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.accounts.models import AuditEvent, CareLink
from backstride.formcheck.models import FormCheck
from tests.conftest import ATHLETE_PAGE_STATUS, ROLES

from .conftest import make_done_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(athlete) -> FormCheck:
    return make_done_check(athlete)


def client_urls(check: FormCheck) -> dict[str, str]:
    a = check.athlete_id
    return {
        "client_list": reverse("formcheck:client_list", args=[a]),
        "client_detail": reverse("formcheck:client_detail", args=[a, check.pk]),
        "client_status": reverse("formcheck:client_status", args=[a, check.pk]),
        "client_frame": reverse("formcheck:client_frame", args=[a, check.pk, 0]),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["client_list", "client_detail", "client_status", "client_frame"])
def test_client_pages_follow_the_care_link(role, page, people, client_for, check):
    response = client_for(people[role]).get(client_urls(check)[page])
    assert response.status_code == ATHLETE_PAGE_STATUS[role], (role, page)


OWN_OBJECT_PAGES = ["detail", "status", "delete"]


@pytest.mark.parametrize("page", [*OWN_OBJECT_PAGES, "frame"])
def test_someone_elses_check_is_a_404_on_the_own_pages(page, other_athlete, client_for, check):
    args = [check.pk, 0] if page == "frame" else [check.pk]
    response = client_for(other_athlete).get(reverse(f"formcheck:{page}", args=args))
    assert response.status_code == 404


def test_the_owner_sees_their_own_pages(athlete, client_for, check):
    client = client_for(athlete)
    for page in ["list", "upload"]:
        assert client.get(reverse(f"formcheck:{page}")).status_code == 200
    for page in OWN_OBJECT_PAGES:
        assert client.get(reverse(f"formcheck:{page}", args=[check.pk])).status_code == 200
    picture = client.get(reverse("formcheck:frame", args=[check.pk, 0]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert picture.content[:2] == b"\xff\xd8"
    assert client.get(reverse("formcheck:frame", args=[check.pk, 99])).status_code == 404


def test_a_clinician_cannot_delete_or_upload(clinician, client_for, check):
    client = client_for(clinician)
    assert client.post(reverse("formcheck:delete", args=[check.pk])).status_code == 403
    assert client.get(reverse("formcheck:upload")).status_code == 403
    assert FormCheck.objects.filter(pk=check.pk).exists()


def test_another_athlete_cannot_delete(other_athlete, client_for, check):
    assert (
        client_for(other_athlete).post(reverse("formcheck:delete", args=[check.pk])).status_code
        == 404
    )
    assert FormCheck.objects.filter(pk=check.pk).exists()


def test_the_clinicians_reading_is_logged_and_read_only(clinician, athlete, client_for, check):
    page = client_for(clinician).get(client_urls(check)["client_detail"])
    assert page.status_code == 200
    assert b"read-only" in page.content
    assert reverse("formcheck:delete", args=[check.pk]).encode() not in page.content
    assert (
        reverse("formcheck:client_frame", args=[athlete.pk, check.pk, 0]).encode() in page.content
    )
    event = AuditEvent.objects.filter(actor=clinician, athlete=athlete).latest("pk")
    assert event.what == "a running-form check"


def test_consent_withdrawn_closes_the_pages(clinician, athlete, client_for, check):
    CareLink.objects.filter(clinician=clinician, athlete=athlete).delete()
    response = client_for(clinician).get(client_urls(check)["client_detail"])
    assert response.status_code == 404


def test_the_list_compares_first_and_latest(athlete, client_for):
    from tests.core.form.runner import Runner

    make_done_check(athlete, Runner(cadence=150, duration_s=8.0))
    make_done_check(athlete, Runner(cadence=166, duration_s=8.0))
    page = client_for(athlete).get(reverse("formcheck:list"))
    text = page.content.decode()
    assert "First check and latest" in text
    assert "Cadence" in text
    row = text[text.index('<th scope="row">Cadence</th>') :].split("</tr>")[0]
    assert "150 steps a minute" in row and "166 steps a minute" in row and "+16" in row


def test_the_runs_pages_link_to_the_form_check(athlete, client_for):
    page = client_for(athlete).get(reverse("activities:list"))
    assert reverse("formcheck:list").encode() in page.content


def test_a_finished_report_shows_figures_ranges_sources_and_pictures(
    athlete, client_for, check: Any
):
    page = client_for(athlete).get(reverse("formcheck:detail", args=[check.pk]))
    text = page.content.decode()
    assert "Your figures" in text and "Usual range" in text
    assert "doi.org" in text  # each range links its source
    assert text.count('class="contact"') == check.frames.count()
    assert text.count("<line x1=") > 20  # the skeletons and the chart
    assert "Hip height while you ran" in text
    assert "form-advice" not in text and "form-cadence" not in text  # no rule ids
    assert "style=" not in text and "<script>" not in text
