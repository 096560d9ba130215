import uuid

import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The team fixture hashes eight passwords; PBKDF2 at full strength is slow on CI.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
