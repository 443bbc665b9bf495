from django.apps import AppConfig


class RehabConfig(AppConfig):
    name = "backstride.rehab"
    label = "rehab"
