"""Scheduled publishing: visible at its time without a worker; side effects exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from backstride.publication import publishing, services
from backstride.publication.models import Article, Episode
from backstride.publication.signals import episode_published

from .conftest import make_article, make_episode

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, episode, **kwargs):
        calls.append(episode.slug)

    episode_published.connect(receiver)
    yield calls
    episode_published.disconnect(receiver)


@pytest.fixture
def scheduled_pair():
    when = timezone.now() + timedelta(days=2)
    article = make_article("Sleep and pain", status="scheduled", published_at=when)
    episode = make_episode(
        "Sleep and the night shift", status="scheduled", published_at=when, article=article
    )
    services.schedule_side_effects(article)
    services.schedule_side_effects(episode)
    return article, episode


def test_scheduled_content_is_hidden_until_its_time_then_live_without_any_worker(
    client, scheduled_pair, time_machine
):
    article, episode = scheduled_pair
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(episode.get_absolute_url()).status_code == 404
    assert b"night shift" not in client.get("/podcast/feed.xml").content
    time_machine.move_to(episode.published_at + timedelta(seconds=1))
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(episode.get_absolute_url()).status_code == 200
    assert b"night shift" in client.get("/podcast/feed.xml").content


def test_deferred_task_runs_the_side_effects_at_the_set_time_once(
    scheduled_pair, run_tasks, received, time_machine
):
    _, episode = scheduled_pair
    run_tasks()  # too early: the deferred jobs wait
    assert received == []
    time_machine.move_to(episode.published_at + timedelta(minutes=1))
    assert run_tasks() >= 2  # both deferred jobs ran
    assert received == ["sleep-and-the-night-shift"]
    episode.refresh_from_db()
    assert episode.side_effects_done_at is not None
    services.schedule_side_effects(episode)  # a duplicate job, as a second worker would see
    run_tasks()
    assert received == ["sleep-and-the-night-shift"]


def test_claim_succeeds_for_exactly_one_of_two_workers(scheduled_pair, time_machine):
    _, episode = scheduled_pair
    time_machine.move_to(episode.published_at + timedelta(minutes=1))
    now = timezone.now()
    results = [publishing._claim(Episode, episode.pk, now) for _ in range(2)]
    assert results == [True, False]


def test_a_failing_receiver_rolls_back_the_claim_so_it_is_retried(scheduled_pair, time_machine):
    _, episode = scheduled_pair
    time_machine.move_to(episode.published_at + timedelta(minutes=1))

    def broken(sender, episode, **kwargs):
        raise RuntimeError("mail server down")

    episode_published.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            publishing.run_due_side_effects()
    finally:
        episode_published.disconnect(broken)
    episode.refresh_from_db()
    assert episode.side_effects_done_at is None
    report = publishing.run_due_side_effects()
    assert [e.pk for e in report.episodes] == [episode.pk]


def test_publish_command_is_idempotent(scheduled_pair, received, time_machine, capsys):
    _, episode = scheduled_pair
    call_command("publish")
    assert "Nothing due." in capsys.readouterr().out
    time_machine.move_to(episode.published_at + timedelta(minutes=1))
    call_command("publish", "--dry-run")
    assert "due: episode sleep-and-the-night-shift" in capsys.readouterr().out
    assert received == []
    call_command("publish")
    out = capsys.readouterr().out
    assert "published episode sleep-and-the-night-shift" in out
    assert "published article sleep-and-pain" in out
    call_command("publish")
    assert "Nothing due." in capsys.readouterr().out
    assert received == ["sleep-and-the-night-shift"]


def test_rescheduling_later_means_the_old_job_does_nothing(
    scheduled_pair, run_tasks, received, time_machine
):
    _, episode = scheduled_pair
    old_time = episode.published_at
    episode.published_at = old_time + timedelta(days=7)
    episode.save()
    services.schedule_side_effects(episode)
    time_machine.move_to(old_time + timedelta(minutes=1))
    run_tasks()
    assert received == []  # the article went live, the episode did not
    time_machine.move_to(episode.published_at + timedelta(minutes=1))
    run_tasks()
    assert received == ["sleep-and-the-night-shift"]


def test_publishing_an_article_recomputes_related(time_machine):
    a = make_article(
        "Core stability exercises", body="plank side plank bird dog core", tags=("core",)
    )
    b = make_article(
        "More core exercises", body="plank and side plank for the core", tags=("core",),
        status="scheduled", published_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    assert services.related_articles(a) == []
    time_machine.move_to(b.published_at + timedelta(minutes=1))
    publishing.run_due_side_effects()
    assert services.related_articles(a) == [b]


def test_default_publish_time_is_next_sunday_seven_in_the_site_zone(settings, time_machine):
    settings.TIME_ZONE = "Europe/London"
    time_machine.move_to("2025-03-26T12:00:00+00:00")  # a Wednesday; DST starts on the Sunday
    when = services.default_publish_time()
    assert when.isoformat() == "2025-03-30T07:00:00+01:00"


def test_editor_saving_a_published_article_queues_side_effects(client_for, editor, run_tasks):
    client_for(editor).post(
        "/editor/articles/new/",
        {"title": "Now", "summary": "s", "body": "b", "status": "published", "tags_text": ""},
    )
    article = Article.objects.get()
    assert article.side_effects_done_at is None
    run_tasks()
    article.refresh_from_db()
    assert article.side_effects_done_at is not None
