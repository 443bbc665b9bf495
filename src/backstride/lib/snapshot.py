"""A read snapshot: while a page that only reads is built, the same question about the same
athlete goes to the database once.

``/today/`` asks "which protocol?", "which profile?", "is the program stopped?" from the
rehab card, the running card and the weekly meter; each asks on its own, so each reads
the database on its own. Inside :func:`reading`, a function marked :func:`remembered`
answers a repeated call (same positional arguments; model rows by primary key) from the
first answer. Nothing outlives the ``with`` block: the next request reads afresh, so a
Today card is never staler than the request that shows it.

Any model saved or deleted inside the block forgets every answer (a page that writes
after all reads the new state). ``QuerySet.update()`` sends no signal: keep such writes
out of a reading block.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

P = ParamSpec("P")
R = TypeVar("R")

_answers: ContextVar[dict[Hashable, Any] | None] = ContextVar("backstride_reads", default=None)


@contextmanager
def reading() -> Iterator[None]:
    """Remember :func:`remembered` answers until the block ends (blocks nest)."""
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def remembered(func: Callable[P, R]) -> Callable[P, R]:
    """Answer repeated calls from the first one while :func:`reading` is active; outside it
    (and for calls with keyword arguments) call straight through."""
    name = f"{func.__module__}.{func.__qualname__}"

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        answers = _answers.get()
        if answers is None or kwargs:
            return func(*args, **kwargs)
        key = (name, *(_key(a) for a in args))
        if key not in answers:
            answers[key] = func(*args, **kwargs)
        return answers[key]  # type: ignore[no-any-return]

    return wrapper


def forget() -> None:
    """Drop every remembered answer of the current block (a no-op outside one)."""
    answers = _answers.get()
    if answers:
        answers.clear()


def _key(value: Any) -> Hashable:
    if isinstance(value, Model):
        if value.pk is None:
            raise TypeError("an unsaved row cannot key a remembered answer")
        return (value._meta.label, value.pk)
    hash(value)  # a TypeError here names an argument that cannot be remembered
    return value  # type: ignore[no-any-return]


def _on_write(**_: Any) -> None:
    forget()


post_save.connect(_on_write, dispatch_uid="backstride.lib.snapshot.save")
post_delete.connect(_on_write, dispatch_uid="backstride.lib.snapshot.delete")
