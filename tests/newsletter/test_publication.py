"""Integration with the publication app: an episode going live sends the weekly email once."""

from __future__ import annotations

import pytest

from backstride.newsletter.models import Issue, OutboxMessage
from tests.publication.conftest import make_article, make_episode

from .conftest import body, make_subscriber

pytestmark = pytest.mark.django_db


def test_a_published_episode_goes_to_subscribers_exactly_once(smtp_server, run_tasks) -> None:
    from backstride.publication.publishing import run_due_side_effects

    make_subscriber("listener@example.org", first_name="Lee")
    make_subscriber("quiet@example.org", weekly_episodes=False)
    make_subscriber("waiting@example.org", status="pending")
    article = make_article("Walking before running, the long version")
    episode = make_episode("Walk before you run", number=7, article=article)

    report = run_due_side_effects()
    assert [e.pk for e in report.episodes] == [episode.pk]
    issue = Issue.objects.get()
    assert issue.episode_id == episode.pk
    assert issue.subject == "Episode 7: Walk before you run"
    assert issue.url == "https://backstride.example" + episode.get_absolute_url()
    assert OutboxMessage.objects.filter(kind="issue").count() == 1

    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "listener@example.org"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = body(message, "plain"), body(message, "html")
    assert text.startswith("Hi Lee,")
    assert "Walking before running, the long version" in text and article.slug in text
    assert episode.get_absolute_url() in html
    assert "Show notes for <strong>Walk before you run</strong>" in html

    # Publishing side effects run once; running them again sends nothing.
    assert run_due_side_effects().episodes == []
    run_tasks()
    assert Issue.objects.count() == 1 and len(smtp_server.messages) == 1
