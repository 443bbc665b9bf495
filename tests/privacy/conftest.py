"""Fixtures for the data-rights tests: a private media folder and a runner with a row in every
table the export knows (the demo people and their history, plus everything the demo leaves
out: uploads, a kept form-check video, tokens, two-factor, newsletter, clearances…)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from backstride.accounts.models import ConsentRecord, Invitation, User
from backstride.activities import demo as activities_demo
from backstride.activities.models import ImportBatch, ImportItem
from backstride.api.models import ApiToken
from backstride.clinic.models import TailoringChange
from backstride.formcheck.models import FormCheck
from backstride.newsletter.models import Subscriber
from backstride.privacy.models import DataExport
from backstride.rehab import demo as rehab_demo
from backstride.rehab import models as rehab
from backstride.running import demo as running_demo
from backstride.running.models import CalendarToken
from tests.conftest import load_demo_people
from tests.formcheck.frames import add_contact_frame

KEPT_VIDEO = b"\x00\x00\x00\x18ftypmp42 a kept form-check video"
UPLOAD = b"<?xml version='1.0'?><gpx version='1.1'></gpx>"


@pytest.fixture(autouse=True)
def _private_media(media_root: Path) -> None:
    """Each test stores its files in its own folder: tests/conftest.py's media_root."""


def populate_runner() -> User:
    """runner@example.com with at least one row in every exported table."""
    load_demo_people()
    for loader in (rehab_demo.load_demo, activities_demo.load_demo, running_demo.load_demo):
        loader(StringIO())
    runner = User.objects.get(email="runner@example.com")
    clinician = User.objects.get(email="clinician@example.com")
    now = timezone.now()

    # The clinician reads the record (the access log), and an outsider is refused.
    reader = Client()
    reader.force_login(clinician)
    assert reader.get(reverse("rehab:athlete_detail", args=[runner.pk])).status_code == 200

    # A stop screen the clinician cleared, a "soon" screen the runner saw a GP about.
    screen = rehab.RedFlagScreen.objects.filter(user=runner).first()
    assert screen is not None
    rehab.RedFlagClearance.objects.create(
        screen=screen, clinician=clinician, reason="Examined; safe to resume."
    )
    # The clinician tailored the runner's protocol (shown to the runner, so exported).
    TailoringChange.objects.create(
        athlete=runner,
        clinician=clinician,
        clinician_name="Dr Casey Clinician, clinician",
        reason="Slow to settle after runs.",
        diff=[{"key": "k", "label": "Green pain limit", "before": "3/10", "after": "2/10"}],
        protocol_id="backstride-default",
        protocol_version="1",
    )
    rehab.SeenClinicianDeclaration.objects.create(screen=screen, note="Saw my GP on Monday")
    rehab.AdviceReminder.objects.create(screen=screen, due_on=now.date())
    rehab.OutcomeReminder.objects.create(user=runner, due_on=now.date())

    # Uploads still held by an import, API and calendar tokens, two-factor devices.
    batch = ImportBatch.objects.create(user=runner)
    item = ImportItem.objects.create(batch=batch, name="Morning run.gpx", format="gpx")
    item.upload.save("upload-1", ContentFile(UPLOAD), save=True)
    ApiToken.issue(runner, "spreadsheet", scope="read")
    CalendarToken.objects.create(user=runner)
    TOTPDevice.objects.create(user=runner, name="Phone", confirmed=True)
    StaticDevice.objects.create(user=runner, name="Backup codes", confirmed=True)

    # A finished form check with its video kept, its pose and one contact picture.
    check = FormCheck(
        athlete=runner,
        status=FormCheck.Status.DONE,
        progress=1.0,
        video_name="Side view.mp4",
        keep_video=True,
        report={"metrics": []},
        finished_at=now,
    )
    check.set_landmarks({"fps": 30, "frames": [[0.5, 0.5, 0.9]]})
    check.video.save("video-1", ContentFile(KEPT_VIDEO), save=False)
    check.save()
    add_contact_frame(
        check,
        index=0,
        frame=12,
        foot="left",
        time_s=0.4,
        width=48,
        height=27,
        points=[[0.5, 0.5, 0.9]],
    )

    # Their address on the newsletter, and an earlier export long gone.
    subscriber = Subscriber.objects.create(
        email=runner.email, first_name="Riley", status=Subscriber.Status.CONFIRMED
    )
    ConsentRecord.objects.create(
        kind=ConsentRecord.Kind.NEWSLETTER,
        subscriber_id=subscriber.pk,
        email_hash="x" * 64,
        action=ConsentRecord.Action.CONFIRMED,
    )
    # An invitation they sent their physio, still open.
    Invitation.objects.create(
        inviter=runner,
        direction=Invitation.Direction.CLINICIAN,
        email="physio@example.org",
        nonce="runner-invitation-nonce",
        expires_at=now + timedelta(days=14),
    )
    DataExport.objects.create(
        user=runner,
        status=DataExport.Status.EXPIRED,
        created_at=now - timedelta(days=40),
        finished_at=now - timedelta(days=40),
    )
    return runner


@pytest.fixture
def runner(db: None) -> User:
    return populate_runner()


@pytest.fixture
def demo_clinician(runner: User) -> User:
    return User.objects.get(email="clinician@example.com")


def storage_has(name: str) -> bool:
    return bool(name) and default_storage.exists(name)
