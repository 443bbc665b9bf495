"""`backstride protocol check` on a running-form file (`protocols/form.toml` or a copy)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backstride.core.form.ranges import DEFAULT_PATH, load_form_ranges


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("protocol", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_shipped_form_file_is_checked_as_form_ranges() -> None:
    ranges = load_form_ranges()
    out, _ = run("check", str(DEFAULT_PATH))
    assert "running-form ranges" in out and ranges.version in out
    data = json.loads(run("check", str(DEFAULT_PATH), "--json")[0])
    assert data["ranges"] == len(ranges.ranges) and data["advice_rules"] == len(ranges.rules)
    assert data["sources_not_verified"] == [k for k, s in ranges.sources.items() if not s.verified]


def test_a_broken_form_copy_names_the_line(tmp_path: Path) -> None:
    copy = tmp_path / "my-form.toml"
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    copy.write_text(text.replace("low = 160", "low = 160\nhigh = 150", 1))
    with pytest.raises(CommandError, match="1 problem found"):
        run("check", str(copy))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("protocol", "check", str(copy), stdout=StringIO(), stderr=err)
    line = text[: text.index("low = 160")].count("\n") + 2
    assert f"{copy}:{line}:" in err.getvalue() and "must be above low" in err.getvalue()
