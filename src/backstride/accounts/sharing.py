"""Sharing a record with a clinician: the athlete takes it back."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import CareLink, User


@transaction.atomic
def revoke_sharing(user: User, link_id: int) -> CareLink:
    """End the athlete's care link ``link_id`` (``CareLink.DoesNotExist`` if not theirs)."""
    link = CareLink.objects.select_for_update().get(pk=link_id, athlete=user)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link
