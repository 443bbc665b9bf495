"""The ``analyse_check`` task's work: one queued clip → report, contact pictures, landmarks.

Safe to run twice: a check is claimed with a conditional update (a finished check, or one
another worker is analysing, is left alone), and the results — report, compressed landmarks
and every contact picture — are written in one transaction that first removes whatever an
earlier, interrupted attempt left. The clip is deleted once the check has finished or failed,
unless the runner asked to keep it. Never enqueues anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Final

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backstride.core.form.display import hip_trace, pick_contacts
from backstride.core.form.model import Clip, Contact, LandmarkError
from backstride.core.form.ranges import load_form_ranges
from backstride.lib.files import local_copy
from backstride.pose import VideoError, analyze_video, frames_at

from .images import NotJpeg, jpeg_size
from .models import ContactFrame, FormCheck
from .report import report_to_json

log = logging.getLogger("backstride.formcheck")

#: A check still "processing" after this long was left by a worker that died; take it over.
STALE_CLAIM: Final = timedelta(minutes=15)
#: Contact pictures kept per check, and their width in pixels.
STRIP_SIZE: Final = 8
FRAME_WIDTH: Final = 480
#: Share of the progress bar the estimator gets; the pictures take the rest.
ANALYSIS_SHARE: Final = 0.9
PROGRESS_EVERY_S: Final = 0.5

UNEXPECTED: Final = (
    "The video could not be analysed because of an unexpected error on our side; it has "
    "been logged. Please try again later."
)
VIDEO_GONE: Final = "The video is no longer on the server. Please upload it again."


def claim(check_id: int) -> FormCheck | None:
    """Mark a waiting (or abandoned) check as being analysed by us; ``None`` if not ours."""
    now = timezone.now()
    claimable = Q(status=FormCheck.Status.QUEUED) | Q(
        status=FormCheck.Status.PROCESSING, started_at__lt=now - STALE_CLAIM
    )
    updated = FormCheck.objects.filter(claimable, pk=check_id).update(
        status=FormCheck.Status.PROCESSING,
        started_at=now,
        progress=0.0,
        attempts=F("attempts") + 1,
    )
    if not updated:
        return None
    return FormCheck.objects.defer("landmarks").get(pk=check_id)


def _progress_writer(check: FormCheck) -> Callable[[float], None]:
    last = {"at": 0.0, "value": -1.0}

    def write(fraction: float) -> None:
        value = round(max(0.0, min(1.0, fraction)) * ANALYSIS_SHARE, 3)
        now = time.monotonic()
        if value - last["value"] < 0.01 or now - last["at"] < PROGRESS_EVERY_S:
            return
        last.update(at=now, value=value)
        FormCheck.objects.filter(
            pk=check.pk, status=FormCheck.Status.PROCESSING, started_at=check.started_at
        ).update(progress=value)

    return write


def run_check(check_id: int) -> str:
    """Analyse one check; returns what happened (``done``, ``failed``, ``skipped``)."""
    check = claim(check_id)
    if check is None:
        return "skipped"
    name = check.video.name if check.video else ""
    if not name or not default_storage.exists(name):
        return _fail(check, VIDEO_GONE)
    python = settings.POSE_PYTHON
    try:
        with local_copy(name) as path:  # a temporary copy when the video is on S3
            analysis = analyze_video(
                path,
                slowmo_factor=check.slowmo_factor,
                view=check.view,
                runner_height_cm=check.runner_height_cm,
                on_progress=_progress_writer(check),
                python=python,
            )
            clip = Clip.from_json(analysis.clip_json)
            chosen = pick_contacts(analysis.report.contacts, STRIP_SIZE)
            frame_numbers = [c.frame for c in chosen]
            images = frames_at(path, frame_numbers, max_width=FRAME_WIDTH, python=python)
        frames = _contact_frames(clip, chosen, images)
    except VideoError as exc:
        return _fail(check, str(exc))
    except (LandmarkError, NotJpeg, ValueError):
        log.exception("form check %s: the estimator's output could not be read", check.pk)
        return _fail(check, UNEXPECTED)
    except Exception:
        log.exception("form check %s: unexpected error", check.pk)
        return _fail(check, UNEXPECTED)

    ranges = load_form_ranges()
    trace = hip_trace(clip, check.runner_height_cm, ranges.leg_fraction_of_height)
    report_json = report_to_json(analysis.report, ranges, trace)
    with transaction.atomic():
        current = (
            FormCheck.objects.select_for_update()
            .filter(pk=check.pk, status=FormCheck.Status.PROCESSING, started_at=check.started_at)
            .first()
        )
        if current is None:  # deleted meanwhile, or taken over by another worker
            return "skipped"
        ContactFrame.objects.filter(form_check=current).delete()
        for frame in frames:
            frame.form_check = current
        ContactFrame.objects.bulk_create(frames)
        current.report = report_json
        current.set_landmarks(analysis.clip_json)
        current.status = FormCheck.Status.DONE
        current.progress = 1.0
        current.error = ""
        current.finished_at = timezone.now()
        current.save(
            update_fields=["report", "landmarks", "status", "progress", "error", "finished_at"]
        )
    if not current.keep_video:
        _delete_video(current)
    return "done"


def _contact_frames(
    clip: Clip, chosen: Sequence[Contact], images: Sequence[bytes]
) -> list[ContactFrame]:
    """One unsaved ``ContactFrame`` per chosen contact: its picture and its pose."""
    if len(images) != len(chosen):
        raise ValueError(f"asked for {len(chosen)} pictures, got {len(images)}")
    frames = []
    for index, (contact, jpeg) in enumerate(zip(chosen, images, strict=True)):
        width, height = jpeg_size(jpeg)
        pose = clip.frames[contact.frame].landmarks if contact.frame < len(clip.frames) else None
        points = (
            []
            if pose is None
            else [[round(p.x, 4), round(p.y, 4), round(p.visibility, 3)] for p in pose]
        )
        frames.append(
            ContactFrame(
                index=index,
                frame=contact.frame,
                foot=contact.foot,
                time_s=round(contact.time_s, 4),
                image=jpeg,
                width=width,
                height=height,
                points=points,
            )
        )
    return frames


def _fail(check: FormCheck, message: str) -> str:
    """Record why the clip could not be analysed, and delete it (nothing half-done is kept)."""
    with transaction.atomic():
        updated = FormCheck.objects.filter(
            pk=check.pk, status=FormCheck.Status.PROCESSING, started_at=check.started_at
        ).update(
            status=FormCheck.Status.FAILED,
            error=message,
            progress=0.0,
            report=None,
            landmarks=None,
            finished_at=timezone.now(),
        )
        if updated:
            ContactFrame.objects.filter(form_check_id=check.pk).delete()
    if updated:
        _delete_video(check)
    return "failed"


def _delete_video(check: FormCheck) -> None:
    name = check.video.name if check.video else ""
    if name:
        default_storage.delete(name)
        FormCheck.objects.filter(pk=check.pk).update(video="")
