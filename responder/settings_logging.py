"""Django's LOGGING for Responder (settings.py passes the environment's choices)."""

from __future__ import annotations

from typing import Any


def logging_settings(*, log_format: str, log_level: str, quiet_kombu: bool) -> dict[str, Any]:
    """One console handler in `log_format` ("plain" or "json"), review tokens redacted
    from every line, and the request id on each."""
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "responder.ops.logs.JsonFormatter"},
        },
        "filters": {
            # Review links carry a token in their path: never let one reach a log.
            "redact_review_tokens": {"()": "workflows.log_filters.RedactReviewTokens"},
            # The id of the web request (or of the request that queued this task).
            "request_id": {"()": "responder.ops.logs.RequestIdFilter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["redact_review_tokens", "request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": log_level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "django.request": {"filters": ["redact_review_tokens"]},
            "django.server": {"filters": ["redact_review_tokens"]},
            "django.security.csrf": {"filters": ["redact_review_tokens"]},
        },
    }
    if quiet_kombu:
        config["loggers"]["kombu.connection"] = {"level": "ERROR"}
    return config
