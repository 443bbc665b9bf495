from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backstride.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import checks  # noqa: F401 — registers the system checks
        from .freshness import track

        track("accounts.ConsentRecord")  # health consent decides the Today card
