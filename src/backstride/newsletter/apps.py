from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "backstride.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"

    def ready(self) -> None:
        # Receivers import models, so they are wired once the app registry is ready.
        from anymail.signals import inbound, tracking
        from django.db.models.signals import post_delete

        from backstride.publication.signals import episode_published

        from . import receivers
        from .models import Subscriber

        tracking.connect(receivers.on_tracking, dispatch_uid="newsletter-tracking")
        inbound.connect(receivers.on_inbound, dispatch_uid="newsletter-inbound")
        post_delete.connect(
            receivers.on_subscriber_deleted,
            sender=Subscriber,
            dispatch_uid="newsletter-subscriber-consents",
        )
        episode_published.connect(
            receivers.on_episode_published, dispatch_uid="newsletter-episode-published"
        )
