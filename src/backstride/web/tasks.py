"""Site-wide tasks."""

from __future__ import annotations

from django_tasks import task


@task()
def ping(message: str) -> str:
    """A trivial task used to check that a queue and its worker are alive."""
    return f"pong: {message}"
