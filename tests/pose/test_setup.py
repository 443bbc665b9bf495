"""The estimator's setup script and the status the app shows while it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from backstride import pose

from .conftest import estimator_python

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "scripts" / "pose_setup.py"


def fake_venv(tmp_path: Path) -> str:
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.write_text("")
    return str(python)


def test_a_running_installer_reads_as_installing_and_a_dead_one_does_not(tmp_path: Path) -> None:
    python = fake_venv(tmp_path)
    mark = tmp_path / pose.INSTALLING_MARK
    assert pose.estimator_status(python) == "missing"
    mark.write_text(str(os.getpid()))  # this process is alive
    assert pose.estimator_status(python) == "installing"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    mark.write_text(str(gone.pid))  # killed or finished without cleaning up
    assert pose.estimator_status(python) == "missing"
    mark.write_text("garbage")
    assert pose.estimator_status(python) == "missing"
    (tmp_path / pose.READY_STAMP).write_text("x")
    assert pose.estimator_status(python) == "ready"


def test_setup_is_a_no_op_once_the_stamp_matches_the_lock_file() -> None:
    python = estimator_python()
    stamp = Path(python).parent.parent / pose.READY_STAMP
    before = stamp.stat().st_mtime_ns
    done = subprocess.run(
        [sys.executable, str(SETUP), "--background"],
        env={**os.environ, "POSE_PYTHON": python},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == "" and stamp.stat().st_mtime_ns == before
