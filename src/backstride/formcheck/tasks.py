"""Background work: analysing an uploaded clip (never inside the request)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from backstride.pose import estimator_status

from . import processing

#: While the estimator is still being installed (first start), look again this much later.
WAIT_FOR_ESTIMATOR: Final = timedelta(seconds=30)


@task()
def analyse_check(check_id: int) -> str:
    """Analyse one form check; safe to run twice (see ``processing.run_check``).

    If the pose estimator is still being installed, the job puts itself back in the queue
    for a little later instead of failing the runner's clip.
    """
    status = estimator_status(python=settings.POSE_PYTHON)
    if status == "installing" and analyse_check.get_backend().supports_defer:
        later = analyse_check.using(run_after=timezone.now() + WAIT_FOR_ESTIMATOR)
        later.enqueue(check_id)
        return "waiting for the estimator"
    return processing.run_check(check_id)
