"""Start-up checks (Django's system checks) for the counts that keep sign-in safe.

The sign-in pauses and the review-link rate limits count in the cache; a cache of
one process's memory counts nothing across the web processes (each has its own, and
a restart forgets it), so production refuses to start with one: `manage.py check`,
`migrate` and `check --deploy` fail with accounts.E001.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

# Backends whose entries live in one process (or nowhere).
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register()
def shared_cache_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    backend = str(settings.CACHES.get("default", {}).get("BACKEND", ""))
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Error(
            f"The cache ({backend}) is per process, so sign-in failure counts and rate "
            "limits would not be shared by the web processes.",
            hint="Set REDIS_URL to a Redis server shared by every process.",
            id="accounts.E001",
        )
    ]
