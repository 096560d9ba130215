"""A private copy of Responder's services to stop and start at will: a PostgreSQL
cluster (a copy of the test database's schema and rows), two Redis servers (cache
and broker) and the web app (runserver) pointed at them, all on free ports and
stopped by their own process ids. The machine's shared services are never touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

from responder.testing.chaos import ROOT, PrivatePostgres, PrivateRedis, _stop, free_port, wait_for


def shared_db_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def pg_tool(pg: PrivatePostgres, name: str) -> str:
    return str(pg.bin / name)


def copy_test_database(pg: PrivatePostgres) -> None:
    """pg_dump the test database (committed rows) into the private cluster's database."""
    s = connection.settings_dict
    dump = subprocess.run(
        [
            pg_tool(pg, "pg_dump"),
            "--no-owner",
            "--no-privileges",
            "-h",
            s["HOST"] or "127.0.0.1",
            "-p",
            str(s["PORT"] or 5432),
            "-U",
            s["USER"],
            s["NAME"],
        ],
        check=True,
        capture_output=True,
    )
    psql(pg, input_=dump.stdout)


def psql(pg: PrivatePostgres, *args: str, input_: bytes | None = None, db: str = "") -> None:
    subprocess.run(
        [
            pg_tool(pg, "psql"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(pg.port),
            "-U",
            "postgres",
            "-d",
            db or "responder_bench",
            *args,
        ],
        check=True,
        capture_output=True,
        input=input_,
    )


def pg_stop(pg: PrivatePostgres) -> None:
    pg._run("pg_ctl", "-D", str(pg.data), "-m", "immediate", "-w", "stop")


class Web:
    """`manage.py runserver` on a free port with its own environment."""

    def __init__(self, *, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Web:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "runserver",
                    f"127.0.0.1:{self.port}",
                    "--noreload",
                    "--skip-checks",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: self.get("/healthz")[0] == 200, timeout=60, what="the web app")
        return self

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, object]:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"runserver exited:\n{self.log.read_text()[-3000:]}")
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except OSError:
            return 0, None
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode(errors="replace")

    def stop(self) -> None:
        _stop(self.proc)


def web_env(*, database_url: str, cache_url: str, broker_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": cache_url,
            "CELERY_BROKER_URL": broker_url,
            "RESPONDER_ENV": "test",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


__all__ = ["PrivatePostgres", "PrivateRedis", "Web", "copy_test_database", "shared_db_url"]
