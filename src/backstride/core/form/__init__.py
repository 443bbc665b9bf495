"""The running-form check's pure core: landmarks in, figures, verdicts and advice out.

``analyze(clip)`` measures a :class:`~backstride.core.form.model.Clip` (pose landmarks per
frame, from whatever estimator) and judges it against ``protocols/form.toml``. No video code,
no Django.

Landmark JSON (what the estimator step hands over, read by ``Clip.from_json``)::

    {"format": "backstride-landmarks", "version": 1,
     "fps": 29.97,            # container frame rate
     "slowmo_factor": 1,      # 8 for 240 fps slow motion played at 30
     "width": 1920, "height": 1080,
     "view": "side",          # or "rear"
     "camera_side": "left",   # side of the body facing the camera, or null
     "landmark_names": [...], # optional; MediaPipe Pose's 33 names in order
     "frames": [null, [[x, y, visibility], ... 33 ...], ...]}

one entry per decoded frame, evenly spaced, ``null`` where no person was found; ``x``/``y``
normalised to the image (0–1, ``y`` down).
"""

from __future__ import annotations

from dataclasses import replace

from backstride.core.form.advice import judge, suggest
from backstride.core.form.metrics import DEFAULT_SETTINGS, Settings, measure
from backstride.core.form.model import Clip, FormReport
from backstride.core.form.ranges import FormRanges, load_form_ranges

__all__ = ["analyze"]


def analyze(
    clip: Clip,
    runner_height_cm: float | None = None,
    ranges: FormRanges | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> FormReport:
    """Measure ``clip``, judge each figure against its range, and pick at most two changes."""
    ranges = ranges or load_form_ranges()
    settings = replace(settings, leg_fraction_of_height=ranges.leg_fraction_of_height)
    m = measure(clip, runner_height_cm, settings)
    results = judge(m, ranges)
    return FormReport(
        metrics=results,
        contacts=m.contacts,
        frames=m.frames,
        frames_with_pose=m.frames_with_pose,
        warnings=m.warnings,
        suggestions=suggest(results, ranges),
        ranges_version=f"{ranges.id} {ranges.version}",
        extra={"leg_length_px": m.leg_length_px, "direction": m.direction},
    )
