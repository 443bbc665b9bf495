from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "backstride.api"
    label = "api"
    verbose_name = "API"
