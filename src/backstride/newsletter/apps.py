from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "backstride.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"

    def ready(self) -> None:
        # Receivers import models, so they are wired once the app registry is ready.
        from anymail.signals import inbound, tracking

        from backstride.publication.signals import episode_published

        from . import receivers

        tracking.connect(receivers.on_tracking, dispatch_uid="newsletter-tracking")
        inbound.connect(receivers.on_inbound, dispatch_uid="newsletter-inbound")
        episode_published.connect(
            receivers.on_episode_published, dispatch_uid="newsletter-episode-published"
        )
