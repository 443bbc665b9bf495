"""`backstride serve` is gunicorn: a real server process answering pages, static files,
podcast audio with byte ranges and /healthz; Django's development server only with --dev."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from django.utils import timezone

from backstride.web.gunicorn_conf import default_workers
from backstride.web.models import WorkerHeartbeat
from tests.conftest import database_url, free_port
from tests.publication.conftest import make_episode


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def wait_for_server(proc: subprocess.Popen[bytes], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited: {stop(proc)}")
        try:
            get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not answer in time")


def start_serve(port: int, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "backstride", "serve", "--port", str(port)],
        env={**os.environ, "DATABASE_URL": database_url(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen[bytes]) -> str:
    """SIGTERM (what systemd sends): gunicorn stops gracefully and exits 0."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode()


@pytest.mark.django_db(transaction=True)
def test_serve_runs_gunicorn_with_ranges_static_files_and_healthz(settings: Any, tmp_path: Any):
    settings.MEDIA_ROOT = tmp_path / "media"
    episode = make_episode()
    audio = (settings.MEDIA_ROOT / episode.audio.name).read_bytes()
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w", started_at=now, last_seen=now)
    port = free_port()
    proc = start_serve(port, MEDIA_ROOT=str(settings.MEDIA_ROOT), WEB_CONCURRENCY="2")
    try:
        wait_for_server(proc, port)

        status, headers, body = get(port, "/healthz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"
        assert headers["server"] == "gunicorn"  # not Django's WSGIServer
        assert len(headers["x-request-id"]) == 32

        status, headers, body = get(port, episode.audio_url, Range="bytes=1000-1999")
        assert status == 206
        assert body == audio[1000:2000]
        assert headers["content-range"] == f"bytes 1000-1999/{len(audio)}"

        status, headers, body = get(port, "/static/css/app.css")
        assert status == 200
        assert headers["content-type"].startswith("text/css")
        assert body and b"{" in body
    finally:
        output = stop(proc)
    assert proc.returncode == 0, output
    assert "Booting worker" in output


def test_default_worker_count_is_gunicorns_rule_capped():
    assert default_workers(2) == 5
    assert default_workers(1) == 3
    assert default_workers(16) == 9


def test_serve_dev_is_djangos_autoreloading_server():
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()["serve"], "serve")
    parser = command.create_parser("backstride", "serve")
    assert parser.parse_args(["--dev"]).dev is True
    assert parser.parse_args([]).dev is False
