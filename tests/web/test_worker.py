"""A real task, enqueued by the app, run by a real worker process."""

import os
import subprocess
import sys

import pytest

from backstride.accounts.models import User
from backstride.accounts.tasks import send_verification_email
from tests.conftest import database_url


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_a_queued_task(smtp_server):
    user = User.objects.create_user(email="queued@example.org", password="x-long-password")
    result = send_verification_email.enqueue(user.pk)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "backstride", "worker", "--batch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "queued@example.org"
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value is True
