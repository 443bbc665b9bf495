"""Clinical protocol files: load, validate and model them.

A protocol is versioned clinical data (TOML): red-flag questions, phases with entry and exit
criteria, sessions, the exercise library, check-in rules and outcome-measure settings. Every
rule carries a ``source`` (keys into the file's ``[sources]`` table, or ``"expert default"``).

Loading validates the whole file and reports *every* problem at once, each naming the file,
the line and what is wrong (``ProtocolError``). ``tomllib`` gives no line numbers for values,
so :class:`_LineIndex` finds them by scanning the source text for the table or key.

Pure Python: no Django import here or anywhere under ``backstride.core``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from backstride.core.tables import EXPERT_DEFAULT, ProtocolError, ProtocolIssue, _LineIndex

from .builder import _Builder
from .model import (
    AGE_FLAG_FIELDS,
    ASSESSMENT_FIELDS,
    CHECKIN_FIELDS,
    DEFAULT_PROTOCOL_PATH,
    LEG_STATUSES,
    SCREENS,
    URGENCIES,
    URGENCY_RANK,
    AgeFlag,
    CheckinRule,
    Condition,
    Criterion,
    Dosage,
    Exercise,
    FlagCombination,
    Introduce,
    ObjectiveTest,
    Phase,
    ProgressionSettings,
    Protocol,
    RedFlag,
    SessionTemplate,
    Source,
    UrgencyAdvice,
)


# --- Loading --------------------------------------------------------------------------------
def load_protocol(path: str | Path | None = None) -> Protocol:
    """Load and validate a protocol file (the shipped default when ``path`` is None)."""
    resolved = Path(path) if path is not None else DEFAULT_PROTOCOL_PATH
    try:
        stat = resolved.stat()
    except OSError as exc:
        raise ProtocolError(
            [ProtocolIssue(str(resolved), None, "", f"cannot read file: {exc.strerror}")]
        ) from None
    return _load_cached(str(resolved), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load_cached(path: str, _mtime_ns: int, _size: int) -> Protocol:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ProtocolError(
            [ProtocolIssue(path, None, "", f"cannot read file: {exc.strerror}")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            [ProtocolIssue(path, None, "", f"not UTF-8 text ({exc.reason})")]
        ) from None
    return parse_protocol(text, filename=path)


def default_protocol() -> Protocol:
    return load_protocol(None)


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def parse_protocol(text: str, filename: str = "<protocol>") -> Protocol:
    """Parse and validate protocol TOML ``text`` (e.g. a clinician's copy kept in a database)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = int(match.group(1)) if match else None
        problem = _TOML_POSITION.sub("", message) if match else message
        if match:
            problem = f"TOML syntax error: {problem} (column {match.group(2)})"
        else:
            problem = f"TOML syntax error: {problem}"
        raise ProtocolError([ProtocolIssue(filename, line, "", problem)]) from None
    builder = _Builder(doc, _LineIndex(text), filename)
    protocol = builder.build()
    if builder.issues:
        raise ProtocolError.in_line_order(builder.issues)
    assert protocol is not None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return replace(protocol, filename=filename, digest=digest)


def check_protocol(path: str | Path | None = None) -> dict[str, Any]:
    """Validate a protocol file and return its summary (raises ``ProtocolError``)."""
    return load_protocol(path).summary()


def describe_condition(condition: Condition, fmt: Callable[[Any], str] = str) -> str:
    """A compact technical rendering of a condition, for the rule listings and logs."""
    if condition.metric == "days" and condition.where is not None:
        w = condition.where
        inner = f"{w.field} {w.op} {fmt(w.value)}"
        return f"days where {inner} {condition.op} {fmt(condition.value)}"
    subject = condition.field or condition.test
    head = f"{condition.metric}({subject})" if subject else condition.metric
    return f"{head} {condition.op} {fmt(condition.value)}"


__all__ = [
    "AGE_FLAG_FIELDS",
    "ASSESSMENT_FIELDS",
    "CHECKIN_FIELDS",
    "DEFAULT_PROTOCOL_PATH",
    "EXPERT_DEFAULT",
    "LEG_STATUSES",
    "SCREENS",
    "URGENCIES",
    "URGENCY_RANK",
    "AgeFlag",
    "CheckinRule",
    "Condition",
    "Criterion",
    "Dosage",
    "Exercise",
    "FlagCombination",
    "Introduce",
    "ObjectiveTest",
    "Phase",
    "ProgressionSettings",
    "Protocol",
    "ProtocolError",
    "ProtocolIssue",
    "RedFlag",
    "SessionTemplate",
    "Source",
    "UrgencyAdvice",
    "check_protocol",
    "default_protocol",
    "describe_condition",
    "load_protocol",
    "parse_protocol",
]
