"""Where a `next` parameter may send someone: only to a page of this site.

Every view that redirects to a `next` it was given asks here, so a link such as
`...?next=https://evil.example/` can never turn Responder into a trampoline.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def same_site_path(request: HttpRequest, candidate: str | None, *, fallback: str) -> str:
    """`candidate` if it is a path on this site (no scheme, no other host), else
    `fallback`."""
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return fallback
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    return candidate


def next_path(request: HttpRequest, *, fallback: str) -> str:
    """The request's `next` (POST, then GET) if it is a path on this site."""
    candidate = request.POST.get("next") or request.GET.get("next")
    return same_site_path(request, candidate, fallback=fallback)
