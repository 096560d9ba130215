from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "responder.accounts"
    label = "accounts"

    def ready(self) -> None:
        from responder.accounts import authz, login_throttle  # noqa: F401  (rules, signal receivers)
