"""Backups: the database and the media folder in one timestamped archive, and back again.

An archive (``backstride-YYYYmmddTHHMMSSZ.tar.gz``) holds:

- ``database.sqlite3`` (SQLite's online backup API: safe while the site runs, WAL or not)
  or ``database.pgdump`` (``pg_dump --format=custom``);
- ``media/…``: every file under ``MEDIA_ROOT``;
- ``SHA256SUMS`` (``sha256sum -c`` format, for a person checking by hand) and
  ``manifest.json`` (format, time, database vendor, the migrations applied, and the size and
  SHA-256 of every file) — written last, from the bytes actually archived.

Restoring checks every checksum before touching anything, refuses a database that already has
tables unless forced, restores PostgreSQL in one transaction (a failure leaves the database as
it was), and swaps the media folder in only once the database is restored (a forced restore
keeps the old folder beside it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import connection, connections

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why in plain words."""


@dataclass(frozen=True)
class Restored:
    vendor: str
    files: int
    created_at: str
    old_media: Path | None


# --- Backup ---------------------------------------------------------------------------
def backup(output_dir: Path, now: datetime | None = None) -> Path:
    """Write one archive into ``output_dir`` and return its path."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    output_dir.mkdir(parents=True, exist_ok=True)
    final = output_dir / f"backstride-{stamp}.tar.gz"
    if final.exists():
        raise BackupError(f"{final} already exists; wait a second and run the backup again.")
    partial = output_dir / f".{final.name}.partial"
    vendor = connection.vendor
    if vendor not in DB_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    files: dict[str, dict[str, Any]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="backstride-backup-") as tmp:
            dump = Path(tmp) / DB_FILES[vendor]
            if vendor == "sqlite":
                _dump_sqlite(dump)
            else:
                _dump_postgresql(dump)
            with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
                files[dump.name] = _add(tar, dump, dump.name)
                for path in _media_files():
                    name = "media/" + path.relative_to(settings.MEDIA_ROOT).as_posix()
                    files[name] = _add(tar, path, name)
                sums = "".join(f"{f['sha256']}  {name}\n" for name, f in files.items())
                _add_bytes(tar, SUMS, sums.encode())
                manifest = {
                    "format": FORMAT,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "database": {"vendor": vendor, "file": dump.name},
                    "migrations": _applied_migrations(),
                    "files": files,
                }
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        partial.chmod(0o600)
        partial.rename(final)
    finally:
        partial.unlink(missing_ok=True)
    return final


def _dump_sqlite(target: Path) -> None:
    source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    """libpq connection options for the app's database; the password only in the environment."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return env, args


def _dump_postgresql(target: Path) -> None:
    env, args = _pg_env_and_args()
    name = str(settings.DATABASES["default"]["NAME"])
    _run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args, "--file",
         str(target), "--dbname", name],
        env,
        "pg_dump",
    )  # fmt: skip


def _run(cmd: list[str], env: dict[str, str], what: str, **kwargs: Any) -> None:
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, **kwargs)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{what} is not installed: install the PostgreSQL client tools of your server's "
            "version (Debian: apt-get install postgresql-client)."
        ) from exc
    if proc.returncode != 0:
        raise BackupError(f"{what} failed: {proc.stderr.strip() or proc.stdout.strip()}")


def _media_files() -> Iterator[Path]:
    root = Path(settings.MEDIA_ROOT)
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


