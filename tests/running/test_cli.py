"""``backstride plan``: the prescription with reasons, FIT workouts and an iCalendar file."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import icalendar
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from backstride.running import services

from .conftest import NOW, TODAY, fit_steps

pytestmark = pytest.mark.django_db


def plan(*args: str) -> str:
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return out.getvalue()


@time_machine.travel(NOW, tick=False)
def test_json_has_reasons_and_sessions(runner):
    data = json.loads(plan("--athlete", runner.email, "--json"))
    rx = services.prescription_for(runner)
    assert data["status"] == rx.status.value == "ladder"
    assert [r["rule_id"] for r in data["reasons"]] == [r.rule_id for r in rx.reasons]
    assert all(r["text"] and r["source"] for r in data["reasons"])
    assert [s["on"] for s in data["sessions"]] == [s.on.isoformat() for s in rx.sessions]


@time_machine.travel(NOW, tick=False)
def test_text_output_names_rules_and_sources(walk_runner):
    runner = walk_runner
    text = plan("--athlete", runner.email)
    assert "Why:" in text and "run-longest-run-guard" in text and "Frandsen" in text


def test_unknown_athlete_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No account"):
        plan("--athlete", "nobody@example.org")


@time_machine.travel(NOW, tick=False)
def test_fit_dir_writes_the_coming_weeks_runs(walk_runner, tmp_path):
    runner = walk_runner
    rx = services.prescription_for(runner)
    runs = [s for s in rx.sessions if s.kind.is_run and s.on < TODAY + timedelta(days=7)]
    assert runs, "a Phase 3 athlete with passed readiness has runs planned"
    data = json.loads(plan("--athlete", runner.email, "--json", "--fit-dir", str(tmp_path)))
    files = sorted(tmp_path.glob("*.fit"))
    assert len(files) == len(runs) == len(data["files"])
    for path, run in zip(files, runs, strict=True):
        assert path.name.startswith(run.on.isoformat())
        name, steps = fit_steps(path.read_bytes())
        assert name and len(name.encode()) <= 15 and "Run" in name
        iv = run.intervals
        assert iv is not None and run.pace is not None
        assert steps[0]["intensity"] == "warmup"
        assert steps[0]["duration_time"] == pytest.approx(run.warm_up_min * 60)
        assert steps[-1]["intensity"] == "cooldown"
        assert steps[-1]["duration_time"] == pytest.approx(run.cool_down_min * 60)
        active = [s for s in steps if s["intensity"] == "active"]
        assert active and active[0]["duration_time"] == pytest.approx(iv.run_s)
        low = active[0]["custom_target_speed_low"]
        high = active[0]["custom_target_speed_high"]
        assert low == pytest.approx(run.pace.low_kmh / 3.6, abs=0.002)
        assert high == pytest.approx(run.pace.high_kmh / 3.6, abs=0.002)
        if iv.walk_s:
            recovery = [s for s in steps if s["intensity"] == "recovery"]
            assert recovery[0]["duration_time"] == pytest.approx(iv.walk_s)
            repeat = [s for s in steps if s["duration_type"] == "repeat_until_steps_cmplt"]
            assert repeat and repeat[0]["repeat_steps"] == iv.repeats


@time_machine.travel(NOW, tick=False)
def test_ics_holds_every_planned_session(walk_runner, tmp_path):
    runner = walk_runner
    path = tmp_path / "plan.ics"
    plan("--athlete", runner.email, "--ics", str(path))
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    rx = services.prescription_for(runner)
    assert [e.decoded("dtstart") for e in events] == [s.on for s in rx.sessions]
    assert [str(e["summary"]) for e in events] == [s.label for s in rx.sessions]
    assert len({str(e["uid"]) for e in events}) == len(events)
    assert "/running/" in str(events[0]["url"])
