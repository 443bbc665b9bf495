from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "backstride.newsletter"
    label = "newsletter"
