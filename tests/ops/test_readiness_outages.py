"""/readyz against real services that the test stops and starts: a private PostgreSQL
cluster, a private Redis for the cache and another for the broker (tests/ops/stack.py).
And a backup of PostgreSQL restored after the database was dropped."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from rest_framework.authtoken.models import Token

from responder.testing.chaos import PrivatePostgres, PrivateRedis, wait_for
from tests.ops.stack import Web, copy_test_database, pg_stop, pg_tool, psql, web_env

pytestmark = pytest.mark.slow


@dataclass
class Stack:
    pg: PrivatePostgres
    cache: PrivateRedis
    broker: PrivateRedis
    web: Web


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Stack]:
    with django_db_blocker.unblock():
        pg = PrivatePostgres().init()
    cache = broker = web = None
    try:
        with django_db_blocker.unblock():
            copy_test_database(pg)
        cache, broker = PrivateRedis().start(), PrivateRedis().start()
        env = web_env(database_url=pg.url, cache_url=cache.url, broker_url=broker.url)
        web = Web(env=env, log=tmp_path_factory.mktemp("web") / "web.log").start()
        yield Stack(pg=pg, cache=cache, broker=broker, web=web)
    finally:
        for proc in (web, cache, broker):
            if proc is not None:
                proc.stop()
        pg.destroy()


def readiness(web: Web) -> tuple[int, dict]:
    status, body = web.get("/readyz")
    assert isinstance(body, dict), body
    return status, body


def ready_again(web: Web) -> None:
    wait_for(lambda: web.get("/readyz")[0] == 200, timeout=30, what="/readyz to pass again")


def test_readyz_fails_while_each_service_is_down_and_recovers(stack: Stack) -> None:
    status, body = readiness(stack.web)
    assert status == 200, body

    pg_stop(stack.pg)
    status, body = readiness(stack.web)
    assert status == 503
    assert body["failed"] == ["database"]
    assert body["checks"]["cache"]["ok"] and body["checks"]["broker"]["ok"]
    assert stack.web.get("/healthz")[0] == 200  # the process itself is fine
    stack.pg.start()
    ready_again(stack.web)

    stack.cache.stop()
    status, body = readiness(stack.web)
    assert (status, body["failed"]) == (503, ["cache"])
    stack.cache.start()
    ready_again(stack.web)

    stack.broker.stop()
    status, body = readiness(stack.web)
    assert (status, body["failed"]) == (503, ["broker"])
    stack.broker.start()
    ready_again(stack.web)


def _reset_private_database(pg: PrivatePostgres) -> None:
    psql(pg, "-c", "DROP DATABASE IF EXISTS responder_bench WITH (FORCE)", db="postgres")
    psql(pg, "-c", "CREATE DATABASE responder_bench", db="postgres")


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_after_the_database_is_dropped_serves_the_same_case(
    stack: Stack, team, tmp_path
) -> None:
    case = team.case(text="Can I renew my passport by mail?")
    token = Token.objects.create(user=team.officer)
    # The app's database now holds this case.
    _reset_private_database(stack.pg)
    copy_test_database(stack.pg)
    auth = {"Authorization": f"Token {token.key}"}
    status, before = stack.web.get(f"/api/v1/cases/{case.pk}/", auth)
    assert status == 200, before

    backup = tmp_path / "responder.dump"
    subprocess.run(
        [
            pg_tool(stack.pg, "pg_dump"),
            "--format=custom",
            f"--file={backup}",
            "-h",
            "127.0.0.1",
            "-p",
            str(stack.pg.port),
            "-U",
            "postgres",
            "responder_bench",
        ],
        check=True,
        capture_output=True,
    )
    psql(stack.pg, "-c", "DROP DATABASE responder_bench WITH (FORCE)", db="postgres")
    assert readiness(stack.web)[0] == 503

    psql(stack.pg, "-c", "CREATE DATABASE responder_bench", db="postgres")
    subprocess.run(
        [
            pg_tool(stack.pg, "pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "-h",
            "127.0.0.1",
            "-p",
            str(stack.pg.port),
            "-U",
            "postgres",
            "-d",
            "responder_bench",
            str(backup),
        ],
        check=True,
        capture_output=True,
    )
    ready_again(stack.web)
    status, after = stack.web.get(f"/api/v1/cases/{case.pk}/", auth)
    assert status == 200
    assert after == before
    assert after["text"] == "Can I renew my passport by mail?"
