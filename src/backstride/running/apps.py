from django.apps import AppConfig


class RunningConfig(AppConfig):
    name = "backstride.running"
    label = "running"
    verbose_name = "Return to running"
