"""Errors the services raise; the web and API layers turn them into 403/409/400."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["ConflictError", "PermissionDenied", "ValidationError"]


class ConflictError(Exception):
    """The action is valid in general but not now: the case moved on, someone else
    holds it, the step was decided. Answered 409 with the message."""

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
