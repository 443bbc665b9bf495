"""`backstride backup` and `backstride restore`, as real processes, round trip on SQLite and on
PostgreSQL: write data, back up, wipe, restore, compare every row and every media file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deps import missing_dependency

PG = "postgres://postgres@127.0.0.1:5432"

WRITE_DATA = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from backstride.accounts.models import User
from backstride.newsletter.models import Subscriber
User.objects.create_user(email="kept@example.org", password="a-long-password-1", role="athlete")
Subscriber.objects.create(email="reader@example.org")
default_storage.save("publication/audio/episode.mp3", ContentFile(b"ID3" + bytes(range(256)) * 400))
default_storage.save("activities/originals/run.gpx", ContentFile(b"<gpx>caf\\xc3\\xa9</gpx>"))
"""


def backstride(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "backstride", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def media_digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def snapshot(env: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
    """Every row (as dumpdata sees it) and every media file's checksum."""
    rows = json.loads(backstride(env, "dumpdata", "--indent", "0").stdout)
    return rows, media_digests(Path(env["MEDIA_ROOT"]))


def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }


def wipe_sqlite(tmp_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"site.sqlite3{suffix}").unlink(missing_ok=True)


def make_site(env: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
    backstride(env, "migrate", "--verbosity", "0")
    backstride(env, "shell", "-c", WRITE_DATA)
    return snapshot(env)


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict, tuple]]:
    """A migrated SQLite site with data and media, and one backup of it."""
    tmp = tmp_path_factory.mktemp("site")
    env = sqlite_env(tmp)
    before = make_site(env)
    archive = Path(backstride(env, "backup").stdout.strip())
    yield archive, env, before


def test_sqlite_round_trip_restores_every_row_and_media_file(sqlite_site, tmp_path):
    archive, site_env, before = sqlite_site
    assert archive.parent == Path(site_env["BACKUP_DIR"])
    assert archive.name.startswith("backstride-") and archive.name.endswith(".tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert len(before[0]) > 10 and len(before[1]) == 2
    # Wipe: a new, empty place; restore there.
    env = sqlite_env(tmp_path)
    proc = backstride(env, "restore", str(archive))
    assert "Restored the sqlite database and 2 media files" in proc.stdout
    assert snapshot(env) == before


def test_backup_output_option_and_manifest_with_checksums(sqlite_site, tmp_path):
    _, env, before = sqlite_site
    archive = Path(
        backstride(env, "backup", "--output", str(tmp_path / "elsewhere")).stdout.strip()
    )
    assert archive.parent == tmp_path / "elsewhere"
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        sums = tar.extractfile("SHA256SUMS").read().decode()  # type: ignore[union-attr]
        names = set(tar.getnames())
        audio = tar.extractfile("media/publication/audio/episode.mp3").read()  # type: ignore[union-attr]
    assert manifest["database"] == {"vendor": "sqlite", "file": "database.sqlite3"}
    assert manifest["migrations"]["accounts"].startswith("00")
    assert set(manifest["files"]) == names - {"manifest.json", "SHA256SUMS"}
    assert manifest["files"]["media/publication/audio/episode.mp3"]["sha256"] == (
        hashlib.sha256(audio).hexdigest()
    )
    assert before[1]["publication/audio/episode.mp3"] == hashlib.sha256(audio).hexdigest()
    for name, entry in manifest["files"].items():
        assert f"{entry['sha256']}  {name}\n" in sums


def test_restore_refuses_a_database_with_tables_unless_forced(sqlite_site, tmp_path):
    archive, _, before = sqlite_site
    env = sqlite_env(tmp_path)
    backstride(env, "migrate", "--verbosity", "0")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "newer.txt").write_text("kept aside, not deleted")
    proc = backstride(env, "restore", str(archive), check=False)
    assert proc.returncode == 1
    assert "Refusing to overwrite: the database already has" in proc.stderr
    assert f"{tmp_path / 'media'} is not empty" in proc.stderr
    assert "--force" in proc.stderr
    assert snapshot(env)[0] != before[0]  # untouched: no users yet

    proc = backstride(env, "restore", "--force", str(archive))
    assert "The previous media folder is kept at" in proc.stdout
    assert snapshot(env) == before
    [kept] = tmp_path.glob("media.before-restore-*")
    assert (kept / "newer.txt").read_text() == "kept aside, not deleted"


