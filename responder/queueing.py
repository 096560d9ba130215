"""Queueing Celery tasks so that a broker outage never fails the caller.

Side effects are queued after commit (`transaction.on_commit`). If the broker (Redis)
is restarting at that moment, publishing raises after the transaction committed: the
officer's or reviewer's action is saved, yet the request would answer 500. Here the
failure is logged instead, and the task is left to the periodic sweeps that find
work whose task was lost: the outbox sweep (posts), the poll dispatch (polls) and
the SLA sweep (the emails of a newly opened step, a consultation, a reminder, an
escalation, and a draft sent back). Comment emails have no such sweep (the comment is
on the case page): a lost one is only in the log.

A task is named by its dotted name ("workflows.tasks.step_opened_notify"): services
queue work without importing the tasks module, whose tasks import those services (a
task is thin: it calls one service), so no import runs in a circle.

Celery retries a failed publish briefly itself (CELERY_TASK_PUBLISH_RETRY_POLICY in
settings) before the error reaches us, so a request never waits long.
"""

from __future__ import annotations

import importlib
import logging
from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What publishing raises when the broker cannot be reached: kombu wraps connection
# errors in OperationalError; a raw redis-py or socket error may still get through.
PUBLISH_ERRORS: tuple[type[BaseException], ...] = (OperationalError, RedisError, OSError)


def task_named(task: Any) -> Any:
    """The registered Celery task of that dotted name (a task object passes through)."""
    if not isinstance(task, str):
        return task
    from responder.celery import app  # inner import: the Celery app imports the settings

    if task not in app.tasks:
        # Workers import every tasks module at start; a web process only the ones it
        # used: import the task's module (it registers its tasks), then look again.
        importlib.import_module(task.rsplit(".", 1)[0])
    return app.tasks[task]


def enqueue_now(task: Any, *args: Any, **options: Any) -> bool:
    """Queue `task` (a task or its dotted name) with positional `args` (and
    apply_async `options` such as countdown). Returns False, after logging an error,
    if the broker could not be reached; never raises for that."""
    task = task_named(task)
    if task.app.conf.task_always_eager:
        # No broker involved: the task runs here, and its own errors are its own.
        task.apply_async(args=args, **options)
        return True
    try:
        task.apply_async(args=args, **options)
    except PUBLISH_ERRORS as error:
        logger.error(
            "could not queue task %s with args %r (%s: %s); "
            "will be retried by the sweep that covers it, if any (see responder.queueing)",
            task.name,
            args,
            type(error).__name__,
            error,
        )
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, **options: Any) -> None:
    """Queue `task` once the current transaction commits (at once outside one), as
    `enqueue_now` does: a broker outage is logged, not raised into the request."""
    transaction.on_commit(partial(enqueue_now, task, *args, **options))
