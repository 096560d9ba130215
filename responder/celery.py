from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "responder.settings")

app = Celery("responder")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(
    ["responder.channels", "responder.inbox", "responder.analytics", "workflows"]
)
