"""The per-file cap holds once a file is unpacked: zip members and gzipped files alike.

The cap is counted on the bytes actually decompressed, never taken from a header, and a file
over it is reported on its own while the rest of the upload still imports.
"""

from __future__ import annotations

import gzip
import struct
import zipfile
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backstride.activities.models import Activity, ImportBatch
from tests.conftest import stored_files

from .files import gpx_run, make_zip

pytestmark = pytest.mark.django_db

CAP = 64 * 1024
BIG = gpx_run(km=20.0)  # about 150 KB of GPX: well over the cap, and it compresses well
SMALL = gpx_run(km=1.0, start=datetime(2025, 4, 2, 7, 0, tzinfo=UTC))
OVER_CAP = "is larger than 64 KB once unpacked; the limit per file is 64 KB"


@pytest.fixture(autouse=True)
def small_cap(settings):
    settings.ACTIVITIES_MAX_FILE_BYTES = CAP
    assert len(BIG) > 2 * CAP and len(SMALL) < CAP


def _import(client, run_tasks, name: str, data: bytes) -> ImportBatch:
    response = client.post(reverse("activities:upload"), {"upload": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content[:1000]
    batch = ImportBatch.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    run_tasks()
    return batch


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_archive_member_over_the_cap_once_unpacked_is_rejected_and_the_rest_imports(
    athlete, client_for, run_tasks, media_root, method
):
    archive = make_zip(
        [
            ("export/big.gpx", BIG),
            ("export/big-too.gpx.gz", gzip.compress(gpx_run(km=20.0, lat0=47.0))),
            ("export/small.gpx", SMALL),
        ],
        compression=method,
    )
    if method == zipfile.ZIP_DEFLATED:
        assert len(archive) < CAP  # the upload itself is small: only unpacking shows the size
    batch = _import(client_for(athlete), run_tasks, "export.zip", archive)
    entries = {e.name: e for e in batch.items.get(parent__isnull=True).entries.all()}
    assert entries["big.gpx"].status == "rejected"
    assert entries["big.gpx"].reason == f"big.gpx {OVER_CAP}, so it was not imported."
    assert entries["big-too.gpx.gz"].status == "rejected"
    assert entries["big-too.gpx.gz"].reason.startswith(f"big-too.gpx.gz {OVER_CAP}")
    assert entries["small.gpx"].status == "imported"
    # Nothing half-written: one activity, one stored original, the upload itself gone.
    assert Activity.objects.count() == 1
    assert len(stored_files(media_root)) == 1


def test_gzipped_upload_over_the_cap_once_unpacked_is_rejected(
    athlete, client_for, run_tasks, media_root
):
    packed = gzip.compress(BIG)
    assert len(packed) < CAP  # accepted on sight: only the unpacked size is over
    # The gzip trailer's declared size is a lie (100 bytes): it must not be believed.
    lying = packed[:-4] + struct.pack("<I", 100)
    batch = _import(client_for(athlete), run_tasks, "long.gpx.gz", lying)
    item = batch.items.get()
    assert item.status == "rejected"
    assert item.reason == f"long.gpx.gz {OVER_CAP}, so it was not imported."
    assert not Activity.objects.exists()
    assert stored_files(media_root) == []


def _understate_size(archive: bytes, member: bytes, declared: int) -> bytes:
    """Rewrite the local and central headers of ``member`` to claim ``declared`` bytes."""
    data = bytearray(archive)
    local = data.find(b"PK\x03\x04")
    assert data[local + 30 : local + 30 + len(member)] == member
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    assert data[central + 46 : central + 46 + len(member)] == member
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_zip_member_whose_header_understates_its_size_is_not_imported(
    athlete, client_for, run_tasks, media_root
):
    archive = make_zip([("big.gpx", BIG), ("small.gpx", SMALL)])
    lying = _understate_size(archive, b"big.gpx", 1000)
    with zipfile.ZipFile(__import__("io").BytesIO(lying)) as zf:
        assert zf.getinfo("big.gpx").file_size == 1000  # the header says "small"
    batch = _import(client_for(athlete), run_tasks, "export.zip", lying)
    entries = {e.name: e for e in batch.items.get(parent__isnull=True).entries.all()}
    assert entries["big.gpx"].status == "rejected", entries["big.gpx"].reason
    assert entries["small.gpx"].status == "imported"
    assert Activity.objects.count() == 1
    assert len(stored_files(media_root)) == 1
