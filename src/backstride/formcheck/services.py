"""The form check's rules: accept a clip (checked by content), queue it, list, compare, delete.

Pages and the API both call these. Nothing is analysed inside the request: the clip is
stored under a generated name, probed (container only: a second or so), and queued; the
``analyse_check`` task (``tasks`` → ``processing``) does the work.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from backstride.lib.files import local_copy
from backstride.lib.queue import enqueue_after_commit
from backstride.pose import VideoError, VideoInfo, estimator_status, probe

from .models import FormCheck
from .report import ReportView, compare
from .tasks import analyse_check

log = logging.getLogger("backstride.formcheck")

MB: Final = 1024 * 1024
#: Real-time length a clip must have: enough steps to count, short enough to stay quick.
MIN_SECONDS: Final = 5.0
MAX_SECONDS: Final = 30.0
#: Slow-motion answers offered to the runner (factor → words).
SLOWMO_CHOICES: Final = ((1, "No"), (4, "4× (120 fps)"), (8, "8× (240 fps)"))
#: Clips one runner may have waiting or being analysed at once.
MAX_UNFINISHED: Final = 3
HEIGHT_RANGE_CM: Final = (100.0, 230.0)
ANALYSER_MISSING: Final = (
    "The video analyser is not installed on this server, so videos cannot be analysed yet. "
    "Please ask whoever runs this site to install it."
)


class Rejected(Exception):
    """An upload refused with a sentence for the runner; ``status`` is the HTTP status to use."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def max_upload_bytes() -> int:
    return int(settings.FORM_MAX_UPLOAD_MB) * MB


def too_big_message(size: int | None = None) -> str:
    limit = settings.FORM_MAX_UPLOAD_MB
    if size is None:
        return f"The video is too large: the limit is {limit} MB. Film 5–30 seconds only."
    return (
        f"The video is too large ({size / MB:.0f} MB; the limit is {limit} MB). "
        "Film 5–30 seconds only, or trim the clip on your phone first."
    )


@dataclass(frozen=True)
class CheckOptions:
    """What the runner told us about the clip."""

    view: str = FormCheck.View.SIDE
    slowmo_factor: float = 1.0
    runner_height_cm: float | None = None
    keep_video: bool = False

    def validate(self) -> None:
        if self.view not in FormCheck.View.values:
            raise Rejected("Choose whether you filmed from the side or from behind.")
        if self.slowmo_factor not in {f for f, _ in SLOWMO_CHOICES}:
            raise Rejected("Slow motion must be No, 4× or 8×.")
        if self.runner_height_cm is not None:
            low, high = HEIGHT_RANGE_CM
            if not (low <= self.runner_height_cm <= high):
                raise Rejected(
                    f"Give your height in centimetres, between {low:.0f} and {high:.0f}, "
                    "or leave it empty."
                )


def display_name(raw: str | None) -> str:
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:120] or "video"


def slowmo_for(info: VideoInfo, answer: float) -> tuple[float, bool]:
    """The slow-motion factor to use and whether the file itself said so.

    The container wins when it says (e.g. a phone's capture-rate tag); otherwise the
    runner's answer is used.
    """
    hint = info.slowmo_factor_hint
    if hint is not None and hint >= 1:
        return float(hint), True
    return float(answer), False


def check_duration(info: VideoInfo, factor: float) -> None:
    """Refuse a clip shorter than 5 or longer than 30 seconds of real time."""
    real = info.duration_s / factor
    slow = " (in real time, allowing for slow motion)" if factor > 1 else ""
    if real < MIN_SECONDS:
        raise Rejected(
            f"The clip is {real:.1f} seconds long{slow}; film at least "
            f"{MIN_SECONDS:.0f} seconds of steady running."
        )
    if real > MAX_SECONDS:
        raise Rejected(
            f"The clip is {_duration_words(real)} long{slow}; the check needs "
            f"{MIN_SECONDS:.0f}–{MAX_SECONDS:.0f} seconds. Trim it on your phone and upload "
            "that part."
        )


