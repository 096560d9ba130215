from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The cases core: the Case and its transitions, drafts, topics, the answer
    library, incoming rules and the outgoing checks. It imports only accounts and
    audit (docs/ARCHITECTURE.md)."""

    name = "responder.inbox"
    label = "inbox"
