"""The outbox: weekly issue fan-out, idempotent delivery, claims, crashes, SMTP trouble."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backstride.newsletter import outbox, services, tasks
from backstride.newsletter.models import Issue, OutboxMessage, Subscriber
from tests.conftest import free_port

from .conftest import body, make_subscriber

pytestmark = pytest.mark.django_db

HTML = "<p>This week: <strong>walking before running</strong>.</p>"
TEXT = "This week: walking before running."


def recipients(sink: Any) -> Counter[str]:
    return Counter(str(m["To"]) for m in sink.messages)


@pytest.fixture
def audience(db: None) -> list[Subscriber]:
    people = [make_subscriber(f"reader{i}@example.org", first_name=f"R{i}") for i in range(7)]
    make_subscriber("pending@example.org", status="pending")
    make_subscriber("gone@example.org", status="unsubscribed")
    make_subscriber("bounced@example.org", status="bounced")
    make_subscriber("noweekly@example.org", weekly_episodes=False)
    return people


def test_an_issue_goes_once_to_every_confirmed_subscriber_in_batches(
    audience, settings, smtp_server, run_tasks
) -> None:
    settings.NEWSLETTER_BATCH_SIZE = 3
    result = services.send_episode_issue(
        41, "Episode 41: Walk first", HTML, TEXT, url="https://backstride.example/podcast/41/"
    )
    assert result.recipients == 7 and result.batches == 3
    assert OutboxMessage.objects.filter(kind="issue").count() == 7
    assert len(set(OutboxMessage.objects.values_list("batch", flat=True))) == 3
    assert DBTaskResult.objects.filter(task_path__endswith="send_batch").count() == 3

    run_tasks()
    smtp_server.wait_for(7)
    assert recipients(smtp_server) == Counter({p.email: 1 for p in audience})
    message = next(m for m in smtp_server.messages if m["To"] == "reader3@example.org")
    assert message["Subject"] == "Episode 41: Walk first"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/newsletter/unsubscribe/" in str(message["List-Unsubscribe"])
    assert "mailto:unsubscribe@backstride.example" in str(message["List-Unsubscribe"])
    text, html = body(message, "plain"), body(message, "html")
    assert text.startswith("Hi R3,") and TEXT in text
    assert "<strong>walking before running</strong>" in html and "Hi R3," in html
    assert "__BS_" not in text + html
    # each recipient's own unsubscribe link
    token_url = str(message["List-Unsubscribe"]).strip().split(">")[0][1:]
    assert token_url in text and token_url in html
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_running_the_send_again_sends_nothing_twice(audience, smtp_server, run_tasks) -> None:
    services.send_episode_issue(7, "Episode 7", HTML, TEXT)
    run_tasks()
    smtp_server.wait_for(7)
    again = services.send_episode_issue(7, "Episode 7", HTML, TEXT)
    assert again.created is False and again.recipients == 0
    for row in OutboxMessage.objects.all():  # even re-running every batch task
        outbox.deliver_batch(row.batch)
    run_tasks()
    assert Issue.objects.count() == 1
    assert OutboxMessage.objects.count() == 7
    assert recipients(smtp_server) == Counter({p.email: 1 for p in audience})


def test_a_late_confirmation_is_added_on_rerun(audience, smtp_server, run_tasks) -> None:
    services.send_episode_issue(8, "Episode 8", HTML, TEXT)
    make_subscriber("late@example.org")
    again = services.send_episode_issue(8, "Episode 8", HTML, TEXT)
    assert again.recipients == 1
    run_tasks()
    smtp_server.wait_for(8)
    assert recipients(smtp_server)["late@example.org"] == 1
    assert max(recipients(smtp_server).values()) == 1


def test_a_rolled_back_publish_queues_nothing(audience) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.send_episode_issue(9, "Episode 9", HTML, TEXT)
        raise RuntimeError("publishing failed")
    assert not Issue.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_claimed_row_cannot_be_claimed_again(audience) -> None:
    services.send_episode_issue(10, "Episode 10", HTML, TEXT)
    batch = OutboxMessage.objects.first().batch  # type: ignore[union-attr]
    now = timezone.now()
    assert outbox._claim(batch, "first-worker", now) == 7
    assert outbox._claim(batch, "second-worker", now) == 0
    assert set(OutboxMessage.objects.values_list("claim_token", flat=True)) == {"first-worker"}


def test_a_crashed_worker_is_recovered_without_duplicates_or_gaps(
    audience, settings, smtp_server, run_tasks
) -> None:
    """Simulate a worker killed mid-batch: 3 rows sent and marked, 4 claimed and abandoned."""
    settings.NEWSLETTER_LEASE_SECONDS = 60
    services.send_episode_issue(11, "Episode 11", HTML, TEXT)
    row = OutboxMessage.objects.first()
    assert row is not None
    outbox._claim(row.batch, "dead-worker", timezone.now())
    sent_before = list(OutboxMessage.objects.order_by("pk")[:3])
    for r in sent_before:  # what the dead worker managed to deliver and record
        OutboxMessage.objects.filter(pk=r.pk).update(status="sent", sent_at=timezone.now())
    DBTaskResult.objects.update(status="RUNNING")  # the dead worker's task never finishes

    assert run_tasks() == 0  # nothing ready: the batch looks busy
    assert tasks.sweep().reclaimed == 0  # the lease has not expired yet

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        report = tasks.sweep()
        assert report.reclaimed == 4 and report.batches == [row.batch]
        run_tasks()
    smtp_server.wait_for(4)
    got = recipients(smtp_server)
    assert sorted(got) == sorted(p.email for p in audience[3:])
    assert set(got.values()) == {1}
    assert OutboxMessage.objects.filter(status="sent").count() == 7


def test_sweep_rearms_itself_while_work_remains(audience, settings) -> None:
    settings.NEWSLETTER_LEASE_SECONDS = 30
    services.send_episode_issue(12, "Episode 12", HTML, TEXT)
    sweeps = DBTaskResult.objects.filter(task_path__endswith="sweep_outbox")
    assert sweeps.count() == 1
    services.send_episode_issue(13, "Episode 13", HTML, TEXT)
    assert sweeps.count() == 1  # one scheduled sweep is enough
    with time_machine.travel(timezone.now() + timedelta(seconds=40)):
        assert tasks.sweep().remaining == 14
    assert sweeps.count() == 2


def test_lost_tasks_are_requeued_when_the_outbox_is_idle(
    audience, settings, smtp_server, run_tasks
) -> None:
    settings.NEWSLETTER_LEASE_SECONDS = 30
    services.send_episode_issue(14, "Episode 14", HTML, TEXT)
    DBTaskResult.objects.all().delete()  # e.g. an RQ enqueue lost after commit
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        report = tasks.sweep()
        assert len(report.batches) == 1
        run_tasks()
    smtp_server.wait_for(7)
    assert set(recipients(smtp_server).values()) == {1}


def test_smtp_down_retries_with_backoff_and_marks_nothing_sent(
    audience, settings, smtp_server, run_tasks
) -> None:
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens here
    services.send_episode_issue(15, "Episode 15", HTML, TEXT)
    run_tasks()
    rows = OutboxMessage.objects.all()
    assert {r.status for r in rows} == {"pending"}
    assert {r.attempts for r in rows} == {1}
    assert all("connect" in r.last_error.lower() for r in rows)
    assert all(r.sent_at is None for r in rows)
    retry = DBTaskResult.objects.filter(task_path__endswith="send_batch", status="READY").get()
    first_delay = retry.run_after - timezone.now()
    assert timedelta(seconds=20) < first_delay <= timedelta(seconds=31)

    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        run_tasks()  # still down: the second wait is twice as long
        assert {r.attempts for r in OutboxMessage.objects.all()} == {2}
        retry = DBTaskResult.objects.filter(task_path__endswith="send_batch", status="READY").get()
        assert retry.run_after - timezone.now() > timedelta(seconds=50)

    settings.EMAIL_PORT = real_port  # the server is back
    with time_machine.travel(timezone.now() + timedelta(seconds=100)):
        run_tasks()
    smtp_server.wait_for(7)
    assert recipients(smtp_server) == Counter({p.email: 1 for p in audience})
    assert {r.status for r in OutboxMessage.objects.all()} == {"sent"}


class PickySMTP:
    """A real SMTP server that refuses some recipients (550 for good, 451 for now)."""

    def __init__(
        self, refuse: set[str], defer: set[str], reject_data: set[str] = frozenset()
    ) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        self.lock = threading.Lock()
        outer = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
                if address in refuse:
                    return "550 5.1.1 No such mailbox"
                if address in defer:
                    return "451 4.2.0 Mailbox busy, try later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
                if set(envelope.rcpt_tos) & reject_data:
                    return "554 5.7.1 Message content rejected"
                with outer.lock:
                    outer.messages.append(
                        message_from_bytes(envelope.content, policy=policy.default)
                    )
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)


@pytest.fixture
def picky(settings: Any):
    server = PickySMTP(refuse={"reader1@example.org"}, defer={"reader2@example.org"})
    server.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.controller.stop()


def test_refused_recipients_fail_alone_and_deferred_ones_retry(audience, picky, run_tasks) -> None:
    services.send_episode_issue(16, "Episode 16", HTML, TEXT)
    run_tasks()
    by_email = {r.subscriber.email: r for r in OutboxMessage.objects.select_related("subscriber")}
    assert by_email["reader1@example.org"].status == "failed"
    assert "550" in by_email["reader1@example.org"].last_error
    assert by_email["reader2@example.org"].status == "pending"
    assert "451" in by_email["reader2@example.org"].last_error
    assert sum(r.status == "sent" for r in by_email.values()) == 5
    assert len(picky.messages) == 5
    stats = services.issue_stats()[0]
    assert (stats.total, stats.sent, stats.failed, stats.waiting) == (7, 5, 1, 1)


def test_a_deferred_recipient_fails_after_the_last_attempt(
    audience, picky, settings, run_tasks
) -> None:
    settings.NEWSLETTER_MAX_ATTEMPTS = 2
    services.send_episode_issue(17, "Episode 17", HTML, TEXT)
    run_tasks()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        run_tasks()
    row = OutboxMessage.objects.get(subscriber__email="reader2@example.org")
    assert row.status == "failed" and row.attempts == 2


def test_unsubscribing_before_the_send_cancels_the_email(audience, smtp_server, run_tasks) -> None:
    services.send_episode_issue(18, "Episode 18", HTML, TEXT)
    services.unsubscribe(audience[0])
    Subscriber.objects.filter(pk=audience[1].pk).update(status="bounced")  # mid-flight
    run_tasks()
    smtp_server.wait_for(5)
    got = recipients(smtp_server)
    assert audience[0].email not in got and audience[1].email not in got
    assert OutboxMessage.objects.filter(status="cancelled").count() == 2


def test_backoff_doubles_and_is_capped() -> None:
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert outbox.backoff(30).total_seconds() == 3600


def test_send_outbox_command_delivers_due_rows(audience, smtp_server, capsys) -> None:
    from django.core.management import call_command

    services.send_episode_issue(19, "Episode 19", HTML, TEXT)
    call_command("newsletter", "send-outbox")
    smtp_server.wait_for(7)
    assert "sent 7" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_commit_point_marks_in_autocommit_like_the_worker(settings) -> None:
    """Outside a test transaction, as in the worker: the real mark path for this database."""
    server = PickySMTP(refuse=set(), defer=set(), reject_data={"reader2@example.org"})
    server.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        for i in range(4):
            make_subscriber(f"reader{i}@example.org")
        services.send_episode_issue(20, "Episode 20", HTML, TEXT)
        batch = OutboxMessage.objects.first().batch  # type: ignore[union-attr]
        report = outbox.deliver_batch(batch)
    finally:
        server.controller.stop()
    assert (report.sent, report.failed) == (3, 1)
    rows = {r.subscriber.email: r for r in OutboxMessage.objects.select_related("subscriber")}
    refused = rows.pop("reader2@example.org")
    assert refused.status == "failed" and refused.handed_over_at is None  # mark undone
    assert "554" in refused.last_error
    assert all(r.status == "sent" and r.handed_over_at == r.sent_at for r in rows.values())
    assert sorted(m["To"] for m in server.messages) == sorted(rows)


def test_non_smtp_backends_get_django_emails(audience, settings, run_tasks) -> None:
    """django-anymail and friends take EmailMessage objects; locmem stands in for them."""
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.send_episode_issue(21, "Episode 21", HTML, TEXT)
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in audience)
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.alternatives[0].mimetype == "text/html"  # type: ignore[union-attr]
    assert {r.status for r in OutboxMessage.objects.all()} == {"sent"}
    assert all(r.handed_over_at is not None for r in OutboxMessage.objects.all())
