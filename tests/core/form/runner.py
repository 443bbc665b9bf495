"""A simple kinematic runner seen from the side, as MediaPipe-style landmarks, with its truth.

Each foot cycles through stance (heel on the ground, sliding back from ``overstride`` leg
lengths ahead of the hip to behind it) and swing (a raised half-sine back to the front). The
hip bounces sinusoidally once per step, lowest at mid-stance, and its height at initial contact
is set so the knee is flexed by ``knee_flex_deg`` then (two equal segments, solved by inverse
kinematics). The trunk leans forward by ``lean_deg``. Noise, dropped frames and low-visibility
frames are added from a seeded generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from backstride.core.form.model import INDEX, N_LANDMARKS, Clip, Frame, Landmark, mirror_name

STANCE = 0.35  # fraction of the stride the foot is on the ground


@dataclass(frozen=True)
class Runner:
    cadence: float = 170.0
    lean_deg: float = 8.0
    overstride: float = 0.2  # heel ahead of the hip at contact, × leg length
    knee_flex_deg: float = 20.0
    bounce: float = 0.08  # hip peak to trough, × leg length
    leg_px: float = 420.0
    fps: float = 60.0  # real frames per second
    slowmo: float = 1.0
    duration_s: float = 10.0
    direction: int = 1
    camera_side: str = "left"
    noise_px: float = 0.0
    drop_fraction: float = 0.0
    lowvis_fraction: float = 0.0
    far_visibility: float = 0.8
    hidden: tuple[str, ...] = ()  # landmarks the estimator never sees clearly
    shoulder_spread: float = 0.0  # × torso length; large when the runner faces the camera
    view: str = "side"
    width: int = 1920
    height: int = 1080
    seed: int = 0
    start_s: float = 0.13  # time of the first right-foot contact

    # --- truth ---------------------------------------------------------------------------
    @property
    def step_s(self) -> float:
        return 60.0 / self.cadence

    def shank_angle_deg(self) -> float:
        """Shank from vertical at contact, positive when the ankle is ahead of the knee."""
        _hip, knee, ankle = self._leg_at(self.start_s, "right")
        dx = (ankle[0] - knee[0]) * self.direction
        return math.degrees(math.atan2(dx, ankle[1] - knee[1]))

    # --- geometry ------------------------------------------------------------------------
    def _foot(self, t: float, side: str) -> tuple[float, float]:
        """Heel position relative to the hip (forward) and its height above the ground."""
        L = self.leg_px
        offset = self.start_s + (self.step_s if side == "left" else 0.0)
        phase = ((t - offset) / (2 * self.step_s)) % 1.0
        ahead, behind = self.overstride * L, 0.35 * L
        if phase <= STANCE:
            return ahead - (ahead + behind) * phase / STANCE, 0.0
        s = (phase - STANCE) / (1 - STANCE)
        return -behind + (ahead + behind) * (1 - math.cos(math.pi * s)) / 2, 0.3 * L * math.sin(
            math.pi * s
        )

    def _ground_y(self) -> float:
        return self.height * 0.9

    def _hip(self, t: float) -> tuple[float, float]:
        L = self.leg_px
        reach = L * math.cos(math.radians(self.knee_flex_deg) / 2)
        ankle_u = self.overstride * L + 0.03 * L
        ankle_y = self._ground_y() - 0.08 * L
        y_ic = ankle_y - math.sqrt(reach**2 - ankle_u**2)
        amp = self.bounce * L / 2
        centre = y_ic - amp * math.cos(2 * math.pi * STANCE)
        mid = self.start_s + STANCE * self.step_s
        return self.width / 2, centre + amp * math.cos(2 * math.pi * (t - mid) / self.step_s)

    def _leg_at(self, t: float, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        L, d = self.leg_px, self.direction
        hx, hy = self._hip(t)
        u, h = self._foot(t, side)
        heel = np.array([hx + d * u, self._ground_y() - h])
        ankle = heel + np.array([d * 0.03 * L, -0.08 * L])
        hip = np.array([hx, hy])
        v = ankle - hip
        dist = float(np.linalg.norm(v))
        mid = hip + v / 2
        if dist >= L * 0.9999:
            knee = mid
        else:
            perp = np.array([-v[1], v[0]]) / dist
            if perp[0] * d < 0:
                perp = -perp
            knee = mid + perp * math.sqrt((L / 2) ** 2 - (dist / 2) ** 2)
        return hip, knee, ankle

    def _pose(self, t: float) -> dict[str, np.ndarray]:
        L, d = self.leg_px, self.direction
        pts: dict[str, np.ndarray] = {}
        hip = np.array(self._hip(t))
        lean = math.radians(self.lean_deg)
        torso = 0.6 * L
        shoulder = hip + torso * np.array([d * math.sin(lean), -math.cos(lean)])
        spread = np.array([self.shoulder_spread * torso / 2, 0.0])
        pts["left_shoulder"], pts["right_shoulder"] = shoulder + spread, shoulder - spread
        pts["left_hip"], pts["right_hip"] = hip + spread / 2, hip - spread / 2
        head = shoulder + np.array([0.0, -0.25 * L])
        pts["nose"] = head + np.array([d * 0.08 * L, 0.0])
        for name in ("left_eye_inner", "left_eye", "left_eye_outer"):
            pts[name] = head + np.array([d * 0.06 * L, -0.03 * L])
        for name in ("right_eye_inner", "right_eye", "right_eye_outer"):
            pts[name] = head + np.array([d * 0.06 * L, -0.03 * L])
        pts["left_ear"] = pts["right_ear"] = head + np.array([-d * 0.02 * L, -0.02 * L])
        pts["mouth_left"] = pts["mouth_right"] = head + np.array([d * 0.06 * L, 0.04 * L])
        for side in ("left", "right"):
            _, knee, ankle = self._leg_at(t, side)
            heel = ankle - np.array([d * 0.03 * L, -0.08 * L])
            pts[f"{side}_knee"], pts[f"{side}_ankle"], pts[f"{side}_heel"] = knee, ankle, heel
            pts[f"{side}_foot_index"] = heel + np.array([d * 0.25 * L, 0.0])
            # arms swing opposite to the leg on the same side
            u, _ = self._foot(t, side)
            swing = -0.3 * u / L
            elbow = shoulder + 0.3 * L * np.array([math.sin(swing), math.cos(swing)])
            pts[f"{side}_elbow"] = elbow
            wrist = elbow + np.array([d * 0.2 * L, -0.05 * L])
            for part in ("wrist", "pinky", "index", "thumb"):
                pts[f"{side}_{part}"] = wrist
        return pts

    # --- the clip --------------------------------------------------------------------------
    def clip(self) -> Clip:
        rng = np.random.default_rng(self.seed)
        n = round(self.duration_s * self.fps)
        frames = []
        for i in range(n):
            t = i / self.fps
            pts = self._pose(t)
            drop = rng.random() < self.drop_fraction
            low = rng.random() < self.lowvis_fraction
            noise = rng.normal(0.0, self.noise_px, (N_LANDMARKS, 2)) if self.noise_px else None
            if drop:
                frames.append(Frame(None))
                continue
            marks = []
            for name, j in sorted(INDEX.items(), key=lambda kv: kv[1]):
                p = pts[name] + (noise[j] if noise is not None else 0.0)
                far = name.startswith("right_" if self.camera_side == "left" else "left_")
                v = 0.1 if low else (self.far_visibility if far else 0.95)
                if name in self.hidden:
                    v = 0.1
                marks.append(Landmark(float(p[0] / self.width), float(p[1] / self.height), v))
            frames.append(Frame(tuple(marks)))
        return Clip(
            fps=self.fps / self.slowmo,
            width=self.width,
            height=self.height,
            frames=tuple(frames),
            view=self.view,  # type: ignore[arg-type]
            camera_side=self.camera_side,  # type: ignore[arg-type]
            slowmo_factor=self.slowmo,
        )


def mirrored(clip: Clip, swap_sides: bool = True) -> Clip:
    """The clip flipped horizontally; with ``swap_sides`` left and right labels swap too."""
    frames = []
    for f in clip.frames:
        if f.landmarks is None:
            frames.append(f)
            continue
        by_name = {name: f.landmarks[j] for name, j in INDEX.items()}
        marks = []
        for name, _j in sorted(INDEX.items(), key=lambda kv: kv[1]):
            src = by_name[mirror_name(name) if swap_sides else name]
            marks.append(Landmark(1.0 - src.x, src.y, src.visibility))
        frames.append(Frame(tuple(marks)))
    side = clip.camera_side
    if swap_sides and side is not None:
        side = "right" if side == "left" else "left"
    return replace(clip, frames=tuple(frames), camera_side=side)
