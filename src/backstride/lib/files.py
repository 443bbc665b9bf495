"""Stored files as local paths, for the tools that need one (the video estimator, OpenCV).

On the filesystem storage that is the file itself; on S3 (``MEDIA_STORAGE=s3``) the file is
copied to a temporary file for as long as the ``with`` block runs, then removed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

from django.core.files.storage import Storage, default_storage


def local_path(name: str, storage: Storage | None = None) -> str | None:
    """The file's path on this machine, or None when the storage is remote."""
    try:
        return (storage or default_storage).path(name)
    except NotImplementedError:
        return None


@contextmanager
def local_copy(name: str, storage: Storage | None = None) -> Iterator[str]:
    """A local path to the stored file ``name`` for the duration of the block."""
    storage = storage or default_storage
    path = local_path(name, storage)
    if path is not None:
        yield path
        return
    suffix = PurePosixPath(name).suffix
    with tempfile.NamedTemporaryFile(prefix="backstride-", suffix=suffix) as tmp:
        with storage.open(name, "rb") as source:
            shutil.copyfileobj(source, tmp, 1024 * 1024)
        tmp.flush()
        yield tmp.name


class StorageUnavailable(Exception):
    """The file store did not take a file (a full disk, or S3 down or refusing)."""

    message = (
        "We couldn't store your file just now, so nothing was saved. "
        "Please try again in a few minutes."
    )


def storage_errors() -> tuple[type[BaseException], ...]:
    """What a storage backend raises when it cannot store or remove a file."""
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # the S3 extra is not installed: the filesystem only
        return tuple(errors)
    return (*errors, BotoCoreError, ClientError)
