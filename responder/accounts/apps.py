from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "responder.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Rules, signal receivers and system checks register themselves on import.
        from responder.accounts import authz, login_throttle, system_checks  # noqa: F401
        from responder.accounts.audit_events import receivers_connect

        receivers_connect()
