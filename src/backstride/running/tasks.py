"""Background work for the return to running: the next-morning and 48-hour reminders.

``running.services`` queues them (through ``backstride.lib.queue``) at 08:00 in the
athlete's time zone; the task only calls :mod:`.reminders`, which checks again before sending.
"""

from __future__ import annotations

from django_tasks import task

from . import reminders


@task()
def send_followup_reminder(checkin_id: int, window: str) -> bool:
    """Email the athlete that a follow-up answer is due. Returns True if an email went out."""
    return reminders.send_followup(checkin_id, window)
