"""Delete my account: confirmed, locked out at once, erased by the task queue, logged without
content; files and rows all go, and a clinician's view of that client disappears."""

from __future__ import annotations

import html
import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from backstride.accounts.models import AuditEvent, CareLink, User
from backstride.api.models import ApiToken
from backstride.newsletter.models import Subscriber
from backstride.privacy import deletion, erasing
from backstride.privacy.models import DataExport, DeletionLog
from backstride.rehab.models import CheckIn, RedFlagClearance
from tests.conftest import stored_files

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


def rows_pointing_at(user_id: int) -> dict[str, int]:
    """Every row, in every table, whose foreign key names this person."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is User:
                n = model._base_manager.filter(**{f.attname: user_id}).count()
                if n:
                    found[f"{model._meta.label}.{f.name}"] = n
    return found


def confirm(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("privacy:delete"), {"email": email, "password": password})


def test_deletion_needs_the_email_and_the_password(client_for, athlete):
    c = client_for(athlete)
    wrong_password = html.unescape(confirm(c, athlete.email, "nope").content.decode())
    assert "That password isn't right." in wrong_password
    wrong_email = confirm(c, "someone@example.org")
    assert wrong_email.status_code == 422
    assert "That isn't the email address" in html.unescape(wrong_email.content.decode())
    athlete.refresh_from_db()
    assert athlete.is_active and not DeletionLog.objects.exists()


def test_the_email_may_be_typed_in_any_case(client_for, athlete):
    response = confirm(client_for(athlete), "  " + athlete.email.upper())
    assert response.status_code == 302 and response["Location"] == reverse("privacy:deleted")


def test_deleting_erases_everything_and_every_file(
    runner, demo_clinician, client_for, run_tasks, media_root, django_capture_on_commit_callbacks
):
    runner.set_password(PASSWORD)
    runner.save()
    c = client_for(runner)
    # A ready export, so its zip is among the files to go.
    c.post(reverse("privacy:export_start"))
    run_tasks()
    assert DataExport.objects.get(user=runner, status="ready").file_name
    # Staff changed one of the runner's rows in the admin: its history names the runner.
    LogEntry.objects.create(
        user=User.objects.get(email="admin@example.com"),
        content_type=ContentType.objects.get_for_model(CheckIn),
        object_id=str(CheckIn.objects.filter(user=runner).first().pk),
        object_repr=f"{runner.pk} check-in",
        action_flag=CHANGE,
    )
    before = stored_files(media_root)
    assert len(before) >= 4  # run originals, an upload, a kept video, the export zip
    runner_id, email, name = runner.pk, runner.email, runner.display_name

    probe = client_for(runner)  # another session, on another device
    assert probe.get(reverse("privacy:your_data")).status_code == 200

    response = confirm(c, email)
    assert response.status_code == 302 and response["Location"] == reverse("privacy:deleted")
    assert "_auth_user_id" not in c.session  # signed out at once
    assert probe.get(reverse("privacy:your_data")).status_code == 302  # other sessions too
    # Until the job runs: no way in, and the clinician no longer sees the record.
    assert c.get(reverse("privacy:your_data")).status_code == 302
    clinician = client_for(demo_clinician)
    assert clinician.get(reverse("rehab:athlete_detail", args=[runner_id])).status_code == 404
    assert not ApiToken.objects.active().filter(user_id=runner_id).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == 1
    assert rows_pointing_at(runner_id) == {}
    assert not User.objects.filter(pk=runner_id).exists()
    assert stored_files(media_root) == []
    assert not LogEntry.objects.filter(object_repr__startswith=f"{runner_id} ").exists()
    # The clinician's view of that client is gone for good, and so is the care link.
    assert clinician.get(reverse("rehab:athlete_detail", args=[runner_id])).status_code == 404
    assert not CareLink.objects.filter(clinician=demo_clinician).filter(athlete_id=runner_id)
    # Logged without content: counts and times, no email, name or id of the person.
    log = DeletionLog.objects.get()
    assert log.completed_at is not None and log.files == len(before)
    assert log.rows["accounts.User"] == 1 and log.rows["activities.Activity"] >= 1
    text = json.dumps({"id": str(log.pk), "rows": log.rows})
    assert email not in text and name not in text
    # The newsletter is a separate subscription and stays.
    assert Subscriber.objects.filter(email=email).exists()


def test_logging_in_is_blocked_while_the_deletion_runs(athlete, client_for):
    def can_log_in() -> bool:
        visitor = Client()
        visitor.post(reverse("accounts:login"), {"username": athlete.email, "password": PASSWORD})
        return "_auth_user_id" in visitor.session

    assert can_log_in()
    confirm(client_for(athlete), athlete.email)
    assert User.objects.filter(pk=athlete.pk).exists()  # the job has not run yet
    assert not can_log_in()


def test_a_retried_deletion_does_nothing_twice(athlete, client_for, run_tasks):
    confirm(client_for(athlete), athlete.email)
    log = DeletionLog.objects.get()
    run_tasks()
    assert erasing.erase(athlete.pk, str(log.pk)) is None
    log.refresh_from_db()
    assert log.rows["accounts.User"] == 1


def test_a_job_stopped_half_way_finishes_on_the_next_run(
    athlete, client_for, run_tasks, monkeypatch
):
    confirm(client_for(athlete), athlete.email)
    log = DeletionLog.objects.get()

    def broken(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(User, "delete", broken)
    run_tasks()
    assert User.objects.filter(pk=athlete.pk).exists()  # nothing half-deleted
    monkeypatch.undo()
    assert erasing.erase(athlete.pk, str(log.pk)) is not None
    assert not User.objects.filter(pk=athlete.pk).exists()


def test_a_clinician_who_cleared_a_pause_is_sent_to_an_administrator(
    runner, demo_clinician, client_for
):
    assert RedFlagClearance.objects.filter(clinician=demo_clinician).exists()
    page = client_for(demo_clinician).get(reverse("privacy:delete")).content.decode()
    assert "ask an administrator" in page and "Delete my account for good" not in page
    with pytest.raises(deletion.DeletionRefused):
        deletion.request_deletion(demo_clinician)
    demo_clinician.refresh_from_db()
    assert demo_clinician.is_active


def test_a_deleted_clinician_stays_named_in_the_athletes_log(
    athlete, clinician, client_for, run_tasks
):
    client_for(clinician).get(reverse("rehab:athlete_detail", args=[athlete.pk]))
    clinician.set_password(PASSWORD)
    clinician.save()
    confirm(client_for(clinician), clinician.email)
    run_tasks()
    [event] = AuditEvent.objects.filter(athlete=athlete)
    assert event.actor_id is None and event.actor_label == f"{clinician.display_name}, clinician"


def test_the_confirmation_page_says_what_goes(runner, client_for):
    page = client_for(runner).get(reverse("privacy:delete")).content.decode()
    assert "runs and other activities" in page and "uploaded files" in page
