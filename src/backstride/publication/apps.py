from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "backstride.publication"
    label = "publication"
