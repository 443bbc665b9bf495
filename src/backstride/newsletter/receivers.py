"""Signal receivers: the weekly episode send, provider bounce/complaint events, inbound mail,
and a deleted subscriber's consent history."""

from __future__ import annotations

import logging
import re
from typing import Any

from anymail.signals import EventType, RejectReason

from backstride.accounts.models import ConsentRecord

from . import services, tokens
from .models import Subscriber, Suppression

log = logging.getLogger("backstride.newsletter")

_UNSUBSCRIBE_SUBJECT = re.compile(r"unsubscribe-(?P<token>[A-Za-z0-9_\-]+:[A-Za-z0-9_\-]+)")


def on_episode_published(sender: Any, episode: Any, **kwargs: Any) -> None:
    """Queue the weekly email (inside the publisher's transaction; idempotent per episode)."""
    result = services.send_episode(episode)
    log.info(
        "newsletter: episode %s queued for %d subscribers in %d batches",
        episode.pk,
        result.recipients,
        result.batches,
    )


def on_subscriber_deleted(sender: Any, instance: Subscriber, **kwargs: Any) -> None:
    """Keep a deleted subscriber's consent history, without the link to them."""
    ConsentRecord.objects.unlink_subscriber(instance.pk)


def on_tracking(sender: Any, event: Any, esp_name: str = "", **kwargs: Any) -> None:
    """Suppress hard bounces and complaints; honour provider-side unsubscribes."""
    recipient = (getattr(event, "recipient", None) or "").strip().lower()
    if not recipient:
        return
    detail = f"{esp_name}: {event.description or event.mta_response or ''}".strip()
    kind = event.event_type
    if kind == EventType.BOUNCED or (
        kind == EventType.REJECTED
        and event.reject_reason in {RejectReason.BOUNCED, RejectReason.INVALID}
    ):
        services.suppress(recipient, Suppression.Reason.BOUNCED, detail)
    elif kind == EventType.COMPLAINED or (
        kind == EventType.REJECTED and event.reject_reason == RejectReason.SPAM
    ):
        services.suppress(recipient, Suppression.Reason.COMPLAINED, detail)
    elif kind == EventType.UNSUBSCRIBED:
        subscriber = services.find(recipient)
        if subscriber is not None:
            services.unsubscribe(subscriber, how=f"provider ({esp_name})")


def on_inbound(sender: Any, event: Any, esp_name: str = "", **kwargs: Any) -> None:
    """Mail to the List-Unsubscribe mailto address: subject ``unsubscribe-<token>``."""
    message = getattr(event, "message", None)
    subject = str(getattr(message, "subject", "") or "")
    match = _UNSUBSCRIBE_SUBJECT.search(subject)
    if not match:
        return
    try:
        public_id = tokens.public_id_from_unsubscribe(match["token"])
    except tokens.LinkError:
        log.info("newsletter: inbound unsubscribe with an invalid token ignored")
        return
    subscriber = Subscriber.objects.filter(public_id=public_id).first()
    if subscriber is not None:
        services.unsubscribe(subscriber, how="mailto")
