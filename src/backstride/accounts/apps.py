from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backstride.accounts"
    label = "accounts"
    verbose_name = "Accounts"
