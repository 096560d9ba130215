"""The request id and the latency histogram, for every request; and the probes.

First in the chain. /healthz and /readyz are answered here, before the other
middleware: no host check (a load balancer or orchestrator probes by IP address), no
HTTPS redirect, no session, no CSRF, no language; cheap enough to ask every second.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from responder.ops import latency, views
from responder.ops.logs import current_request_id, request_id_from

Handler = Callable[[HttpRequest], HttpResponse]
# Other methods share one label, so a scanner cannot grow the metrics without bound.
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _probes() -> dict[str, Handler]:

    return {"/healthz": views.healthz, "/readyz": views.readyz}


class OpsMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.probes = _probes()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes.get(request.path_info.rstrip("/") or "/")
        if probe is not None:
            return probe(request)
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        method = request.method if request.method in _METHODS else "OTHER"
        latency.observe(method=str(method), seconds=time.perf_counter() - started)
        response["X-Request-ID"] = request_id
        return response
