"""The clinical docs stay in step with the protocol and the tests they cite."""

from __future__ import annotations

import re
from pathlib import Path

from backstride.core.protocol import default_protocol

DOCS = Path(__file__).resolve().parents[2] / "docs"
TESTS = Path(__file__).resolve().parents[1]


def test_protocols_doc_lists_every_red_flag_and_rule() -> None:
    text = (DOCS / "protocols.md").read_text()
    p = default_protocol()
    ids = [f.id for f in p.red_flags] + [r.id for r in p.rules()]
    missing = [i for i in ids if f"`{i}`" not in text]
    assert missing == []


def test_hazard_log_names_real_tests() -> None:
    text = (DOCS / "clinical-safety.md").read_text()
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", text))
    assert len(named) >= 30
    defined = set()
    for path in TESTS.rglob("test_*.py"):  # the controls live in rehab, running and core
        defined |= set(re.findall(r"^def (test_[a-z0-9_]+)", path.read_text(), re.M))
    assert named - defined == set()
