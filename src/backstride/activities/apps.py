from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "backstride.activities"
    label = "activities"
    verbose_name = "Runs and activities"

    def ready(self) -> None:
        from backstride.accounts.freshness import track

        from . import signals  # noqa: F401

        track("activities.Activity")  # the running prescription reads the sessions
