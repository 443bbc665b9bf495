"""Reading a TOML document as validated tables, with a file and line for every problem.

Generic: the clinical protocol (``core/protocol/``) and the running rules
(``core/treat/``) both read their tables through this module, which knows nothing of
either, so neither imports the other to share it. No Django.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

EXPERT_DEFAULT: Final = "expert default"


# --- Errors ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProtocolIssue:
    file: str
    line: int | None
    path: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.problem}" if self.path else f"{where}: {self.problem}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "path": self.path, "problem": self.problem}


class ProtocolError(ValueError):
    """A protocol file could not be loaded; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[ProtocolIssue]) -> None:
        self.issues: tuple[ProtocolIssue, ...] = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    @classmethod
    def in_line_order(cls, issues: Iterable[ProtocolIssue]) -> ProtocolError:
        """The error listing ``issues`` as they stand in the file: by line, then key path."""
        return cls(sorted(issues, key=lambda i: (i.line or 0, i.path)))


# --- Line numbers ---------------------------------------------------------------------------
PathT = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*(\]\]?)\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _split_key(key: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", key)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


class _LineIndex:
    """Maps a value's path in the parsed document to its line in the source text.

    Handles tables, arrays of tables (each element numbered as tomllib numbers it), keys and
    dotted keys, multi-line strings, and multi-line arrays whose elements start on their own
    line. Good enough to point a clinician at the right line; never raises.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[PathT, int] = {}
        self._index(text.splitlines())

    def _index(self, lines: list[str]) -> None:
        counters: dict[PathT, int] = {}
        table: PathT = ()
        in_string: str | None = None
        array_path: PathT | None = None
        array_depth = 0
        array_items = 0
        for number, line in enumerate(lines, start=1):
            if in_string:
                if in_string in line:
                    in_string = None
                continue
            if array_path is not None:
                stripped = line.strip()
                if (
                    stripped
                    and not stripped.startswith("#")
                    and array_depth == 1
                    and stripped[0] in "{\"'[0123456789-tf"
                ):
                    self.lines.setdefault((*array_path, array_items), number)
                    array_items += stripped.count("},") + stripped.count('",') or 1
                array_depth += _bracket_delta(line)
                if array_depth <= 0:
                    array_path = None
                continue
            header = _HEADER.match(line)
            if header and header.group(1) == header.group(3)[::-1].replace("]", "["):
                keys = _split_key(header.group(2))
                is_array = header.group(1) == "[["
                table = self._resolve(keys, counters, is_array)
                self.lines.setdefault(table, number)
                if is_array:
                    self.lines.setdefault(table[:-1], number)
                continue
            key = _KEY.match(line)
            if not key:
                continue
            path = (*table, *_split_key(key.group(1)))
            self.lines.setdefault(path, number)
            value = line[key.end() :].strip()
            for quote in ('"""', "'''"):
                if value.startswith(quote) and value.count(quote) == 1:
                    in_string = quote
            if value.startswith("[") and _bracket_delta(value) > 0:
                array_path, array_depth, array_items = path, _bracket_delta(value), 0

    def _resolve(self, keys: list[str], counters: dict[PathT, int], is_array: bool) -> PathT:
        path: PathT = ()
        for i, key in enumerate(keys):
            path = (*path, key)
            last = i == len(keys) - 1
            if last and is_array:
                index = counters.get(path, -1) + 1
                counters[path] = index
                # a new element resets the numbering of arrays nested in it
                for known in [k for k in counters if len(k) > len(path) and k[: len(path)] == path]:
                    del counters[known]
                path = (*path, index)
            elif path in counters:
                path = (*path, counters[path])
        return path

    def find(self, path: PathT) -> int | None:
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def _bracket_delta(line: str) -> int:
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", line)
    text = text.split("#", 1)[0]
    return text.count("[") - text.count("]")


# --- Validation and building ----------------------------------------------------------------
def _fmt_path(path: PathT) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Table:
    """A view of one TOML table that records which keys were read, to report unknown ones."""

    def __init__(self, builder: TableBuilder, data: Mapping[str, Any], path: PathT) -> None:
        self.b = builder
        self.data = data
        self.path = path
        self.seen: set[str] = set()

    def error(self, key: str | None, problem: str) -> None:
        self.b.error((*self.path, key) if key else self.path, problem)

    def _get(self, key: str, required: bool) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if required:
                self.error(None, f"missing required key '{key}'")
            return None
        return self.data[key]

    def _typed(self, key: str, required: bool, ok: Callable[[Any], bool], what: str) -> Any:
        """The value of ``key`` if ``ok`` accepts it; else ``None`` (missing, or wrong and the
        error ``must be <what>, got <its kind>`` recorded)."""
        value = self._get(key, required)
        if value is None:
            return None
        if not ok(value):
            self.error(key, f"must be {what}, got {_kind(value)}")
            return None
        return value

    def text(self, key: str, required: bool = True, choices: tuple[str, ...] | None = None) -> str:
        value: str | None = self._typed(key, required, lambda v: isinstance(v, str), "text")
        if value is None:
            return ""
        if required and not value.strip():
            self.error(key, "must not be empty")
        if choices is not None and value not in choices:
            self.error(key, _not_one_of(value, choices))
        return value.strip()

    def integer(
        self, key: str, required: bool = True, lo: float | None = None, hi: float | None = None
    ) -> int:
        value: int | None = self._typed(key, required, _is_whole, "a whole number")
        if value is None:
            return 0
        self._range(key, value, lo, hi)
        return value

    def number(
        self, key: str, required: bool = True, lo: float | None = None, hi: float | None = None
    ) -> float:
        value: float | None = self._typed(key, required, _is_number, "a number")
        if value is None:
            return 0.0
        self._range(key, value, lo, hi)
        return float(value)

    def _range(self, key: str, value: float, lo: float | None, hi: float | None) -> None:
        if lo is not None and value < lo:
            self.error(key, f"{value} is below the minimum {lo:g}")
        if hi is not None and value > hi:
            self.error(key, f"{value} is above the maximum {hi:g}")

    def flag(self, key: str, required: bool = False) -> bool:
        value: bool | None = self._typed(
            key, required, lambda v: isinstance(v, bool), "true or false"
        )
        return bool(value)

    def texts(
        self, key: str, required: bool = True, choices: tuple[str, ...] | None = None
    ) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(key, "must be a list of texts")
            return ()
        if required and not value:
            self.error(key, "must not be empty")
        for i, item in enumerate(value):
            if choices is not None and item not in choices:
                self.b.error((*self.path, key, i), _not_one_of(item, choices))
        return tuple(v.strip() for v in value)

    def integers(self, key: str, required: bool = True) -> tuple[int, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(_is_whole(v) for v in value):
            self.error(key, "must be a list of whole numbers")
            return ()
        return tuple(value)

    def sources(self, key: str = "source") -> tuple[str, ...]:
        """``source`` as a string or list; each a key of [sources] or "expert default".

        A missing source is not an error: it is reported by ``rules_without_source``.
        """
        value = self._get(key, False)
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            self.error(key, 'must be a source key, "expert default", or a list of them')
            return ()
        known = (*self.b.source_keys, EXPERT_DEFAULT)
        for i, item in enumerate(items):
            if item not in known:
                where = (*self.path, key, i) if isinstance(value, list) else (*self.path, key)
                self.b.error(
                    where,
                    f"unknown source '{item}': add it to [sources] or use \"{EXPERT_DEFAULT}\""
                    f"{_suggest(item, known)}",
                )
        return tuple(items)

    def table(self, key: str, required: bool = True) -> _Table | None:
        value = self._typed(key, required, lambda v: isinstance(v, dict), "a table")
        if value is None:
            return None
        return _Table(self.b, value, (*self.path, key))

    def tables(self, key: str, required: bool = True) -> list[_Table]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(key, f"must be an array of tables ([[{_fmt_path((*self.path, key))}]])")
            return []
        if required and not value:
            self.error(key, "must not be empty")
        return [_Table(self.b, v, (*self.path, key, i)) for i, v in enumerate(value)]

    def named_tables(self) -> Iterator[tuple[str, _Table]]:
        """Each ``key = { ... }`` of this table, in file order, as ``(key, table)``; a value
        that is not a table is reported and skipped."""
        for key in self.data:
            sub = self.table(key)
            if sub is not None:
                yield key, sub

    def done(self) -> None:
        for key in self.data:
            if key not in self.seen:
                self.error(key, f"unknown key '{key}'{_suggest(key, tuple(self.seen))}")


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {
        str: "text",
        int: "a whole number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _not_one_of(value: str, choices: tuple[str, ...]) -> str:
    return f"'{value}' is not one of: {', '.join(choices)}{_suggest(value, choices)}"


def _suggest(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class TableBuilder:
    """Collects every problem of a document with its file, line and key path."""

    def __init__(self, doc: Mapping[str, Any], lines: _LineIndex, filename: str) -> None:
        self.doc = doc
        self.lines = lines
        self.filename = filename
        self.issues: list[ProtocolIssue] = []
        # Rule ids already used anywhere in the document (ids are unique across sections).
        self.rule_ids: dict[str, PathT] = {}
        self.source_keys: tuple[str, ...] = ()

    def error(self, path: PathT, problem: str) -> None:
        self.issues.append(
            ProtocolIssue(self.filename, self.lines.find(path), _fmt_path(path), problem)
        )

    def _id(self, t: _Table, seen: dict[str, PathT], what: str) -> str:
        value = t.text("id")
        if value and not _ID.match(value):
            t.error("id", f"'{value}' must be lower-case letters, digits, '-' or '_'")
        if value in seen:
            first = self.lines.find(seen[value])
            t.error("id", f"duplicate {what} id '{value}' (first used on line {first})")
        elif value:
            seen[value] = (*t.path, "id")
        return value


def read_header(root: _Table, name: str) -> tuple[str, str]:
    """The ``[name]`` table heading a schema-1 document: its ``id`` and ``version``."""
    ident = version = ""
    head = root.table(name)
    if head:
        ident, version = head.text("id"), head.text("version")
        if head.integer("schema", lo=1, hi=1) != 1:
            head.error("schema", "only schema 1 is known")
        head.done()
    return ident, version


# --- Dataclasses declared with their limits -------------------------------------------------
_LIMITS: Final = "table_limits"
_D = TypeVar("_D")


@dataclass(frozen=True)
class _Limits:
    lo: float | None = None
    hi: float | None = None
    required: bool = True
    choices: tuple[str, ...] | None = None


def limits(
    lo: float | None = None,
    hi: float | None = None,
    *,
    required: bool = True,
    choices: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Field metadata for :func:`read_fields`: the range or choices a value must meet.

    ``x: int = field(metadata=limits(1, 9))``; without it a field is simply required.
    """
    return {_LIMITS: _Limits(lo, hi, required, choices)}


def read_fields(t: _Table, cls: type[_D], **special: Callable[[_Table], Any]) -> _D:
    """Build the dataclass ``cls`` from ``t``, each field read by its type and :func:`limits`.

    Fields are read in the order they are declared (so problems are too); ``special`` gives
    the reader of a field that needs more than its type (e.g. an id checked for uniqueness).
    """
    unknown = set(special) - {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init:
            continue
        if f.name in special:
            values[f.name] = special[f.name](t)
            continue
        lim: _Limits = f.metadata.get(_LIMITS, _Limits())
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
        key, req = f.name, lim.required
        if kind == "str":
            values[key] = t.text(key, required=req, choices=lim.choices)
        elif kind == "int":
            values[key] = t.integer(key, required=req, lo=lim.lo, hi=lim.hi)
        elif kind == "float":
            values[key] = t.number(key, required=req, lo=lim.lo, hi=lim.hi)
        elif kind == "bool":
            values[key] = t.flag(key, required=req)
        elif kind == "tuple[str, ...]":
            values[key] = t.texts(key, required=req, choices=lim.choices)
        elif kind == "tuple[int, ...]":
            values[key] = t.integers(key, required=req)
        else:
            raise TypeError(f"{cls.__name__}.{key}: no table reader for {kind!r}")
    return cls(**values)
