"""Worker heartbeats: after a task, the worker records that it finished work from
that queue (at most once per HEARTBEAT_EVERY seconds per queue and process, so a busy
worker costs the database one small write every few seconds, not one per task)."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery.signals import task_postrun
from django.db import DatabaseError

from responder.ops.models import HeartbeatKind
from responder.ops.services import heartbeat_record

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 10.0
_last_beat: dict[str, float] = {}


def queue_of(task: Any) -> str:
    """The queue a task's message came from ("" when it ran inline)."""
    request = getattr(task, "request", None)
    if request is None or getattr(request, "is_eager", False):
        return ""
    info = getattr(request, "delivery_info", None) or {}
    return str(info.get("routing_key") or "")


def _on_task_postrun(sender: Any = None, task: Any = None, **_: Any) -> None:
    task = task or sender
    queue = queue_of(task)
    if not queue:
        return
    now = time.monotonic()
    if now - _last_beat.get(queue, -HEARTBEAT_EVERY) < HEARTBEAT_EVERY:
        return
    _last_beat[queue] = now

    try:
        heartbeat_record(
            name=queue,
            kind=HeartbeatKind.QUEUE,
            holder=str(getattr(task.request, "hostname", "") or ""),
            task=str(getattr(task, "name", "")),
        )
    except DatabaseError as exc:
        # The database is down: the task itself will have said so; try next time.
        _last_beat.pop(queue, None)
        logger.debug("could not record the %s heartbeat: %s", queue, exc)


def connect_signals() -> None:
    task_postrun.connect(_on_task_postrun, weak=False, dispatch_uid="ops-heartbeat")
