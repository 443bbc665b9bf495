"""Gait figures from pose landmarks: foot contacts, cadence, trunk lean, overstride, shank
angle, vertical oscillation and knee flexion at contact — each with a quality figure, or a
refusal that says why it cannot be measured. numpy only; no video code, no Django.

Conventions (image pixels, ``y`` grows downwards):

- *Leg length* is thigh + shank (hip–knee + knee–ankle), the 90th percentile over frames of
  the visible legs, so a leg foreshortened in some frames does not shrink it.
- *Forward* is the running direction, found from where the toes point relative to the heels
  (the nose relative to the ears when feet are unclear). Angles are positive forward.
- An *initial contact* is when a foot's lowest point (heel or toe, whichever is lower) comes
  down into the bottom 10 % of its vertical range after rising above 40 % of it (hysteresis),
  at least ``min_stride_s`` after the same foot's previous contact. Its time is where the
  foot, falling at the speed it had when it crossed into that band, reaches the median
  height of its stance frames (interpolated between frames, so cadence does not depend on the
  frame rate); the posture is read on the frame nearest that time.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from backstride.core.form.model import INDEX, Clip, Contact, Measurement, Side

Array = npt.NDArray[np.float64]

CADENCE: Final = "cadence_spm"
TRUNK_LEAN: Final = "trunk_lean_deg"
OVERSTRIDE: Final = "overstride_ratio"
SHANK_ANGLE: Final = "shank_angle_deg"
OSCILLATION: Final = "vertical_oscillation_ratio"
OSCILLATION_CM: Final = "vertical_oscillation_cm"
KNEE_FLEXION: Final = "knee_flexion_deg"
METRICS: Final = (
    CADENCE,
    TRUNK_LEAN,
    OVERSTRIDE,
    SHANK_ANGLE,
    OSCILLATION,
    OSCILLATION_CM,
    KNEE_FLEXION,
)
UNITS: Final = {
    CADENCE: "steps/min",
    TRUNK_LEAN: "°",
    OVERSTRIDE: "× leg length",
    SHANK_ANGLE: "°",
    OSCILLATION: "× leg length",
    OSCILLATION_CM: "cm",
    KNEE_FLEXION: "°",
}
SAGITTAL: Final = frozenset({TRUNK_LEAN, OVERSTRIDE, SHANK_ANGLE, KNEE_FLEXION})


@dataclass(frozen=True)
class Settings:
    """Measurement thresholds (technical, not clinical: how much data a figure needs)."""

    min_visibility: float = 0.5  # a landmark below this counts as not seen
    min_fps: float = 20.0  # real frames per second; below this contacts blur
    good_fps_cadence: float = 25.0
    good_fps_angles: float = 60.0  # angles at contact need a frame near the contact
    min_contacts: int = 6  # refuse a figure resting on fewer contacts
    good_contacts: int = 12  # full quality from this many
    min_pose_fraction: float = 0.5  # of frames with a confident pose
    min_leg_px: float = 60.0  # runner too small below this leg length in pixels
    min_stride_s: float = 0.4  # same foot: contacts closer than this are one contact
    contact_band: float = 0.10  # fraction of the foot's vertical range counted as ground
    rearm_band: float = 0.40  # the foot must rise above this before the next contact
    max_extrapolate_s: float = 0.03  # from the contact band down to the floor, at most
    max_gap_s: float = 0.1  # gaps of missing frames up to this are interpolated
    jitter_ok: float = 0.008  # median frame-to-frame wobble (× leg length) that costs nothing
    jitter_bad: float = 0.04  # wobble at which quality reaches 0
    max_shoulder_spread: float = 0.5  # × torso length: wider means the runner is not side-on
    leg_fraction_of_height: float = 0.491  # thigh + shank as a fraction of standing height


DEFAULT_SETTINGS: Final = Settings()


@dataclass(frozen=True)
class Measurements:
    """All figures of one clip, the contacts found, and clip-level warnings."""

    values: dict[str, Measurement]
    contacts: tuple[Contact, ...]
    frames: int
    frames_with_pose: int
    warnings: tuple[str, ...]
    leg_length_px: float | None
    direction: int  # +1: running towards larger x, -1: towards smaller x, 0: unknown

    def __getitem__(self, metric: str) -> Measurement:
        return self.values[metric]


# --- Small helpers ----------------------------------------------------------------------------
def _seen(xy: Array, vis: Array, name: str, s: Settings) -> Array:
    """Pixel positions of one landmark, NaN where not seen confidently."""
    i = INDEX[name]
    out = xy[:, i, :].copy()
    out[vis[:, i] < s.min_visibility] = np.nan
    return out


def _nan_reduce(stack: Array, how: str) -> Array:
    """``nanmean``/``nanmax`` over axis 0 that stays quiet (NaN) where everything is NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.nanmean(stack, axis=0) if how == "mean" else np.nanmax(stack, axis=0)
    return np.asarray(out, dtype=float)


