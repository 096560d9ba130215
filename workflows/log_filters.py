"""Keeps review-link tokens out of the logs.

Django's request logger writes the path of every 4xx/5xx response ("Gone:
/review/<token>/"), and the development server logs every request line. A token in
a log is a working approval link for whoever reads the log, so both are redacted.
"""

from __future__ import annotations

import logging
import re

# /review/<token>/ but not the fixed pages under /review/ (mine, step, case).
_TOKEN_PATH = re.compile(r"(/review/)(?!(?:mine|step|case)/)[^/\s?#\"']{16,}")
REDACTED = r"\1[redacted]"
# The value of any query parameter whose name ends in "token" (token=, access_token=).
_TOKEN_QUERY = re.compile(r"((?:^|[?&;\s])[\w.-]*token=)[^&;#\s\"']+", re.IGNORECASE)


# Password-reset links: /accounts/reset/<uidb64>/<token>/ (Django swaps the token for
# "set-password" after the first visit; that one is harmless).
_RESET_PATH = re.compile(r"(/accounts/reset/[^/\s?#\"']+/)(?!set-password/)[^/\s?#\"']{16,}")


def redact(text: str) -> str:
    text = _RESET_PATH.sub(REDACTED, _TOKEN_PATH.sub(REDACTED, text))
    return _TOKEN_QUERY.sub(r"\1[redacted]", text)


class RedactReviewTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        request = getattr(record, "request", None)
        if request is not None and "/review/" in str(getattr(request, "path", "")):
            # Handlers such as AdminEmailHandler print the whole request.
            record.request = None
        return True
