"""Fixtures for the form-check tests: a private media folder, finished checks built from the
synthetic runner, and video files made on the spot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from backstride.core.form import analyze
from backstride.core.form.display import hip_trace, pick_contacts
from backstride.core.form.ranges import load_form_ranges
from backstride.formcheck.models import FormCheck
from backstride.formcheck.report import report_to_json
from tests.core.form.runner import Runner

from .frames import add_contact_frame
from .videos import Videos


@pytest.fixture(autouse=True)
def _private_media(media_root: Path) -> None:
    """Each test stores videos in its own folder: tests/conftest.py's media_root."""


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Videos:
    return Videos(tmp_path_factory.mktemp("videos"))


def make_done_check(athlete: Any, runner: Runner | None = None, **fields: Any) -> FormCheck:
    """A finished check as the task would leave it, from the synthetic runner's landmarks."""
    runner = runner or Runner(duration_s=8.0, noise_px=1.0)
    clip = runner.clip()
    ranges = load_form_ranges()
    report = analyze(clip, ranges=ranges)
    fields.setdefault("finished_at", timezone.now())
    check = FormCheck(
        athlete=athlete,
        status=FormCheck.Status.DONE,
        progress=1.0,
        video_name="run.mp4",
        video_info={"width": 1920, "height": 1080, "fps": runner.fps, "duration_s": 8.0},
        report=report_to_json(report, ranges, hip_trace(clip)),
        **fields,
    )
    check.set_landmarks(clip.to_json())
    check.save()
    for index, contact in enumerate(pick_contacts(report.contacts, 8)):
        pose = clip.frames[contact.frame].landmarks or ()
        add_contact_frame(
            check,
            index=index,
            frame=contact.frame,
            foot=contact.foot,
            time_s=contact.time_s,
            points=[[p.x, p.y, p.visibility] for p in pose],
        )
    return check