def _mean_seen(points: Sequence[Array]) -> Array:
    return _nan_reduce(np.stack(points), "mean")


def _fill_gaps(v: Array, max_gap: int) -> Array:
    """Linear interpolation over runs of NaN no longer than ``max_gap`` frames."""
    out = v.copy()
    ok = np.isfinite(v)
    if ok.sum() < 2:
        return out
    idx = np.arange(len(v))
    filled = np.interp(idx, idx[ok], v[ok])
    run_start = None
    for i in range(len(v) + 1):
        missing = i < len(v) and not ok[i]
        if missing and run_start is None:
            run_start = i
        elif not missing and run_start is not None:
            inside = run_start > 0 and i < len(v)
            if inside and i - run_start <= max_gap:
                out[run_start:i] = filled[run_start:i]
            run_start = None
    return out


def _angle_from_vertical(dx: float, dy_up: float) -> float:
    return math.degrees(math.atan2(dx, dy_up))


def _median(values: Sequence[float]) -> float:
    return float(np.median(np.asarray(values, dtype=float)))


def _clip01(v: float) -> float:
    return float(min(1.0, max(0.0, v)))


# --- The clip-level pieces --------------------------------------------------------------------
def leg_length_px(xy: Array, vis: Array, s: Settings = DEFAULT_SETTINGS) -> float | None:
    """Thigh + shank in pixels (90th percentile over frames and both legs), or ``None``."""
    lengths = []
    for side in ("left", "right"):
        hip, knee, ankle = (_seen(xy, vis, f"{side}_{p}", s) for p in ("hip", "knee", "ankle"))
        total = np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1)
        lengths.append(total[np.isfinite(total)])
    joined = np.concatenate(lengths)
    if len(joined) == 0:
        return None
    return float(np.percentile(joined, 90))


def running_direction(xy: Array, vis: Array, s: Settings = DEFAULT_SETTINGS) -> int:
    """+1 if the runner faces larger x, -1 if smaller x, 0 if it cannot be told."""
    votes = []
    for side in ("left", "right"):
        toe = _seen(xy, vis, f"{side}_foot_index", s)[:, 0]
        heel = _seen(xy, vis, f"{side}_heel", s)[:, 0]
        votes.append(toe - heel)
    d = np.concatenate(votes)
    d = d[np.isfinite(d)]
    if len(d) >= 5 and abs(float(np.median(d))) > 1e-9:
        return 1 if float(np.median(d)) > 0 else -1
    nose = _seen(xy, vis, "nose", s)[:, 0]
    ears = _mean_seen([_seen(xy, vis, "left_ear", s)[:, 0], _seen(xy, vis, "right_ear", s)[:, 0]])
    d = nose - ears
    d = d[np.isfinite(d)]
    if len(d) >= 5 and abs(float(np.median(d))) > 1e-9:
        return 1 if float(np.median(d)) > 0 else -1
    return 0


