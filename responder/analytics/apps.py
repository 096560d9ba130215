from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "responder.analytics"
    label = "analytics"
