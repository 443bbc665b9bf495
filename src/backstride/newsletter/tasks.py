"""Background work: deliver outbox batches, sweep abandoned claims, prune the rate-limit ledger."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from . import outbox, services


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


@task()
def prune_signup_attempts() -> int:
    """Delete expired rate-limit rows; re-arms itself while rows remain (idempotent, cheap).

    Queued by the first signup attempt recorded while no prune is queued
    (``services.ensure_prune_scheduled``), so the ledger never outgrows its windows.
    """
    return services.prune_and_rearm()
