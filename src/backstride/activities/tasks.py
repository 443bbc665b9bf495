"""Background work: importing uploaded activity files (never inside the request)."""

from __future__ import annotations

from django_tasks import task

from . import imports


@task()
def import_item(item_id: int) -> str:
    """Import one uploaded file or archive; safe to run twice (see ``imports.run_import_item``)."""
    return imports.run_import_item(item_id)
