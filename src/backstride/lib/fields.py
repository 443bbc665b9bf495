"""Build a result type from an object that has the same-named attributes.

Services and API modules often turn a record (a model row, a core result) into a typed answer
(a dataclass, a ninja ``Schema``) whose fields carry the same names. ``from_attributes`` does
that copy once, so a new field is added in one place, and names only what differs.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


def field_names(cls: type) -> list[str]:
    """The fields of a dataclass or a pydantic model (ninja ``Schema``), in declared order."""
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.init]
    raise TypeError(f"{cls!r} is neither a dataclass nor a pydantic model")


def from_attributes(cls: type[T], source: object, **values: Any) -> T:
    """``cls`` with each field read from ``source``'s attribute of the same name, except
    those given in ``values``; a missing attribute is an error, never a silent default."""
    copied = {name: getattr(source, name) for name in field_names(cls) if name not in values}
    return cls(**copied, **values)
