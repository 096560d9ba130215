"""LOG_FORMAT=json, and a request id that follows a web request into its tasks."""

from __future__ import annotations

import json
import logging
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun

from responder.celery import app
from responder.ops.logs import JsonFormatter, RequestIdFilter, current_request_id


def test_json_lines_carry_the_request_id_and_extra_fields() -> None:
    record = logging.LogRecord(
        "responder.x", logging.WARNING, __file__, 1, "posted %s", ("a",), None
    )
    record.outbox_item = 7
    token = current_request_id.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        current_request_id.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "posted a"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "responder.x"
    assert entry["request_id"] == "req-42"
    assert entry["outbox_item"] == 7


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_during_a_request_runs_under_its_request_id() -> None:
    from responder.channels.tasks import outbox_sweep

    seen: list[str] = []

    def remember(**_: object) -> None:
        seen.append(current_request_id.get())

    app.loader.import_default_modules()
    app.control.purge()
    task_prerun.connect(remember, weak=False)
    token = current_request_id.set("req-from-the-web")  # what OpsMiddleware does
    try:
        outbox_sweep.delay()
    finally:
        current_request_id.reset(token)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=["posting"]
        ):
            deadline = time.monotonic() + 20
            while not seen and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        task_prerun.disconnect(remember)
        app.control.purge()
    assert seen == ["req-from-the-web"]
    assert current_request_id.get() == ""
