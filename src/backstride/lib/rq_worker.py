"""The RQ worker the ``worker`` command runs when ``TASKS_BACKEND=rq``.

Only one worker's scheduler moves due deferred jobs (the Sunday publish, reminders) to the
queue: it holds a lock in Redis. When that worker dies (killed, out of memory, its host
gone), the lock lapses after 61 s, but the others only try to take it over in their upkeep,
which RQ runs every 10 minutes and an idle worker, blocked waiting for a job, even later.
Until then nothing deferred runs. This worker does its upkeep every
``settings.RQ_UPKEEP_SECONDS`` (30 s) and waits for jobs no longer than that, so scheduling
resumes within about a minute and a half of the death.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rq import Worker as RQWorker

#: RQ stops waiting for a job this long before the worker's registration would lapse.
_RQ_TTL_MARGIN = 15


class Worker(RQWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        upkeep = settings.RQ_UPKEEP_SECONDS
        kwargs.setdefault("maintenance_interval", upkeep)
        # django-rq always passes its own 420 s: RQ would then wait 405 s for a job.
        kwargs["worker_ttl"] = upkeep + _RQ_TTL_MARGIN  # waits at most ``upkeep`` for a job
        super().__init__(*args, **kwargs)
