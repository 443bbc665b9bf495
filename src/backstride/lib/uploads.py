"""Refusing an over-large upload before Django reads it (activities, form checks, the API).

Call :func:`install_cap` before anything touches ``request.POST`` or ``request.FILES``: it
answers ``None`` at once when the declared length is already too big (answer 413 without
reading the body), otherwise it installs a handler that stops reading past the limit, however
the body is sent, and whose ``exceeded`` says so afterwards.
"""

from __future__ import annotations

from typing import Final

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

#: Room for the form fields around the file in a multipart body.
FORM_OVERHEAD: Final = 64 * 1024


class UploadCapHandler(FileUploadHandler):
    """Stop reading a request body once it passes the upload limit (however it's sent)."""

    def __init__(self, request: HttpRequest | None = None, limit: int = 0) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_cap(request: HttpRequest, limit: int) -> UploadCapHandler | None:
    """Watch the body as Django reads it (``limit`` bytes of files plus the form fields);
    ``None`` when its declared length is already too big."""
    limit += FORM_OVERHEAD
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    cap = UploadCapHandler(request, limit)
    request.upload_handlers.insert(0, cap)
    return cap
