"""Refusing an over-large video before Django reads it: the page and the API share this."""

from __future__ import annotations

from django.http import HttpRequest

from backstride.lib import uploads
from backstride.lib.uploads import UploadCapHandler

from .services import max_upload_bytes

__all__ = ["UploadCapHandler", "install_cap"]


def install_cap(request: HttpRequest) -> UploadCapHandler | None:
    """The shared cap at ``FORM_MAX_UPLOAD_MB``; ``None`` when the declared length is too big."""
    return uploads.install_cap(request, max_upload_bytes())
