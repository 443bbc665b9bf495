"""When something computed from an athlete's records may be reused.

The rules are pure: the same records give the same plan. Reading the records takes a dozen
queries (sessions, check-ins, tests, phase changes, red-flag screens…), and Today, the rehab
and running pages and the API each ask. So a computed answer (the running prescription, the
rehab phase decision) is kept in the cache under a key made of what it was computed from:

- the athlete's token: the count and the newest id of their :class:`~.models.RecordsChange`
  rows. Every save or delete of a tracked row adds one, in the same transaction as the
  write: rows are only added, so concurrent writes never wait on each other's row (an
  updated version row deadlocked an import against a check-in on PostgreSQL), and a
  rolled-back write takes its row with it. The count changes with every committed write
  even when they commit out of order. Each app lists its tracked models with :func:`track`
  in its ``AppConfig.ready``;
- the day and the athlete's time zone (answers are per day);
- what must be read fresh every time (:func:`read_fresh`): rehab registers "does a red-flag
  screen stop the program now?", so a stop shows at once, whatever else happens;
- a fingerprint of Backstride's own source and protocol files (a deploy that changes the
  rules never reuses an answer made by the old ones).

Inside a transaction nothing is read from or put in the cache: what a transaction sees may
still be rolled back. (The test suite's own outer transaction does not count.)

``tests/accounts/test_freshness.py`` checks that every table a cached computation reads is
tracked, so a new input cannot be forgotten, and that no code changes a tracked model with
``update()`` or ``bulk_create()``, which send no signal (code that must, calls :func:`bump`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Hashable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache as django_cache
from django.db import connection
from django.db.models import Count, Max, Model
from django.db.models.signals import post_delete, post_save

from backstride.lib.snapshot import remembered

from .models import RecordsChange, User

T = TypeVar("T")
log = logging.getLogger("backstride.cache")

#: Each tracked model (``app.Model``) with the path from a row to its athlete's id.
TRACKED: dict[str, str] = {}

#: Questions asked afresh on every lookup, their answers part of the key (:func:`read_fresh`).
FRESH: list[Callable[[Any], Hashable]] = []

#: How long an answer stays in the cache at most (answers are per day anyway).
TTL_SECONDS = 24 * 3600


def track(label: str, athlete: str = "user_id") -> None:
    """Add a change row for the athlete whenever a ``label`` row is saved or deleted;
    ``athlete`` is the attribute path from a row to the athlete's id (``screen.user_id``)."""
    model = apps.get_model(label)
    TRACKED[label] = athlete

    def saved(instance: Model, **_: Any) -> None:
        bump(_athlete_of(instance, athlete))

    def deleted(instance: Model, origin: Any = None, **_: Any) -> None:
        if not _deleting_a_person(origin):  # their change rows go with them
            bump(_athlete_of(instance, athlete))

    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"records:{label}:s")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"records:{label}:d")


def read_fresh(question: Callable[[Any], Hashable]) -> None:
    """Make ``question(user)`` part of every key, read afresh on each lookup (from an app's
    ``AppConfig.ready``): an answer it changes is never served from before the change."""
    FRESH.append(question)


def bump(user_id: int | None) -> None:
    """Record a change to the athlete's records: every answer computed before is unreachable."""
    if user_id is not None:
        RecordsChange.objects.create(user_id=user_id)


@remembered
def token(user: Any) -> str:
    """The athlete's current token: how many changes, and the newest."""
    seen = RecordsChange.objects.filter(user_id=user.pk).aggregate(n=Count("id"), last=Max("id"))
    return f"{seen['n']}.{seen['last'] or 0}"


def cached(user: Any, name: str, day: date, compute: Callable[[], T]) -> T:
    """``compute()``'s answer (``name``: what it is) for this athlete and day, from the cache
    when no tracked record has changed since it was stored."""
    if _in_transaction():
        return compute()
    fresh = tuple(question(user) for question in FRESH)
    parts = (name, user.pk, token(user), day, user.timezone, fresh, source_fingerprint())
    key = ":".join(str(p) for p in parts)
    try:
        kept: tuple[T] | None = django_cache.get(key)  # a 1-tuple: None is an answer too
    except Exception:  # a shared cache that is down (Redis) slows the page, never breaks it
        log.warning("cache unavailable: %s computed afresh", name)
        return compute()
    if kept is None:
        kept = (compute(),)
        with contextlib.suppress(Exception):
            django_cache.set(key, kept, TTL_SECONDS)
    return kept[0]


def _in_transaction() -> bool:
    # Django marks the atomic blocks a TestCase opens around each test; only ours count.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _deleting_a_person(origin: Any) -> bool:
    model = getattr(origin, "model", None) or type(origin)
    return isinstance(model, type) and issubclass(model, User)


@cache
def source_fingerprint() -> str:
    """A short hash of Backstride's Python source and shipped protocol files."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".toml") and "migrations" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _athlete_of(instance: Model, path: str) -> int | None:
    value: Any = instance
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return int(value)
