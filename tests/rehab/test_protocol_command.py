"""`backstride protocol check [FILE] [--json]`."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backstride.core.protocol import DEFAULT_PROTOCOL_PATH


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("protocol", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_check_default_prints_a_summary() -> None:
    out, _ = run("check")
    assert "OK" in out and "red flags: 23" in out and "exercises: 39" in out
    assert "rules without a source: none" in out


def test_check_json_has_the_documented_keys() -> None:
    out, _ = run("check", "--json")
    data = json.loads(out)
    assert set(data) == {
        "red_flags",
        "phases",
        "exercises",
        "rules",
        "rules_without_source",
        "ladder_rungs",
        "treat_rules",
        "readiness_tests",
    }
    assert data["ladder_rungs"] >= 8 and data["treat_rules"] >= 10 and data["readiness_tests"] >= 6
    assert data["red_flags"] >= 12 and data["phases"] == 3 and data["exercises"] >= 30
    assert data["rules_without_source"] == []


def test_check_a_copy_lists_rules_without_source(tmp_path: Path) -> None:
    copy = tmp_path / "mine.toml"
    text = DEFAULT_PROTOCOL_PATH.read_text().replace(
        'value = 8\nsource = ["borg1982", "expert default"]', "value = 8"
    )
    copy.write_text(text)
    data = json.loads(run("check", str(copy), "--json")[0])
    assert data["rules_without_source"] == ["hold-effort"]
    with pytest.raises(CommandError, match="without a source"):
        run("check", str(copy), "--strict")


def test_broken_file_exits_non_zero_naming_file_line_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = DEFAULT_PROTOCOL_PATH.read_text().replace('urgency = "soon"', 'urgency = "whenever"', 1)
    bad.write_text(text)
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if 'urgency = "whenever"' in ln)
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("protocol", "check", str(bad), stdout=StringIO(), stderr=err)
    assert info.value.returncode == 1
    assert f"{bad}:{line}: red_flags[" in err.getvalue()
    assert "'whenever' is not one of: emergency, urgent, soon" in err.getvalue()


def test_broken_file_json_lists_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[protocol\nid = 1\n")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("protocol", "check", str(bad), "--json", stdout=out, stderr=StringIO())
    data = json.loads(out.getvalue())
    assert data["ok"] is False and data["errors"][0]["line"] == 1
    assert "TOML syntax error" in data["errors"][0]["problem"]


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        run("check", str(tmp_path / "nope.toml"))


@pytest.mark.slow
def test_backstride_cli_exit_codes(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("backstride")
    ok = subprocess.run(
        [str(exe), "protocol", "check", "--json"], capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["phases"] == 3
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT_PROTOCOL_PATH.read_text().replace('unit = "min"', 'unit = "hours"', 1))
    fail = subprocess.run(
        [str(exe), "protocol", "check", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert fail.returncode == 1
    assert f"{bad}:" in fail.stderr and "'hours' is not one of" in fail.stderr
