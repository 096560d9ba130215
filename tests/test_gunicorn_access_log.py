"""Gunicorn, as the Dockerfile runs it, keeps review-link tokens out of its access log
(issue #16)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "eyJwIjoiciIsInMiOjEsInUiOjJ9:1tQ0aB:Zm9yZ2VkLXNpZ25hdHVyZS1mb3ItdGhlLXRlc3Q"
SECRET_QUERY = "abcdefsecretquerytoken123"
RESET_TOKEN = "cz4k9q-0123456789abcdef0123456789abcdef"


def dockerfile_command() -> list[str]:
    """The CMD of the Dockerfile: the exact gunicorn command line of the image."""
    text = (ROOT / "Dockerfile").read_text()
    line = next(line for line in text.splitlines() if line.startswith("CMD "))
    return list(json.loads(line[4:]))


def _on_loopback_any_port(argv: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--bind":
            skip = True
            continue
        if arg.startswith("--bind="):
            continue
        out.append(arg)
    # Port 0: the system picks a free port; gunicorn says which in its error log.
    return [*out, "--bind", "127.0.0.1:0", "--workers", "1"]


def _get(url: str, **headers: str) -> None:
    # A refusal is fine: the line is logged all the same.
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30)


def test_the_access_log_redacts_review_tokens(tmp_path: Path) -> None:
    argv = _on_loopback_any_port(dockerfile_command())
    assert argv[0] == "gunicorn" and "--access-logfile" in argv
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    env = {**os.environ, "RESPONDER_VAR_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [gunicorn, *argv[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        port = ""
        for line in proc.stderr:  # blocks until gunicorn says where it listens
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = found.group(1)
                break
        assert port, "gunicorn did not start"
        base = f"http://127.0.0.1:{port}"
        _get(f"{base}/review/{TOKEN}/")
        _get(f"{base}/api/v1/me/?token={SECRET_QUERY}")
        _get(f"{base}/accounts/reset/MQ/{RESET_TOKEN}/")
        _get(f"{base}/static/missing.css", Referer=f"{base}/review/{TOKEN}/")
    finally:
        proc.send_signal(signal.SIGTERM)
        access_log, errors = proc.communicate(timeout=60)

    assert "/review/[redacted]/" in access_log, access_log + errors
    assert "token=[redacted]" in access_log
    assert TOKEN not in access_log and TOKEN not in errors
    assert SECRET_QUERY not in access_log and SECRET_QUERY not in errors
    assert "/accounts/reset/MQ/[redacted]" in access_log
    assert RESET_TOKEN not in access_log and RESET_TOKEN not in errors


def test_docker_compose_runs_gunicorn_with_the_same_logger() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "--logger-class=responder.gunicorn_logging.RedactingLogger" in compose
