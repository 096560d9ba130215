from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "responder.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Rules, signal receivers and system checks register themselves on import,
        # once the app registry is ready (inner import: that is why).
        from responder.accounts import authz, login_throttle, system_checks  # noqa: F401
