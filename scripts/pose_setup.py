#!/usr/bin/env python3
"""Install the running-form estimator in its own virtualenv (idempotent).

MediaPipe Pose 0.10.21 needs numpy < 2, so it gets a virtualenv of its own, installed from
``requirements/pose.lock`` with ``--no-deps`` (only what ``solutions.pose`` imports: ~410 MB
instead of ~1 GB with jax and opencv-contrib). Its wheel ships the pose model, so nothing is
downloaded at run time. ``--background`` returns at once and installs in a child process,
so the first ``make run`` is not slowed; the app says "being installed" meanwhile.

    python3 scripts/pose_setup.py [--background]    # venv at $POSE_PYTHON's or .venv-pose/
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "pose.lock"
READY = ".backstride-ready"
INSTALLING = ".backstride-installing"
LOCK_FILE = ".backstride-install.lock"


def target() -> Path:
    python = os.environ.get("POSE_PYTHON")
    return Path(python).parent.parent if python else ROOT / ".venv-pose"


def lock_digest() -> str:
    return hashlib.sha256(LOCK.read_bytes()).hexdigest()


def install(home: Path) -> None:
    python = home / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(home)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(LOCK)],
        check=True,
    )
    check = "import cv2, mediapipe as mp; mp.solutions.pose.Pose(static_image_mode=True).close()"
    subprocess.run([str(python), "-c", check], check=True, capture_output=True)
    (home / READY).write_text(lock_digest())


def ready(home: Path) -> bool:
    stamp = home / READY
    return stamp.exists() and stamp.read_text() == lock_digest()


def main() -> int:
    home = target()
    if ready(home):
        return 0
    home.mkdir(parents=True, exist_ok=True)
    if "--background" in sys.argv[1:]:
        log = open(home / "setup.log", "w")  # noqa: SIM115
        child = subprocess.Popen(
            [sys.executable, __file__],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # The app reads this to say "being installed"; the child rewrites it when it starts.
        (home / INSTALLING).write_text(str(child.pid))
        print(f"Installing the running-form estimator in the background ({home}).")
        return 0
    # One installer at a time: `make test` while `make run`'s background install is running
    # waits for it instead of running pip into the same virtualenv twice.
    with open(home / LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready(home):
            return 0
        print(f"Installing the running-form estimator into {home} …", flush=True)
        (home / READY).unlink(missing_ok=True)
        (home / INSTALLING).write_text(str(os.getpid()))
        try:
            install(home)
        finally:
            (home / INSTALLING).unlink(missing_ok=True)
    print("The running-form estimator is ready.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
