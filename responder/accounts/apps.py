from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "responder.accounts"
    label = "accounts"
