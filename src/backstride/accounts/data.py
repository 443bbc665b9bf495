"""Everything a person put in: export it, or delete it all.

Each domain app contributes through a small, fixed registry (no dotted paths from the
database): each app's export function is imported here by name.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from backstride.activities.exports import export_data as activities_export
from backstride.rehab.scoring import export_data as rehab_export

from .models import CareLink, User

EXPORTING_APPS = ("rehab", "activities", "api")


def _app_export(app: str, user: User) -> Any:
    if app == "activities":
        return activities_export(user)
    if app == "api":
        return [
            {
                "name": t.name,
                "created_at": t.created_at.isoformat(),
                "revoked": t.revoked_at is not None,
            }
            for t in user.api_tokens.all()
        ]
    return rehab_export(user)


def export_everything(user: User) -> dict[str, Any]:
    """One JSON-ready document with all of this person's data."""
    document: dict[str, Any] = {
        "format": "backstride-account-export",
        "version": 1,
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "timezone": user.timezone,
            "date_joined": user.date_joined.isoformat(),
            "email_verified_at": user.email_verified_at.isoformat()
            if user.email_verified_at
            else None,
        },
        "consents": [
            {
                "kind": c.kind,
                "wording_version": c.wording_version,
                "given": c.given,
                "at": c.created_at.isoformat(),
            }
            for c in user.consents.all()
        ],
        "shared_with": [
            {
                "clinician": link.clinician.email,
                "consented_at": link.consented_at.isoformat() if link.consented_at else None,
                "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
            }
            for link in CareLink.objects.filter(athlete=user).select_related("clinician")
        ],
    }
    for app in EXPORTING_APPS:
        document[app] = _app_export(app, user)
    return document


@transaction.atomic
def delete_account(user: User) -> None:
    """Delete the person and everything that hangs off them (uploaded files go on commit)."""
    user.delete()


def revoke_sharing(user: User, link_id: int) -> CareLink:
    link = CareLink.objects.select_for_update().get(pk=link_id, athlete=user)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link
