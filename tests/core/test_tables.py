"""Reading a dataclass from a TOML table by the limits its fields declare (core/tables.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from backstride.core.tables import TableBuilder, _LineIndex, _Table, limits, read_fields


@dataclass(frozen=True)
class Sample:
    name: str
    size: int = field(metadata=limits(1, 9))
    weight: float = field(metadata=limits(0.5, 2))
    on: bool
    kind: str = field(metadata=limits(choices=("a", "b")))
    tags: tuple[str, ...] = field(default=(), metadata=limits(required=False))
    note: str = field(default="", metadata=limits(required=False))


def read(data: dict[str, Any], **special: Any) -> tuple[Sample, list[str]]:
    builder = TableBuilder(data, _LineIndex(""), "t.toml")
    table = _Table(builder, data, ("sample",))
    sample = read_fields(table, Sample, **special)
    table.done()
    return sample, [i.problem for i in builder.issues]


def test_every_field_is_read_by_its_type_and_limits() -> None:
    data = {"name": " x ", "size": 3, "weight": 1, "on": True, "kind": "b", "tags": ["t"]}
    sample, problems = read(data)
    assert sample == Sample("x", 3, 1.0, True, "b", ("t",), "")
    assert problems == []


def test_problems_come_in_the_order_the_fields_are_declared() -> None:
    _, problems = read({"size": 10, "weight": "heavy", "kind": "c", "extra": 1})
    assert problems == [
        "missing required key 'name'",
        "10 is above the maximum 9",
        "must be a number, got text",
        "missing required key 'on'",
        "'c' is not one of: a, b",
        "unknown key 'extra'",
    ]


def test_a_special_reader_replaces_the_plain_one() -> None:
    data = {"size": 1, "weight": 1, "on": False, "kind": "a"}
    sample, problems = read(data, name=lambda t: "given")
    assert sample.name == "given" and problems == []


def test_a_special_reader_for_no_field_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="has no field colour"):
        read({}, colour=lambda t: "red")
