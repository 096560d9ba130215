from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "responder.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Workers record a heartbeat per queue after each task (see heartbeat.py).
        # Request ids travel from a web request into the tasks it queues (logs.py).
        # inner import: connects the heartbeat and log signals once the registry is ready.
        from responder.ops import heartbeat, logs

        heartbeat.connect_signals()
        logs.connect_signals()
