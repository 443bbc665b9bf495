from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "backstride.web"
    label = "web"
    verbose_name = "Site"
