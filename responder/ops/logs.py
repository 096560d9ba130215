"""Request ids and JSON log lines.

Each web request gets an id (the X-Request-ID header a proxy sent, if it looks like
one, or a new one), returned in the response's X-Request-ID header, put on every log
record made while handling it, and carried to every Celery task queued meanwhile as a
message header, so the task's log lines carry the same id.

`LOG_FORMAT=json` (settings) writes one JSON object per line with JsonFormatter.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def request_id_from(incoming: str | None) -> str:
    """The proxy's id if it is a plausible one, else a fresh one."""
    if incoming and _VALID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id.get()
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the
    exception if any, and any `extra=` fields given to the log call."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or current_request_id.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        return json.dumps(entry, default=str, ensure_ascii=False)


def _add_header(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id.get()
    if request_id and headers is not None and HEADER not in headers:
        headers[HEADER] = request_id


_task_tokens: dict[str, contextvars.Token[str]] = {}


def _task_start(task_id: str = "", task: Any = None, **_: Any) -> None:
    request = getattr(task, "request", None)
    request_id = str(getattr(request, HEADER, "") or "")
    if not request_id and request is not None:
        request_id = str((getattr(request, "headers", None) or {}).get(HEADER, "") or "")
    if request_id:
        _task_tokens[task_id] = current_request_id.set(request_id)


def _task_end(task_id: str = "", **_: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        current_request_id.reset(token)


def connect_signals() -> None:
    before_task_publish.connect(_add_header, weak=False, dispatch_uid="ops-request-id-publish")
    task_prerun.connect(_task_start, weak=False, dispatch_uid="ops-request-id-start")
    task_postrun.connect(_task_end, weak=False, dispatch_uid="ops-request-id-end")
