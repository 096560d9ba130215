"""One error shape for the API: {"detail": ..., "code": ...}; conflicts are 409.

- ConflictError (the action is valid in general but not now)        -> 409
  (its code "not_found" means the object vanished                   -> 404)
- PermissionDenied (the person lacks the role)                      -> 403
- ValidationError from a service (a rule about the input)           -> 400
  (code checks_failed: the reply fails a hard outgoing check)
- a value the database refuses (out of range, malformed)            -> 400
Field errors from serializers keep DRF's shape: {"field": ["message", ...]}.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from responder.errors import ConflictError

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ConflictError):
        if exc.code == "not_found":
            return Response(
                {"detail": exc.message, "code": exc.code}, status=status.HTTP_404_NOT_FOUND
            )
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            # A service may name its refusal (checks_failed: the outgoing checks).
            {"detail": " ".join(str(m) for m in exc.messages), "code": exc.code or "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response(
            {"detail": str(exc) or _("Permission denied."), "code": "permission_denied"},
            status=status.HTTP_403_FORBIDDEN,
        )
    if isinstance(exc, DataError):
        # Serializers bound every value, so this is a gap in them: answer 400, not 500,
        # and log it so that the gap gets closed.
        logger.warning("API input refused by the database: %s", exc)
        return Response(
            {"detail": _("A value is out of range or malformed."), "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        # DRF's own refusals (401, 403, 404, 405, 415, 429) get a code like ours.
        response.data.setdefault("code", getattr(response.data["detail"], "code", "error"))
    return response
