import uuid

import pytest


@pytest.fixture(autouse=True)
def private_cache(settings):
    # The dashboard caches its figures; each test gets its own empty cache (never
    # clear the shared Redis database other test runs use).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"analytics-test-{uuid.uuid4()}",
        }
    }
