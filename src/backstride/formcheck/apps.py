from django.apps import AppConfig


class FormcheckConfig(AppConfig):
    name = "backstride.formcheck"
    label = "formcheck"
    verbose_name = "Running-form checks"
