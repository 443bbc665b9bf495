from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "backstride.clinic"
    label = "clinic"
    verbose_name = "Clinician workspace"
    default_auto_field = "django.db.models.BigAutoField"
