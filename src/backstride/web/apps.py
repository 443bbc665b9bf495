from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "backstride.web"
    label = "web"
    verbose_name = "Site"

    def ready(self) -> None:
        # Registers the /metrics system check at start-up, not when the URLs happen to load
        # (a `check` run, or a test, may never load them).
        from . import metrics  # noqa: F401
