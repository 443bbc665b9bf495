"""Remove stored files when their rows go (also on cascades, e.g. deleting an account)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import ActivityFile, ImportItem


def _delete_after_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@receiver(post_delete, sender=ActivityFile)
def delete_original(sender: Any, instance: ActivityFile, **kwargs: Any) -> None:
    _delete_after_commit(instance.file.name or "")


@receiver(post_delete, sender=ImportItem)
def delete_upload(sender: Any, instance: ImportItem, **kwargs: Any) -> None:
    _delete_after_commit(instance.upload.name or "")
