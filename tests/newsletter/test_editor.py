"""Editor statistics: who may see them, and what they count."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from backstride.newsletter import services
from backstride.newsletter.models import OutboxMessage

pytestmark = pytest.mark.django_db

URL = "/newsletter/editor/"


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/newsletter/editor/")


@pytest.mark.parametrize("who", ["athlete", "clinician"])
def test_athletes_and_clinicians_are_refused(request, client_for, who: str) -> None:
    assert client_for(request.getfixturevalue(who)).get(URL).status_code == 403


@pytest.mark.parametrize("who", ["editor", "admin_user"])
def test_editors_and_admins_see_the_stats(request, client_for, who: str) -> None:
    response = client_for(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 200
    assert "Subscribers over the last 12 weeks" in response.content.decode()


def test_stats_count_subscribers_confirmations_and_sends(client_for, editor) -> None:
    start = timezone.now() - timedelta(days=20)
    with time_machine.travel(start):
        for i in range(4):
            services.request_subscription(f"p{i}@example.org", source="home")
    with time_machine.travel(start + timedelta(days=1)):
        for sub in services.Subscriber.objects.order_by("email")[:3]:
            services.confirm(sub.tokens.get())
    with time_machine.travel(start + timedelta(days=15)):
        services.unsubscribe(services.Subscriber.objects.get(email="p0@example.org"))
    services.send_episode_issue(1, "Episode 1: Settle", "<p>x</p>", "x")
    OutboxMessage.objects.filter(kind="issue", subscriber__email="p1@example.org").update(
        status="sent"
    )
    OutboxMessage.objects.filter(kind="issue", subscriber__email="p2@example.org").update(
        status="failed"
    )

    rate = services.confirmation_rate(30)
    assert (rate["requested"], rate["confirmed"]) == (4, 3)
    counts = [row["confirmed"] for row in services.subscriber_counts(12)]
    assert counts[-1] == 2 and max(counts) == 3 and counts[0] == 0
    assert services.totals()["confirmed"] == 2

    html = client_for(editor).get(URL).content.decode()
    assert "75%" in html  # 3 of 4 confirmed
    assert "Episode 1: Settle" in html
    assert "1 failed" in html
    assert "<table" in html  # the chart has a table alternative


def test_erased_subscribers_stay_in_the_history_until_erasure() -> None:
    services.request_subscription("hist@example.org")
    sub = services.Subscriber.objects.get()
    services.confirm(sub.tokens.get())
    assert services.subscriber_counts(1)[-1]["confirmed"] == 1
    services.erase(sub)
    assert services.subscriber_counts(1)[-1]["confirmed"] == 0
    assert services.confirmation_rate(30)["confirmed"] == 1