def jitter(xy: Array, vis: Array, leg_px: float, s: Settings = DEFAULT_SETTINGS) -> float:
    """Median frame-to-frame wobble of the trunk landmarks, as a fraction of leg length.

    Half the second difference (a point against the mean of its neighbours) of the shoulders
    and hips: smooth running motion contributes little to it, estimator noise a lot.
    """
    parts = []
    for name in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"):
        p = _seen(xy, vis, name, s)
        second = p[1:-1] - 0.5 * (p[:-2] + p[2:])
        parts.append(np.abs(second).ravel())
    d = np.concatenate(parts)
    d = d[np.isfinite(d)]
    if len(d) == 0:
        return float("nan")
    return float(np.median(d)) / leg_px


def foot_height(xy: Array, vis: Array, side: Side, s: Settings = DEFAULT_SETTINGS) -> Array:
    """Height (up positive, pixels) of a foot's lowest seen point: heel, toe, else ankle."""
    heel = _seen(xy, vis, f"{side}_heel", s)[:, 1]
    toe = _seen(xy, vis, f"{side}_foot_index", s)[:, 1]
    ankle = _seen(xy, vis, f"{side}_ankle", s)[:, 1]
    low = _nan_reduce(np.stack([heel, toe]), "max")
    low = np.where(np.isfinite(low), low, ankle)
    return np.asarray(-low, dtype=float)


def foot_contacts(
    height: Array, real_fps: float, side: Side, s: Settings = DEFAULT_SETTINGS
) -> list[Contact]:
    """Initial contacts of one foot from its height trace (see the module docstring)."""
    h = _fill_gaps(height, max(1, round(s.max_gap_s * real_fps)))
    ok = np.isfinite(h)
    if ok.sum() < 10:
        return []
    ground = float(np.percentile(h[ok], 5))
    top = float(np.percentile(h[ok], 95))
    span = top - ground
    if span <= 0:
        return []
    down = ground + s.contact_band * span
    rearm = ground + s.rearm_band * span
    stance = h[ok & (h <= down)]
    floor = float(np.median(stance)) if len(stance) else ground
    contacts: list[Contact] = []
    armed = False
    min_gap = s.min_stride_s * real_fps
    last = len(h) - 1
    for i in range(1, len(h)):
        if not math.isfinite(h[i]):
            armed = False  # never count a contact across a gap we could not bridge
            continue
        if h[i] > rearm:
            armed = True
        elif armed and h[i] <= down:
            armed = False
            if contacts and i - contacts[-1].frame < min_gap:
                continue
            prev = h[i - 1]
            t = float(i)
            if math.isfinite(prev) and prev > down:
                # where between i-1 and i it crossed the band, then on down to the floor at
                # the speed it was falling (at most max_extrapolate_s further)
                t = i - 1 + (prev - down) / (prev - h[i])
                fall = (prev - h[i]) * real_fps
                t += min(max(0.0, down - floor) / fall, s.max_extrapolate_s) * real_fps
            frame = min(last, max(i - 1, round(t)))
            contacts.append(Contact(side, frame, t / real_fps))
    return contacts


# --- The figures ------------------------------------------------------------------------------
def _quality(
    notes: list[str],
    *,
    visibility: float,
    contacts: int,
    real_fps: float,
    good_fps: float,
    jitter_ratio: float,
    s: Settings,
) -> float:
    q_vis = _clip01((visibility - s.min_visibility) / (0.9 - s.min_visibility))
    q_steps = _clip01(contacts / s.good_contacts)
    q_fps = _clip01(real_fps / good_fps)
    if math.isfinite(jitter_ratio):
        q_jit = _clip01(1 - (jitter_ratio - s.jitter_ok) / (s.jitter_bad - s.jitter_ok))
    else:
        q_jit = 0.0
    if q_vis < 1:
        notes.append(f"landmarks seen with mean visibility {visibility:.2f}")
    if q_steps < 1:
        notes.append(f"rests on {contacts} contacts; {s.good_contacts} or more are better")
    if q_fps < 1:
        notes.append(f"{real_fps:.0f} frames per second; {good_fps:.0f} or more are better")
    if q_jit < 1:
        notes.append("the pose wobbles between frames (a steadier camera or more light helps)")
    return round(q_vis * q_steps * q_fps * q_jit, 4)


