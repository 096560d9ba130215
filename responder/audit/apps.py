from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "responder.audit"
    label = "audit"
