"""The database a bench runs on: its own PostgreSQL database (BENCH_PG, one name per
bench), created when missing and migrated, so a bench never touches the development
or test databases and keeps its generated rows between runs."""

from __future__ import annotations

import os


def bench_database(*, db: str, cache_prefix: str) -> None:
    """Point Django at database `db` (created if missing), set Django up, migrate."""
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    os.environ["DATABASE_URL"] = f"{base}/{db}"
    os.environ.setdefault("RESPONDER_ENV", "test")
    os.environ.setdefault("CACHE_KEY_PREFIX", cache_prefix)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "responder.settings")

    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db}"')

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def worker_bench_setup(
    *, db_url: str, broker_url: str, prefix: str, settings_module: str, **extra: str
) -> dict[str, str]:
    """For the benches that start Celery workers (posting, campaign, flood): the
    environment the workers and this process share (database `db_url`, broker, cache
    prefix, persistent connections, quiet logs, and `extra`), set here too; then Django
    set up, fast password hashing and the database migrated. Returns the environment."""
    env = {
        **os.environ,
        "RESPONDER_ENV": os.environ.get("RESPONDER_ENV", "test"),
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": broker_url,
        "CACHE_KEY_PREFIX": prefix,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    return env