def _refused(metric: str, reason: str) -> Measurement:
    return Measurement(metric, UNITS[metric], None, 0.0, (), 0, reason)


def measure(
    clip: Clip, runner_height_cm: float | None = None, settings: Settings = DEFAULT_SETTINGS
) -> Measurements:
    """Every figure of :data:`METRICS` for ``clip``, measured or refused with a reason."""
    s = settings
    xy, vis = clip.arrays()
    n = len(clip.frames)
    with_pose = clip.frames_with_pose
    warnings: list[str] = []
    fps = clip.real_fps

    def all_refused(reason: str) -> Measurements:
        warnings.append(reason)
        return Measurements(
            {m: _refused(m, reason) for m in METRICS}, (), n, with_pose, tuple(warnings), None, 0
        )

    if n == 0 or with_pose == 0:
        return all_refused("No person was found in the video.")
    if fps < s.min_fps:
        return all_refused(
            f"The video has {fps:.0f} frames per second; at least {s.min_fps:.0f} are needed "
            "to see when a foot lands."
        )
    if with_pose < s.min_pose_fraction * n:
        return all_refused(
            f"A runner was found in only {with_pose} of {n} frames; film closer, with more "
            "light, and keep the whole body in the picture."
        )
    leg = leg_length_px(xy, vis, s)
    if leg is None or leg < s.min_leg_px:
        return all_refused(
            "The runner is too small in the picture (or their legs are hidden); film from "
            "closer so the body fills most of the frame's height."
        )
    direction = running_direction(xy, vis, s) if clip.view == "side" else 0
    jit = jitter(xy, vis, leg, s)

    contacts: list[Contact] = []
    for side in ("left", "right"):
        contacts += foot_contacts(foot_height(xy, vis, side, s), fps, side, s)  # type: ignore[arg-type]
    contacts.sort(key=lambda c: c.time_s)

    values: dict[str, Measurement] = {}
    values[CADENCE] = _cadence(contacts, vis, fps, jit, s)

    side_reason = ""
    if clip.view != "side":
        side_reason = "Needs a side view; this clip was filmed from behind."
    elif direction == 0:
        side_reason = "The running direction could not be told (feet and face unclear)."
    else:
        spread = _shoulder_spread(xy, vis, s)
        if spread is not None and spread > s.max_shoulder_spread:
            side_reason = "The runner is not side-on to the camera; film from the side."
    if side_reason:
        warnings.append(side_reason)
        for m in SAGITTAL:
            values[m] = _refused(m, side_reason)
    else:
        values.update(_at_contact(xy, vis, contacts, direction, leg, fps, jit, s))
    values.update(_oscillation(xy, vis, contacts, leg, fps, jit, runner_height_cm, s))
    if len(contacts) < s.min_contacts:
        warnings.append(
            f"Only {len(contacts)} foot contacts were seen; film at least 5 seconds of steady "
            "running with both feet in the picture."
        )
    ordered = {m: values[m] for m in METRICS}
    return Measurements(
        ordered, tuple(contacts), n, with_pose, tuple(dict.fromkeys(warnings)), leg, direction
    )


def _too_few(metric: str, count: int, s: Settings) -> Measurement:
    return _refused(
        metric,
        f"Only {count} usable foot contacts; at least {s.min_contacts} are needed. Film at "
        "least 5 seconds of steady running with the feet in the picture.",
    )


def _cadence(
    contacts: list[Contact], vis: Array, fps: float, jit: float, s: Settings
) -> Measurement:
    """Steps per minute from the stride times of each foot, robust to a missed contact."""
    if len(contacts) < s.min_contacts:
        return _too_few(CADENCE, len(contacts), s)
    per_foot: dict[str, list[float]] = {"left": [], "right": []}
    for c in contacts:
        per_foot[c.foot].append(c.time_s)
    intervals = [b - a for t in per_foot.values() for a, b in itertools.pairwise(t)]
    if len(intervals) < 2:
        return _too_few(CADENCE, len(contacts), s)
    typical = _median(intervals)
    span = 0.0
    strides = 0
    for times in per_foot.values():
        if len(times) < 2:
            continue
        count = sum(max(1, round((b - a) / typical)) for a, b in itertools.pairwise(times))
        span += times[-1] - times[0]
        strides += count
    value = 120.0 / (span / strides)
    used = [INDEX[f"{side}_{p}"] for side in ("left", "right") for p in ("heel", "foot_index")]
    frames = sorted({c.frame for c in contacts})
    notes: list[str] = []
    q = _quality(
        notes,
        visibility=float(np.mean(vis[np.ix_(frames, used)])),
        contacts=len(contacts),
        real_fps=fps,
        good_fps=s.good_fps_cadence,
        jitter_ratio=jit,
        s=s,
    )
    return Measurement(CADENCE, UNITS[CADENCE], round(value, 1), q, tuple(notes), len(contacts))


