from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "backstride.privacy"
    label = "privacy"
    verbose_name = "Data rights"
