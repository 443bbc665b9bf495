"""Write the zip of everything (the background job's work; it never enqueues anything).

Layout of the zip::

    README.txt                 what each file and folder holds, with row counts
    data.json                  every table, one key each (``document.export_everything``)
    csv/<table>.csv            one CSV per table
    gpx/<date>-<id>.gpx        each run that has a route, as GPX 1.1
    originals/activities/…     the files your runs were imported from
    originals/uploads/…        uploaded files still held from an unfinished import
    originals/form-checks/…    form-check videos you chose to keep
    form-checks/<id>/…         foot-contact pictures and the measured pose of each form check

Stored files are read through the storage API (``default_storage``), never from local paths,
so the same code works with files on disk or in an S3-compatible bucket.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.core.files.storage import default_storage
from django.utils import timezone

from backstride.accounts.models import User
from backstride.activities.exports import activity_gpx
from backstride.activities.models import Activity, ActivityFile, ImportItem
from backstride.formcheck.models import ContactFrame, FormCheck

from . import document
from .tables import TABLES, archive_path, gpx_path

#: (what is being done, steps done, steps in all)
Progress = Callable[[str, int, int], None]

#: Already-compressed content is stored as it is; deflating it again only costs time.
_STORED_SUFFIXES = (".jpg", ".mp4", ".mov", ".webm", ".zip", ".gz", ".fit")


@dataclass(frozen=True)
class StoredFile:
    """A file of the person's in the storage, and where it goes in the zip."""

    name: str
    path: str


@dataclass
class Summary:
    """What went into one zip."""

    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    routes: int = 0
    missing: list[str] = field(default_factory=list)


def stored_files(user: User) -> list[StoredFile]:
    """Every file the person uploaded that is still stored: run originals, uploads of an
    unfinished import, form-check videos they kept."""
    found: list[StoredFile] = []
    for original in ActivityFile.objects.filter(activity__user=user).order_by("pk"):
        if original.file.name:
            found.append(StoredFile(original.file.name, archive_path(original, "file")))
    for item in ImportItem.objects.filter(batch__user=user).exclude(upload="").order_by("pk"):
        found.append(StoredFile(str(item.upload.name), archive_path(item, "upload")))
    for check in FormCheck.objects.filter(athlete=user).exclude(video="").order_by("pk"):
        found.append(StoredFile(str(check.video.name), archive_path(check, "video")))
    return found


def _compression(path: str) -> int:
    return zipfile.ZIP_STORED if path.lower().endswith(_STORED_SUFFIXES) else zipfile.ZIP_DEFLATED


def _entry(zf: zipfile.ZipFile, path: str) -> IO[bytes]:
    info = zipfile.ZipInfo(path, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = _compression(path)
    info.external_attr = 0o644 << 16
    return zf.open(info, "w", force_zip64=True)


def write_archive(user: User, out: IO[bytes], progress: Progress | None = None) -> Summary:
    """Write the zip of everything ``user`` has to ``out`` (a seekable binary file)."""
    report = progress or (lambda step, done, total: None)
    summary = Summary()
    files = stored_files(user)
    routes = list(
        Activity.objects.filter(user=user, has_gps=True)
        .select_related("original")
        .order_by("start", "pk")
    )
    checks = list(
        FormCheck.objects.filter(athlete=user).values_list("pk", flat=True).order_by("pk")
    )
    total = len(TABLES) + len(routes) + len(files) + len(checks) + 1
    done = 0

    with zipfile.ZipFile(out, "w", allowZip64=True) as zf, tempfile.TemporaryFile() as body:
        for t in TABLES:
            report(f"Your records: {t.name.replace('_', ' ')}", done, total)
            rows = list(t.rows(user))
            summary.rows[t.name] = len(rows)
            with _entry(zf, f"csv/{t.name}.csv") as fh:
                fh.write(document.csv_text(document.columns(t, rows), rows).encode("utf-8"))
            body.write(b"," if done else b"")
            body.write(json.dumps(t.name).encode() + b": ")
            body.write(json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"))
            done += 1

        for activity in routes:
            report("Your routes as GPX", done, total)
            with _entry(zf, gpx_path(activity)) as fh:
                for chunk in activity_gpx(activity):
                    fh.write(chunk)
            summary.routes += 1
            done += 1

        for stored in files:
            report("Your uploaded files", done, total)
            try:
                with default_storage.open(stored.name, "rb") as src, _entry(zf, stored.path) as fh:
                    shutil.copyfileobj(src, fh, 1024 * 1024)
                summary.files += 1
            except FileNotFoundError:
                summary.missing.append(stored.path)
            done += 1

        for check_id in checks:
            report("Your form checks", done, total)
            _write_form_check(zf, check_id)
            done += 1

        report("Finishing", done, total)
        with _entry(zf, "data.json") as fh:
            head = json.dumps(document.header(), ensure_ascii=False)
            fh.write(head[:-1].encode("utf-8") + b", ")
            body.seek(0)
            shutil.copyfileobj(body, fh, 1024 * 1024)
            fh.write(b"}\n")
        with _entry(zf, "README.txt") as fh:
            fh.write(readme(user, summary).encode("utf-8"))
        done += 1
        report("Finished", done, total)
    return summary


def _write_form_check(zf: zipfile.ZipFile, check_id: int) -> None:
    check = FormCheck.objects.get(pk=check_id)
    landmarks = check.get_landmarks()
    if landmarks is not None:
        with _entry(zf, archive_path(check, "landmarks")) as fh:
            fh.write(json.dumps(landmarks).encode("utf-8"))
    frames = ContactFrame.objects.filter(form_check_id=check_id).order_by("index")
    for frame in frames.iterator(chunk_size=20):
        with _entry(zf, archive_path(frame, "image")) as fh:
            fh.write(bytes(frame.image))


def readme(user: User, summary: Summary) -> str:
    """The zip's README: what is in it, table by table."""
    lines = [
        f"Everything Backstride holds about {user.email}",
        f"Made on {timezone.localtime(timezone.now(), user.tzinfo):%d %B %Y at %H:%M} "
        f"({user.timezone}).",
        "",
        "data.json         every table below, one key each (times in UTC, ISO 8601)",
        "csv/              the same tables, one CSV file each",
        f"gpx/              {summary.routes} route(s) as GPX 1.1",
        f"originals/        {summary.files} file(s) you uploaded, as you uploaded them",
        "form-checks/      foot-contact pictures and the measured pose of each form check",
        "",
        "Tables (rows):",
    ]
    for t in TABLES:
        lines.append(f"  {t.name} ({summary.rows.get(t.name, 0)}): {t.about}")
    if summary.missing:
        lines += ["", "These files could not be found in storage and are not included:"]
        lines += [f"  {path}" for path in summary.missing]
    return "\n".join(lines) + "\n"
