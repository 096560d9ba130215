from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "responder.inbox"
    label = "inbox"
