"""The caseload page: who comes first and why, filters, search, pages, the access log, and a
constant number of queries whatever the size of the caseload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backstride.accounts.models import AuditEvent, CareLink, User
from backstride.activities.models import Activity
from backstride.rehab.models import CheckIn, OutcomeScore, RehabProfile, SessionLog
from backstride.running.models import RunCheckIn

from .conftest import checkin, client_of, pause, place, run, score, sessions, today_of

pytestmark = pytest.mark.django_db
URL = reverse("clinic:caseload")


def names_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: html.index(f">{n}</a>"))


def test_clients_needing_attention_come_first_each_with_its_reason(
    clinician: Any, steady: Any, client_for: Any
) -> None:
    paused = client_of(clinician, "bea@example.org", "Bea")
    place(paused)
    pause(paused)
    red = client_of(clinician, "cy@example.org", "Cy")
    place(red)
    sessions(red, range(0, 30))
    checkin(red, 1, pain=8)
    html = client_for(clinician).get(URL).content.decode()
    assert names_in_order(html, ["Alice", "Bea", "Cy"]) == ["Bea", "Cy", "Alice"]
    assert "Program paused by a red-flag answer" in html
    assert "1 red rehab check-in in the last 7 days" in html
    assert "Nothing needs your attention." in html  # Alice
    assert "3 clients, 2 need attention." in html


def test_a_red_run_checkin_puts_a_runner_first(
    clinician: Any, steady: Any, client_for: Any
) -> None:
    runner = client_of(clinician, "dee@example.org", "Dee")
    place(runner, phase=3)
    sessions(runner, range(0, 30, 2))
    run(runner, 1, pain_during=7, pain_after=6)
    html = client_for(clinician).get(URL).content.decode()
    assert names_in_order(html, ["Alice", "Dee"]) == ["Dee", "Alice"]
    assert "1 red run check-in in the last 7 days" in html


def test_worse_outcomes_missed_sessions_and_silence_are_named(
    clinician: Any, client_for: Any
) -> None:
    worse = client_of(clinician, "eve@example.org", "Eve")
    place(worse)
    sessions(worse, range(0, 30))
    checkin(worse, 0)
    score(worse, "nprs", 14, 3)
    score(worse, "nprs", 0, 7)
    missing = client_of(clinician, "fay@example.org", "Fay")
    place(missing)
    sessions(missing, range(8, 30))
    checkin(missing, 2)
    quiet = client_of(clinician, "gus@example.org", "Gus")
    place(quiet)
    sessions(quiet, range(0, 30))
    checkin(quiet, 12)
    html = client_for(clinician).get(URL).content.decode()
    assert "Pain (NPRS) worse: 3 on" in html
    assert "sessions missed in the last 7 days" in html
    assert "No check-in for 12 days" in html
    assert names_in_order(html, ["Eve", "Fay", "Gus"]) == ["Eve", "Fay", "Gus"]


def test_only_consenting_current_clients_are_listed(
    clinician: Any, other_athlete: Any, client_for: Any, athlete: Any
) -> None:
    client_of(clinician, "gone@example.org", "Gone", revoked_at=timezone.now())
    client_of(clinician, "asked@example.org", "Asked", consented_at=None)
    html = client_for(clinician).get(URL).content.decode()
    assert ">Alice</a>" in html
    for name in ("Gone", "Asked", "Bob"):
        assert f">{name}</a>" not in html


def test_filters_search_and_phase(clinician: Any, steady: Any, client_for: Any) -> None:
    two = client_of(clinician, "hal@example.org", "Hal")
    place(two, phase=2)
    sessions(two, range(0, 30))
    checkin(two, 0)
    paused = client_of(clinician, "ida@example.org", "Ida")
    place(paused, phase=2)
    pause(paused)
    c = client_for(clinician)
    attention = c.get(URL, {"show": "attention"}).content.decode()
    assert ">Ida</a>" in attention and ">Alice</a>" not in attention and ">Hal</a>" not in attention
    phase2 = c.get(URL, {"phase": "2"}).content.decode()
    assert ">Hal</a>" in phase2 and ">Ida</a>" in phase2 and ">Alice</a>" not in phase2
    by_email = c.get(URL, {"q": "HAL@"}).content.decode()
    assert ">Hal</a>" in by_email and ">Alice</a>" not in by_email
    nothing = c.get(URL, {"q": "nobody"}).content.decode()
    assert "No client matches these filters." in nothing
    # nonsense filters fall back to everyone rather than failing
    assert c.get(URL, {"phase": "x", "show": "<b>", "page": "-4"}).status_code == 200


def test_reading_the_caseload_logs_one_read_per_client_shown(
    clinician: Any, steady: Any, client_for: Any
) -> None:
    others = [client_of(clinician, f"c{i}@example.org", f"Client {i:02d}") for i in range(30)]
    client_for(clinician).get(URL)
    logged = AuditEvent.objects.filter(actor=clinician, what="caseload summary")
    assert logged.count() == 25  # one page
    assert set(logged.values_list("action", flat=True)) == {"read"}
    page2 = client_for(clinician).get(URL, {"page": 2}).content.decode()
    assert "Page 2 of 2" in page2
    assert logged.count() == 31
    assert set(logged.values_list("athlete_id", flat=True)) == {steady.pk} | {o.pk for o in others}


def _bulk_caseload(clinician: Any, count: int) -> None:
    """``count`` clients with a month of history each, made in a few queries."""
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"bulk{i}@example.org", display_name=f"Bulk {i:04d}", role="athlete")
        for i in range(count)
    )
    users = list(User.objects.filter(email__startswith="bulk"))
    CareLink.objects.bulk_create(
        CareLink(clinician=clinician, athlete=u, consented_at=now - timedelta(days=60))
        for u in users
    )
    today = today_of(users[0])
    RehabProfile.objects.bulk_create(
        RehabProfile(user=u, phase=1 + i % 3, phase_started_on=today - timedelta(days=40))
        for i, u in enumerate(users)
    )
    SessionLog.objects.bulk_create(
        SessionLog(user=u, day=today - timedelta(days=d), phase=1, session_id="settle-a")
        for i, u in enumerate(users)
        for d in range(0, 28, 1 + i % 3)
    )
    CheckIn.objects.bulk_create(
        CheckIn(user=u, day=today - timedelta(days=d), pain_now=(i + d) % 9, leg_symptoms="none")
        for i, u in enumerate(users)
        for d in range(0, 14, 3)
    )
    OutcomeScore.objects.bulk_create(
        OutcomeScore(user=u, measure="nprs", day=today - timedelta(days=d), score=(i + d) % 8)
        for i, u in enumerate(users)
        for d in (28, 0)
    )
    for i, u in enumerate(users[:: max(1, count // 10)]):
        a = Activity.objects.create(user=u, sport="walk_run", start=now - timedelta(days=1))
        RunCheckIn.objects.create(
            user=u,
            activity=a,
            pain_during=2 + i % 6,
            pain_after=2,
            leg_new=False,
            leg_spreading=False,
        )


def _count_queries(client: Any, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_caseload_takes_the_same_number_of_queries_for_50_and_500_clients(
    clinician: Any, client_for: Any
) -> None:
    c = client_for(clinician)
    _bulk_caseload(clinician, 50)
    small = _count_queries(c, {})
    small_filtered = _count_queries(c, {"show": "attention", "phase": "2", "q": "bulk"})
    _bulk_caseload_more(clinician, 450)
    assert CareLink.objects.filter(clinician=clinician).count() == 501  # + Alice
    large = _count_queries(c, {})
    large_filtered = _count_queries(c, {"show": "attention", "phase": "2", "q": "bulk"})
    assert small == large
    assert small_filtered == large_filtered
    assert large <= 20


def _bulk_caseload_more(clinician: Any, count: int) -> None:
    User.objects.filter(email__startswith="bulk").update(email=models_prefix())
    _bulk_caseload(clinician, count)


def models_prefix() -> Any:
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    return Concat(Value("old-"), F("email"))


def test_only_clinicians_have_a_caseload(athlete: Any, editor: Any, client_for: Any) -> None:
    assert client_for(athlete).get(URL).status_code == 403
    assert client_for(editor).get(URL).status_code == 403
    anonymous = client_for(None).get(URL)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_clinicians_today_page_is_their_caseload(clinician: Any, client_for: Any) -> None:
    response = client_for(clinician).get(reverse("web:dashboard"))
    assert response.status_code == 302 and response["Location"] == URL
