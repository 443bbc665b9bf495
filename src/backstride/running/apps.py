from django.apps import AppConfig


class RunningConfig(AppConfig):
    name = "backstride.running"
    label = "running"
    verbose_name = "Return to running"

    def ready(self) -> None:
        from backstride.accounts.freshness import track

        # what the prescription reads, besides rehab's and activities' records
        track("running.RunCheckIn")
        track("running.ReadinessResult")