def _shoulder_spread(xy: Array, vis: Array, s: Settings) -> float | None:
    """Horizontal shoulder-to-shoulder distance over torso length (median): ~0 side-on."""
    ls, rs = _seen(xy, vis, "left_shoulder", s), _seen(xy, vis, "right_shoulder", s)
    lh, rh = _seen(xy, vis, "left_hip", s), _seen(xy, vis, "right_hip", s)
    torso = np.linalg.norm(_mean_seen([ls, rs]) - _mean_seen([lh, rh]), axis=1)
    ratio = np.abs(ls[:, 0] - rs[:, 0]) / torso
    ratio = ratio[np.isfinite(ratio)]
    return float(np.median(ratio)) if len(ratio) else None


def _at_contact(
    xy: Array,
    vis: Array,
    contacts: list[Contact],
    direction: int,
    leg: float,
    fps: float,
    jit: float,
    s: Settings,
) -> dict[str, Measurement]:
    """Trunk lean, overstride, shank angle and knee flexion at each contact, then medians."""
    shoulders = _mean_seen([_seen(xy, vis, n, s) for n in ("left_shoulder", "right_shoulder")])
    hips = _mean_seen([_seen(xy, vis, n, s) for n in ("left_hip", "right_hip")])
    lean: list[float] = []
    over: list[float] = []
    shank: list[float] = []
    knee_flex: list[float] = []
    vis_trunk: list[float] = []
    vis_over: list[float] = []
    vis_shank: list[float] = []
    vis_knee: list[float] = []
    trunk_idx = [INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]

    def ok(*points: Array) -> bool:
        return all(bool(np.all(np.isfinite(p))) for p in points)

    def mean_vis(f: int, names: list[str]) -> float:
        return float(np.mean(vis[f, [INDEX[n] for n in names]]))

    for c in contacts:
        f = c.frame
        sh, hp = shoulders[f], hips[f]
        if ok(sh, hp):
            lean.append(_angle_from_vertical((sh[0] - hp[0]) * direction, hp[1] - sh[1]))
            vis_trunk.append(float(np.mean(vis[f, trunk_idx])))
        hip_n, knee_n, ankle_n, heel_n = (f"{c.foot}_{p}" for p in ("hip", "knee", "ankle", "heel"))
        hip_l, knee, ankle, heel = (
            _seen(xy, vis, n, s)[f] for n in (hip_n, knee_n, ankle_n, heel_n)
        )
        if ok(heel, hp):
            over.append(float((heel[0] - hp[0]) * direction / leg))
            vis_over.append(mean_vis(f, [heel_n, "left_hip", "right_hip"]))
        if ok(knee, ankle):
            shank.append(_angle_from_vertical((ankle[0] - knee[0]) * direction, ankle[1] - knee[1]))
            vis_shank.append(mean_vis(f, [knee_n, ankle_n]))
        if ok(hip_l, knee, ankle):
            a, b = hip_l - knee, ankle - knee
            cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
            knee_flex.append(180.0 - math.degrees(math.acos(max(-1.0, min(1.0, cos)))))
            vis_knee.append(mean_vis(f, [hip_n, knee_n, ankle_n]))

    def make(metric: str, values: list[float], v: list[float], digits: int) -> Measurement:
        if len(values) < s.min_contacts:
            if len(contacts) >= s.min_contacts:
                return _refused(
                    metric,
                    f"The joints needed were seen clearly at only {len(values)} of "
                    f"{len(contacts)} foot contacts; at least {s.min_contacts} are needed. "
                    "Better light, tighter clothing or a plain background help.",
                )
            return _too_few(metric, len(values), s)
        notes: list[str] = []
        q = _quality(
            notes,
            visibility=float(np.mean(v)),
            contacts=len(values),
            real_fps=fps,
            good_fps=s.good_fps_angles,
            jitter_ratio=jit,
            s=s,
        )
        return Measurement(
            metric, UNITS[metric], round(_median(values), digits), q, tuple(notes), len(values)
        )

    return {
        TRUNK_LEAN: make(TRUNK_LEAN, lean, vis_trunk, 1),
        OVERSTRIDE: make(OVERSTRIDE, over, vis_over, 3),
        SHANK_ANGLE: make(SHANK_ANGLE, shank, vis_shank, 1),
        KNEE_FLEXION: make(KNEE_FLEXION, knee_flex, vis_knee, 1),
    }