class _Hashing:
    """A file object that hashes what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as raw:
        reader = _Hashing(raw)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    if reader.size != info.size:
        raise BackupError(f"{name} changed size while it was being backed up; run it again.")
    return {"size": info.size, "sha256": reader.sha.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _applied_migrations() -> dict[str, str]:
    """The latest applied migration of each app (what a restore needs ``migrate`` to reach)."""
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


# --- Restore --------------------------------------------------------------------------
def read_manifest(archive: Path) -> dict[str, Any]:
    """Open ``archive`` and check every member against the manifest; return the manifest.

    Raises :class:`BackupError` for anything amiss: not an archive, no manifest, an unknown
    format, a file missing, an unexpected or unsafe member, a size or checksum mismatch.
    """
    if not archive.is_file():
        raise BackupError(f"There is no backup archive at {archive}.")
    try:
        with tarfile.open(archive, "r:*") as tar:
            try:
                member = tar.getmember(MANIFEST)
                raw = tar.extractfile(member)
                manifest = json.loads(raw.read() if raw else b"")
            except (KeyError, ValueError) as exc:
                raise BackupError(f"{archive} has no readable {MANIFEST}: not a backup.") from exc
            if manifest.get("format") != FORMAT:
                raise BackupError(
                    f"{archive} is a backup in format {manifest.get('format')!r}; this "
                    f"version of Backstride restores format {FORMAT}."
                )
            expected: dict[str, dict[str, Any]] = manifest["files"]
            seen: set[str] = set()
            for member in tar:
                if member.name in (MANIFEST, SUMS):
                    continue
                _check_member(member, expected)
                seen.add(member.name)
                digest = hashlib.sha256()
                stream = tar.extractfile(member)
                assert stream is not None
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                if digest.hexdigest() != expected[member.name]["sha256"]:
                    raise BackupError(
                        f"The checksum of {member.name} does not match the manifest: the "
                        "archive is damaged or was changed. Nothing was restored."
                    )
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive} cannot be read as a backup archive ({exc}).") from exc
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{archive} lacks {', '.join(missing[:5])}: it is incomplete.")
    if manifest["database"]["file"] not in expected:
        raise BackupError(f"{archive} has no database dump.")
    return dict(manifest)


def _check_member(member: tarfile.TarInfo, expected: dict[str, dict[str, Any]]) -> None:
    path = PurePosixPath(member.name)
    if not member.isfile() or path.is_absolute() or ".." in path.parts:
        raise BackupError(f"The archive holds an unexpected entry {member.name!r}; refusing it.")
    if member.name not in expected:
        raise BackupError(f"The archive holds {member.name}, which its manifest does not list.")
    if member.size != expected[member.name]["size"]:
        raise BackupError(f"The size of {member.name} does not match the manifest.")


def database_tables() -> list[str]:
    """The tables the app's database already has."""
    with connection.cursor() as cursor:
        return list(connection.introspection.table_names(cursor))


def restore(archive: Path, *, force: bool = False) -> Restored:
    """Restore ``archive`` into the configured database and ``MEDIA_ROOT``."""
    manifest = read_manifest(archive)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"This is a {vendor} backup but DATABASE_URL points at {connection.vendor}: "
            f"restore it into a {vendor} database."
        )
    media_root = Path(settings.MEDIA_ROOT)
    tables = database_tables()
    media_in_use = media_root.is_dir() and any(media_root.iterdir())
    if not force and (tables or media_in_use):
        where = []
        if tables:
            where.append(f"the database already has {len(tables)} tables")
        if media_in_use:
            where.append(f"{media_root} is not empty")
        raise BackupError(
            f"Refusing to overwrite: {' and '.join(where)}. Restore into an empty database "
            "and media folder, or run again with --force to replace them (back them up first: "
            "`backstride backup`)."
        )
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(staging, filter="data")
        dump = staging / manifest["database"]["file"]
        if vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump, drop_first=bool(tables))
        old_media = _swap_media(staging / "media", media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = sum(1 for name in manifest["files"] if name.startswith("media/"))
    return Restored(vendor, files, manifest["created_at"], old_media)


def _restore_sqlite(dump: Path) -> None:
    connections.close_all()
    source = sqlite3.connect(str(dump))
    target = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=20)
    try:
        source.backup(target)  # replaces every page of the target, in one step
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path, *, drop_first: bool) -> None:
    """pg_restore's SQL piped into one psql transaction: all of it, or nothing."""
    connections.close_all()
    env, args = _pg_env_and_args()
    name = str(settings.DATABASES["default"]["NAME"])
    drop = ["-c", "DROP SCHEMA public CASCADE", "-c", "CREATE SCHEMA public"] if drop_first else []
    try:
        restore_sql = subprocess.Popen(
            ["pg_restore", "--no-owner", "--no-privileges", "--file", "-", str(dump)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise BackupError("pg_restore is not installed (Debian: postgresql-client).") from exc
    try:
        _run(
            ["psql", "--single-transaction", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1",
             *args, "--dbname", name, *drop, "-f", "-"],
            env,
            "psql (restoring the dump)",
            stdin=restore_sql.stdout,
        )  # fmt: skip
    finally:
        if restore_sql.stdout:
            restore_sql.stdout.close()
        _, err = restore_sql.communicate()
    if restore_sql.returncode != 0:
        raise BackupError(f"pg_restore failed: {err.decode(errors='replace').strip()}")


def _swap_media(restored: Path, media_root: Path) -> Path | None:
    """Put the restored media in place; an existing non-empty folder is kept beside it."""
    old: Path | None = None
    if media_root.is_dir():
        if any(media_root.iterdir()):
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            old = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
            media_root.rename(old)
        else:
            media_root.rmdir()
    if restored.is_dir():
        restored.rename(media_root)
    else:
        media_root.mkdir(parents=True)
    return old
