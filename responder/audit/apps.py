from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "responder.audit"
    label = "audit"

    def ready(self) -> None:
        # inner import: the receivers read the accounts' models, loaded only now.
        from responder.audit.account_events import receivers_connect

        receivers_connect()
