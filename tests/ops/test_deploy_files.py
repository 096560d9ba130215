"""bin/check-deploy.py (make lint) passes on the project's docker-compose.yml and
Dockerfile, and catches the mistakes it is there for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "bin" / "check-deploy.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK), *args], capture_output=True, text=True, timeout=60
    )


def test_the_project_files_pass() -> None:
    done = run()
    assert done.returncode == 0, done.stderr


def test_mistakes_are_named(tmp_path: Path) -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    compose = compose.replace("--queues=posting", "--queues=ingest")  # no posting worker
    compose = compose.replace(
        "      postgres:\n        condition", "      postgress:\n        condition"
    )
    (tmp_path / "docker-compose.yml").write_text(compose)
    dockerfile = (ROOT / "Dockerfile").read_text()
    dockerfile = dockerfile.replace("python:3.12-slim", "python:latest").replace(
        "USER responder", "USER root"
    )
    (tmp_path / "Dockerfile").write_text(dockerfile)
    done = run(
        "--compose",
        str(tmp_path / "docker-compose.yml"),
        "--dockerfile",
        str(tmp_path / "Dockerfile"),
    )
    assert done.returncode == 1
    assert "no worker service consumes the posting queue" in done.stderr
    assert "depends on unknown service postgress" in done.stderr
    assert "do not use the latest tag (python:latest)" in done.stderr
    assert "the image runs as root" in done.stderr
