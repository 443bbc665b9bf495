"""Reading ``protocols/form.toml``: the form check's reference ranges and advice rules.

Validated as it is read, through the shared table reader (``core/tables.py``), so a mistake is
reported as ``file:line: where: problem``. Every range and rule must name a ``source`` (a key
of ``[sources]`` or ``"expert default"``) and say what that source ``measured``. No Django.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from backstride.core.form.metrics import METRICS, UNITS
from backstride.core.form.model import Range
from backstride.core.tables import (
    ProtocolError,
    ProtocolIssue,
    TableBuilder,
    _LineIndex,
    _Table,
    read_header,
)

DEFAULT_PATH: Final = Path(__file__).resolve().parents[2] / "protocols" / "form.toml"
WHEN: Final = ("below", "above")
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass(frozen=True)
class Source:
    """A cited work. ``verified`` says whether its details were checked against the published
    abstract or text (not recalled from memory); ``checked`` says what was and was not found."""

    key: str
    short: str
    citation: str
    url: str = ""
    verified: bool = False
    checked: str = ""


@dataclass(frozen=True)
class AdviceRule:
    """Suggest ``text`` when ``metric`` is ``below`` its range's low or ``above`` its high."""

    id: str
    metric: str
    when: str
    priority: int
    text: str
    why: str
    source: tuple[str, ...]
    change_percent: float = 0.0


@dataclass(frozen=True)
class FormRanges:
    id: str
    version: str
    sources: dict[str, Source]
    ranges: dict[str, Range]  # by metric
    rules: tuple[AdviceRule, ...]  # in priority order
    max_suggestions: int
    min_quality: float
    leg_fraction_of_height: float
    filename: str = ""


def parse_form_ranges(text: str, filename: str = "<form.toml>") -> FormRanges:
    """Parse and validate form-range TOML ``text``; raises ``ProtocolError`` listing problems."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _POSITION.search(str(exc))
        line = int(match.group(1)) if match else None
        problem = f"TOML syntax error: {_POSITION.sub('', str(exc))}"
        raise ProtocolError([ProtocolIssue(filename, line, "", problem)]) from None
    b = TableBuilder(doc, _LineIndex(text), filename)
    root = _Table(b, doc, ())
    result = _build(b, root, filename)
    if b.issues or result is None:
        raise ProtocolError.in_line_order(b.issues)
    return result


def load_form_ranges(path: str | Path | None = None) -> FormRanges:
    """Load ``path`` (default: the shipped ``protocols/form.toml``)."""
    p = Path(path) if path is not None else DEFAULT_PATH
    return parse_form_ranges(p.read_text(encoding="utf-8"), str(p))


def _build(b: TableBuilder, root: _Table, filename: str) -> FormRanges | None:
    ident, version = read_header(root, "form")

    sources: dict[str, Source] = {}
    src_t = root.table("sources")
    if src_t:
        for key, t in src_t.named_tables():
            sources[key] = Source(
                key,
                t.text("short"),
                t.text("citation"),
                t.text("url", False),
                t.flag("verified", required=True),
                t.text("checked"),
            )
            t.done()
        src_t.done()
    b.source_keys = tuple(sources)

    fraction = 0.0
    m = root.table("measurement")
    if m:
        fraction = m.number("leg_fraction_of_height", lo=0.3, hi=0.7)
        _require_source(m)
        m.done()

    seen_ids: dict[str, tuple[str | int, ...]] = {}
    ranges: dict[str, Range] = {}
    for t in root.tables("ranges"):
        rid = b._id(t, seen_ids, "rule")
        metric = t.text("metric", choices=METRICS)
        unit = t.text("unit")
        low = t.number("low", required=False) if "low" in t.data else None
        high = t.number("high", required=False) if "high" in t.data else None
        src = _require_source(t)
        r = Range(
            rid,
            metric,
            unit,
            low,
            high,
            src,
            t.text("measured"),
            t.text("evidence_note", required=False),
            t.flag("analogy"),
        )
        if low is None and high is None:
            t.error(None, "a range needs 'low', 'high' or both")
        if low is not None and high is not None and low >= high:
            t.error("high", f"must be above low ({low:g})")
        if metric in UNITS and unit and unit != UNITS[metric]:
            t.error("unit", f"{metric} is measured in {UNITS[metric]!r}")
        if metric in ranges:
            t.error("metric", f"a second range for {metric}")
        ranges[metric] = r
        t.done()

    rules: list[AdviceRule] = []
    max_s, min_q = 2, 0.0
    adv = root.table("advice")
    if adv:
        max_s = adv.integer("max_suggestions", lo=0, hi=2)
        min_q = adv.number("min_quality", lo=0, hi=1)
        _require_source(adv)
        for t in adv.tables("rules"):
            rule = AdviceRule(
                b._id(t, seen_ids, "rule"),
                t.text("metric", choices=METRICS),
                t.text("when", choices=WHEN),
                t.integer("priority", lo=1, hi=99),
                t.text("text"),
                t.text("why"),
                _require_source(t),
                t.number("change_percent", required=False, lo=0, hi=20),
            )
            target = ranges.get(rule.metric)
            if rule.metric and target is None:
                t.error("metric", f"no [[ranges]] entry for {rule.metric}")
            elif target is not None:
                bound = target.low if rule.when == "below" else target.high
                if bound is None:
                    t.error("when", f"the range for {rule.metric} has no {rule.when} limit")
            if not rule.text.startswith("Test:"):
                t.error("text", "must start with 'Test:' (one T.R.E.A.T. change)")
            if "{target}" in rule.text and not rule.change_percent:
                t.error("text", "uses {target} but change_percent is not set")
            rules.append(rule)
            t.done()
        adv.done()
    root.done()
    if not ident:
        return None
    return FormRanges(
        ident,
        version,
        sources,
        ranges,
        tuple(sorted(rules, key=lambda r: r.priority)),
        max_s,
        min_q,
        fraction,
        filename,
    )


def _require_source(t: _Table) -> tuple[str, ...]:
    if "source" not in t.data:
        t.error(None, "missing required key 'source' (a [sources] key or \"expert default\")")
    return t.sources()