def _oscillation(
    xy: Array,
    vis: Array,
    contacts: list[Contact],
    leg: float,
    fps: float,
    jit: float,
    height_cm: float | None,
    s: Settings,
) -> dict[str, Measurement]:
    """Hip-centre bounce per step (peak to trough, drift removed), median, over leg length."""
    hips = _mean_seen([_seen(xy, vis, n, s) for n in ("left_hip", "right_hip")])
    y = _fill_gaps(hips[:, 1], max(1, round(s.max_gap_s * fps)))
    width = max(1, round(fps / 30)) | 1  # light smoothing over ~1/30 s, odd
    if width > 1:
        kernel = np.ones(width) / width
        padded = np.pad(y, width // 2, mode="edge")
        y = np.convolve(padded, kernel, mode="valid")
    bounces: list[float] = []
    for a, b in itertools.pairwise(contacts):
        if b.frame - a.frame < 2:
            continue
        seg = y[a.frame : b.frame + 1]
        if not np.all(np.isfinite(seg)):
            continue
        line = np.linspace(seg[0], seg[-1], len(seg))
        detrended = seg - line
        bounces.append(float(detrended.max() - detrended.min()))
    out: dict[str, Measurement] = {}
    if len(bounces) < s.min_contacts - 1:
        out[OSCILLATION] = _too_few(OSCILLATION, len(bounces) + 1 if bounces else 0, s)
    else:
        notes: list[str] = []
        hip_idx = [INDEX["left_hip"], INDEX["right_hip"]]
        frames = [c.frame for c in contacts]
        q = _quality(
            notes,
            visibility=float(np.mean(vis[np.ix_(frames, hip_idx)].max(axis=1))),
            contacts=len(contacts),
            real_fps=fps,
            good_fps=s.good_fps_angles,
            jitter_ratio=jit,
            s=s,
        )
        ratio = _median(bounces) / leg
        out[OSCILLATION] = Measurement(
            OSCILLATION, UNITS[OSCILLATION], round(ratio, 4), q, tuple(notes), len(bounces)
        )
    ratio_m = out[OSCILLATION]
    if ratio_m.value is None:
        out[OSCILLATION_CM] = _refused(OSCILLATION_CM, ratio_m.refusal)
    elif height_cm is None:
        out[OSCILLATION_CM] = _refused(
            OSCILLATION_CM, "Give the runner's height to have the bounce in centimetres."
        )
    elif not (100 <= height_cm <= 230):
        out[OSCILLATION_CM] = _refused(
            OSCILLATION_CM, f"A height of {height_cm:g} cm is outside 100–230 cm."
        )
    else:
        cm = ratio_m.value * s.leg_fraction_of_height * height_cm
        notes_cm = (
            *ratio_m.quality_notes,
            "centimetres are estimated from body height with average body proportions",
        )
        out[OSCILLATION_CM] = Measurement(
            OSCILLATION_CM, "cm", round(cm, 1), ratio_m.quality, notes_cm, ratio_m.n
        )
    return out
