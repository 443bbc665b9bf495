"""Background work: deliver outbox batches, sweep abandoned claims."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from . import outbox


@task()
def send_batch(batch: str) -> dict[str, Any]:
    """Send one outbox batch over one SMTP connection (idempotent; see ``outbox``)."""
    return outbox.deliver_batch(batch).as_dict()


@task()
def sweep_outbox() -> dict[str, Any]:
    """Release claims of dead workers and re-queue their batches; re-arms itself while needed."""
    report = outbox.sweep()
    return {
        "reclaimed": report.reclaimed,
        "batches": len(report.batches),
        "remaining": report.remaining,
    }
