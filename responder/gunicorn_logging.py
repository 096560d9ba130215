"""Gunicorn's access log, without review-link tokens.

Gunicorn writes its own access log (`--access-logfile -`), outside Django's logging
and its redacting filter, so a `GET /review/<token>/` line would hand a working
approval link to whoever reads the log; so would a `token=` query value or a Referer
header pointing at a review page. This logger class redacts every value of a log
line with the same rule as Django's logs (workflows/log_filters.py).

    gunicorn responder.wsgi:application --access-logfile - \\
        --logger-class responder.gunicorn_logging.RedactingLogger
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from workflows.log_filters import redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