def rewrite_member(archive: Path, target: Path, name: str, data: bytes) -> None:
    """Copy ``archive`` to ``target`` with member ``name`` replaced by ``data``."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            body = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == name:
                body = data
                member.size = len(data)
            dst.addfile(member, io.BytesIO(body))


def test_restore_verifies_checksums_before_touching_anything(sqlite_site, tmp_path):
    archive, _, _ = sqlite_site
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as tar:
        original = tar.extractfile("media/activities/originals/run.gpx").read()  # type: ignore[union-attr]
    rewrite_member(archive, tampered, "media/activities/originals/run.gpx", b"X" + original[1:])
    env = sqlite_env(tmp_path / "target")
    proc = backstride(env, "restore", str(tampered), check=False)
    assert proc.returncode == 1
    assert "The checksum of media/activities/originals/run.gpx does not match the manifest" in (
        proc.stderr
    )
    assert "Nothing was restored" in proc.stderr
    assert not (tmp_path / "target" / "media").exists()
    proc = backstride(env, "restore", "--check", str(tampered), check=False)
    assert proc.returncode == 1
    assert "intact" in backstride(env, "restore", "--check", str(archive)).stdout


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    env = sqlite_env(tmp_path)
    junk = tmp_path / "junk.tar.gz"
    with tarfile.open(junk, "w:gz") as tar:
        info = tarfile.TarInfo("../../etc/evil")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    proc = backstride(env, "restore", str(junk), check=False)
    assert proc.returncode == 1
    assert "has no readable manifest.json: not a backup" in proc.stderr
    proc = backstride(env, "restore", str(tmp_path / "missing.tar.gz"), check=False)
    assert "There is no backup archive at" in proc.stderr


def test_restore_refuses_a_backup_of_another_database_vendor(sqlite_site, tmp_path):
    archive, _, _ = sqlite_site
    manifest_only = tmp_path / "pg.tar.gz"
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    manifest["database"]["vendor"] = "postgresql"
    rewrite_member(archive, manifest_only, "manifest.json", json.dumps(manifest).encode())
    proc = backstride(sqlite_env(tmp_path / "t"), "restore", str(manifest_only), check=False)
    assert "This is a postgresql backup but DATABASE_URL points at sqlite" in proc.stderr


# --- PostgreSQL -------------------------------------------------------------------------
def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database (not the suite's backstride_test), dropped after."""
    name = f"backstride_restore_{os.getpid()}"
    try:
        pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception as exc:
        missing_dependency(f"PostgreSQL is not reachable at {PG} ({exc.__class__.__name__})")
    pg_admin(f"CREATE DATABASE {name}")
    yield name
    pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_postgresql_round_trip_restores_every_row_and_media_file(pg_database, tmp_path):
    env = {
        "DATABASE_URL": f"{PG}/{pg_database}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    before = make_site(env)
    archive = Path(backstride(env, "backup").stdout.strip())
    with tarfile.open(archive) as tar:
        assert "database.pgdump" in tar.getnames()

    # Wipe: drop the database and the media, start from an empty database.
    pg_admin(f"DROP DATABASE {pg_database} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {pg_database}")
    for path in sorted((tmp_path / "media").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()

    proc = backstride(env, "restore", str(archive))
    assert "Restored the postgresql database and 2 media files" in proc.stdout
    assert snapshot(env) == before

    # Forced over a database with data: one transaction drops and restores.
    later = "User.objects.create_user(email='later@example.org', password='x-long-pass-2')"
    backstride(env, "shell", "-c", f"from backstride.accounts.models import User; {later}")
    proc = backstride(env, "restore", str(archive), check=False)
    assert "Refusing to overwrite: the database already has" in proc.stderr
    backstride(env, "restore", "--force", str(archive))
    assert snapshot(env) == before
