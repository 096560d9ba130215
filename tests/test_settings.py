"""Settings come from the environment: safe defaults, loud errors, production-ready.

Each configuration is loaded in a fresh Python process, as the real server would,
with a clean environment so nothing from the test run leaks in.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SETUP = "import django; django.setup()"
SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "db = s.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), "
    "'broker': s.CELERY_BROKER_URL, 'folder': s.CELERY_BROKER_TRANSPORT_OPTIONS.get("
    "'data_folder_in', ''), 'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG}))"
)


def run_python(code: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "responder.settings",
        "RESPONDER_VAR_DIR": str(var_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_manage(*args: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        f"import sys; from django.core.management import execute_from_command_line; "
        f"execute_from_command_line(['manage.py', *{list(args)!r}])"
    )
    return run_python(code, var_dir, **env)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "mysql://db.example/responder"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "amqp://rabbit/"}, "CELERY_BROKER_URL"),
        ({"CELERY_BROKER_URL": "redis://"}, "CELERY_BROKER_URL"),
        ({"REDIS_URL": "http://cache.example/"}, "REDIS_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"EMAIL_BACKEND": "smtp", "EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"EMAIL_BACKEND": "smtp", "EMAIL_PORT": "0"}, "EMAIL_PORT"),
        ({"EMAIL_BACKEND": "carrier-pigeon"}, "EMAIL_BACKEND"),
        ({"DB_CONN_MAX_AGE": "-5"}, "DB_CONN_MAX_AGE"),
        ({"REVIEW_LINK_MAX_AGE_HOURS": "soon"}, "REVIEW_LINK_MAX_AGE_HOURS"),
        ({"RESPONDER_ENV": "staging"}, "RESPONDER_ENV"),
        ({"LOCAL_PASSWORDS": "maybe"}, "LOCAL_PASSWORDS"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"}, "TRUSTED_PROXIES"),
        ({"PLATFORM_HOST_ALLOWLIST": "http://simulator:8025/"}, "PLATFORM_HOST_ALLOWLIST"),
        ({"RESPONDER_ENV": "production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"RESPONDER_ENV": "production"}, "SECRET_KEY"),
    ],
    ids=lambda v: "-".join(f"{k}={val}" for k, val in v.items()) if isinstance(v, dict) else v,
)
def test_a_malformed_variable_stops_startup_and_names_the_variable(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = run_python(SETUP, tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]


def test_no_variables_means_sqlite_and_the_filesystem_broker_under_var(tmp_path: Path) -> None:
    result = run_python(SHOW, tmp_path)

    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["engine"] == "django.db.backends.sqlite3"
    assert Path(config["name"]).parent == tmp_path
    assert config["broker"].startswith("filesystem://")
    assert Path(config["folder"]).is_relative_to(tmp_path)
    assert Path(config["folder"]).is_dir()
    assert config["cache"].endswith("LocMemCache")
    assert config["debug"] is True


def test_urls_switch_to_postgresql_and_redis(tmp_path: Path) -> None:
    result = run_python(
        SHOW,
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/responder",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/5",
        REDIS_URL="redis://127.0.0.1:6379/6",
    )

    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["name"] == "responder"
    assert config["broker"] == "redis://127.0.0.1:6379/5"
    assert config["cache"].endswith("RedisCache")


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        var_dir=tmp_path,
        RESPONDER_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="responder.example.gc.ca",
        REDIS_URL="redis://127.0.0.1:6379/6",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_per_process_cache(tmp_path: Path) -> None:
    """Sign-in pauses counted in one process's memory count nothing across processes."""
    result = run_manage(
        "check",
        "--deploy",
        var_dir=tmp_path,
        RESPONDER_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="responder.example.gc.ca",
    )

    assert result.returncode != 0
    assert "accounts.E001" in result.stdout + result.stderr
    assert "REDIS_URL" in result.stdout + result.stderr


def test_pages_carry_a_content_security_policy_with_a_nonce(client: object) -> None:
    response = client.get("/admin/login/")  # type: ignore[attr-defined]

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'nonce-" in policy
    assert "frame-ancestors 'none'" in policy
