from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "backstride.activities"
    label = "activities"
