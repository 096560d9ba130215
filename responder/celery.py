from __future__ import annotations

import logging
import os
from logging.config import dictConfig
from typing import Any

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "responder.settings")

app = Celery("responder")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every installed app's tasks module: a list written by hand forgot the campaigns' (a
# worker discarded their tasks as unregistered; tests/ops/test_worker_knows_tasks.py).
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(loglevel: int | str | None = None, **_: Any) -> None:
    """Workers and beat log like the web processes (settings.LOGGING: LOG_FORMAT=json,
    the request id, the review-token filter) at the level their command line asks."""

    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