def _duration_words(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    return f"{minutes / 60:.1f} hours"


def create_check(athlete: Any, upload: UploadedFile, options: CheckOptions) -> FormCheck:
    """Store, probe and queue one clip, or raise :class:`Rejected` having kept nothing."""
    options.validate()
    size = upload.size or 0
    if size == 0:
        raise Rejected("The file is empty. Choose the video again.")
    if size > max_upload_bytes():
        raise Rejected(too_big_message(size), status=413)
    unfinished = FormCheck.objects.filter(
        athlete=athlete, status__in=[FormCheck.Status.QUEUED, FormCheck.Status.PROCESSING]
    ).count()
    if unfinished >= MAX_UNFINISHED:
        raise Rejected(
            f"You already have {unfinished} videos waiting to be analysed. "
            "Wait for them to finish, then upload the next one.",
            status=429,
        )
    if analyser_ready() == "missing":
        raise Rejected(ANALYSER_MISSING, status=503)
    upload.seek(0)
    stored = default_storage.save(f"formcheck/videos/{uuid.uuid4().hex}", upload)
    try:
        try:
            with local_copy(stored) as path:
                info = probe(path, python=settings.POSE_PYTHON)
        except VideoError as exc:
            raise Rejected(str(exc)) from None
        factor, from_video = slowmo_for(info, options.slowmo_factor)
        check_duration(info, factor)
        with transaction.atomic():
            check = FormCheck.objects.create(
                athlete=athlete,
                video=stored,
                video_name=display_name(upload.name),
                video_size=size,
                keep_video=options.keep_video,
                view=options.view,
                slowmo_factor=factor,
                slowmo_from_video=from_video,
                runner_height_cm=options.runner_height_cm,
                video_info=info_json(info),
            )
            enqueue_after_commit(analyse_check, check.pk)
    except BaseException:
        default_storage.delete(stored)
        raise
    return check


def info_json(info: VideoInfo) -> dict[str, Any]:
    return {
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "frame_count": info.frame_count,
        "duration_s": info.duration_s,
        "codec": info.codec,
    }


def analyser_ready() -> str:
    """``ready``, ``installing`` or ``missing``: what the upload page tells the runner."""
    return str(estimator_status(python=settings.POSE_PYTHON))


# --- Reading ---------------------------------------------------------------------------------
def check_queryset(athlete: Any) -> QuerySet[FormCheck]:
    """The athlete's checks, newest first, without the heavy columns."""
    return FormCheck.objects.filter(athlete=athlete).defer("landmarks", "report")


def checks_for(athlete: Any) -> list[FormCheck]:
    return list(check_queryset(athlete))


def report_of(check: FormCheck) -> ReportView | None:
    if check.status != FormCheck.Status.DONE or not check.report:
        return None
    return ReportView.from_json(check.report)


@dataclass(frozen=True)
class Comparison:
    first: FormCheck
    latest: FormCheck
    rows: tuple[Any, ...]


def comparison(athlete: Any) -> Comparison | None:
    """The first and the latest finished check side by side (``None`` with fewer than two)."""
    done = FormCheck.objects.filter(athlete=athlete, status=FormCheck.Status.DONE).defer(
        "landmarks"
    )
    first = done.order_by("created_at", "pk").first()
    latest = done.order_by("-created_at", "-pk").first()
    if first is None or latest is None or first.pk == latest.pk:
        return None
    a, b = report_of(first), report_of(latest)
    if a is None or b is None:
        return None
    return Comparison(first, latest, compare(a, b))


# --- Deleting --------------------------------------------------------------------------------
def delete_video_file(check: FormCheck) -> None:
    """Remove the stored clip (if any) and forget its name."""
    name = check.video.name if check.video else ""
    if name:
        default_storage.delete(name)
        FormCheck.objects.filter(pk=check.pk).update(video="")
        check.video.name = ""


def delete_check(check: FormCheck) -> None:
    """Delete a check, its pictures and its video: the rows first, then the file."""
    name = check.video.name if check.video else ""
    with transaction.atomic():
        check.delete()
    if name:
        default_storage.delete(name)
