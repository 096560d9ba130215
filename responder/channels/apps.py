from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "responder.channels"
    label = "channels"
    verbose_name = "Platforms and posting"
