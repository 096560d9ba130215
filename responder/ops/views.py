"""Health, readiness and metrics endpoints (for machines), and the status page (for
admins, in status_views.py)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from responder.ops import exposition, health, metrics


@csrf_exempt
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answers; nothing else is checked (no database)."""
    return JsonResponse({"status": "ok"})


@csrf_exempt
@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Database, migrations, cache and broker: 200 if all answer, else 503. The body
    names each check; late workers or beat are listed under "warnings" (failures too
    with ?deep=1). See docs/OPERATIONS.md."""
    checks = health.readiness()
    deep = request.GET.get("deep") in {"1", "true", "yes"}
    warnings = health.heartbeat_warnings() if checks[0].ok else []
    failed = [c for c in checks if not c.ok] + (warnings if deep else [])
    body = {
        "status": "fail" if failed else "ok",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
        "failed": [c.name for c in failed],
        "warnings": [{"check": w.name, "detail": w.detail} for w in warnings],
    }
    return JsonResponse(body, status=503 if failed else 200)


def _internal(request: HttpRequest) -> bool:
    """A direct request from an address in METRICS_ALLOWED_NETWORKS (not relayed by a
    proxy, which would make every outside request look internal)."""
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False)
        for net in settings.METRICS_ALLOWED_NETWORKS
    )


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return _internal(request)
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)


@csrf_exempt
@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format; a bearer token (METRICS_TOKEN) or, without one, only
    from the internal networks."""
    if not _authorised(request):
        response = HttpResponse("unauthorised\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    text = exposition.render(metrics.metric_families())
    return HttpResponse(text, content_type=exposition.CONTENT_TYPE)
