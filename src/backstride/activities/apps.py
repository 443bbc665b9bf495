from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "backstride.activities"
    label = "activities"
    verbose_name = "Runs and activities"

    def ready(self) -> None:
        from . import signals  # noqa: F401
