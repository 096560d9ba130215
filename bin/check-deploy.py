#!/usr/bin/env python3
"""Checks docker-compose.yml and the Dockerfile (`make lint`).

Neither `docker compose config` nor hadolint is on every developer's machine, so this
checks, with PyYAML only, what those tools would catch for this project, plus the rules
of docs/OPERATIONS.md:

docker-compose.yml: it parses (anchors and merge keys resolved); every service has an
image or a build; every depends_on names a service, and `service_healthy` only one with
a health check; health checks are CMD/CMD-SHELL lists; long-running services restart;
one worker service per Celery queue (ingest, posting, email, housekeeping) and the web
service's health check asks /readyz.

Dockerfile (a hadolint-style subset): base images pinned to a tag other than latest;
apt-get install with --no-install-recommends and the lists removed in the same layer;
pip without a cache; no ADD for local files; the last USER is not root.

    bin/check-deploy.py [--compose FILE] [--dockerfile FILE]

Exit status 1 and one line per problem if anything is wrong.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
QUEUES = ("ingest", "posting", "email", "housekeeping")


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def check_compose(path: Path) -> list[str]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path.name}: cannot be read: {exc}"]
    services: dict[str, dict[str, Any]] = (data or {}).get("services") or {}
    if not services:
        return [f"{path.name}: no services"]
    problems: list[str] = []
    for name, service in services.items():
        where = f"{path.name}: service {name}"
        if "image" not in service and "build" not in service:
            problems.append(f"{where}: neither image nor build")
        depends = service.get("depends_on") or {}
        for target, condition in (
            depends.items() if isinstance(depends, dict) else ((d, {}) for d in depends)
        ):
            if target not in services:
                problems.append(f"{where}: depends on unknown service {target}")
            elif (condition or {}).get("condition") == "service_healthy" and (
                "healthcheck" not in services[target]
            ):
                problems.append(f"{where}: waits for {target} to be healthy; it has no check")
        check = service.get("healthcheck")
        if check is not None:
            test = check.get("test")
            if not isinstance(test, list) or test[0] not in {"CMD", "CMD-SHELL", "NONE"}:
                problems.append(f"{where}: healthcheck test must be a CMD or CMD-SHELL list")
        if service.get("restart") in (None, "no") and "migrate" not in _command(service):
            problems.append(f"{where}: a long-running service needs a restart policy")
    consumed: dict[str, str] = {}
    for name, service in services.items():
        match = re.search(r"--queues[= ](\S+)", _command(service))
        if " worker" in _command(service) and match:
            for queue in match.group(1).split(","):
                consumed[queue] = name
    for queue in QUEUES:
        if queue not in consumed:
            problems.append(f"{path.name}: no worker service consumes the {queue} queue")
    web = services.get("web", {})
    if "/readyz" not in str((web.get("healthcheck") or {}).get("test", "")):
        problems.append(f"{path.name}: the web service's health check must ask /readyz")
    return problems


def _instructions(text: str) -> list[tuple[int, str, str]]:
    """(line number, INSTRUCTION, arguments) with continuation lines joined."""
    result: list[tuple[int, str, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if not buffer:
            start = number
        if line.startswith("#"):
            continue
        buffer += " " + line.rstrip("\\").strip()
        if not line.endswith("\\"):
            keyword, _, args = buffer.strip().partition(" ")
            result.append((start, keyword.upper(), args.strip()))
            buffer = ""
    return result


def check_dockerfile(path: Path) -> list[str]:
    try:
        text = path.read_text()
    except OSError as exc:
        return [f"{path.name}: cannot be read: {exc}"]
    problems: list[str] = []
    user = "root"
    pip_cache_off = "PIP_NO_CACHE_DIR=1" in text
    for number, keyword, args in _instructions(text):
        where = f"{path.name}:{number}"
        if keyword == "FROM":
            image = args.split()[0]
            if ":" not in image and "@" not in image:
                problems.append(f"{where}: pin the base image to a tag ({image})")
            elif image.endswith(":latest"):
                problems.append(f"{where}: do not use the latest tag ({image})")
        elif keyword == "RUN":
            if "apt-get install" in args:
                if "--no-install-recommends" not in args:
                    problems.append(f"{where}: apt-get install without --no-install-recommends")
                if "rm -rf /var/lib/apt/lists" not in args:
                    problems.append(f"{where}: remove /var/lib/apt/lists in the same RUN")
            if re.search(r"\bpip3? install\b", args) and not (
                pip_cache_off or "--no-cache-dir" in args
            ):
                problems.append(f"{where}: pip install without --no-cache-dir")
        elif keyword == "ADD" and not re.match(r"(--\S+\s+)*(https?://|\S+\.tar)", args):
            problems.append(f"{where}: use COPY, not ADD, for local files")
        elif keyword == "USER":
            user = args.split(":")[0]
    if user in {"root", "0"}:
        problems.append(f"{path.name}: the image runs as root (add a USER)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compose", type=Path, default=ROOT / "docker-compose.yml")
    parser.add_argument("--dockerfile", type=Path, default=ROOT / "Dockerfile")
    args = parser.parse_args(argv)
    problems = check_compose(args.compose) + check_dockerfile(args.dockerfile)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("docker-compose.yml and Dockerfile: OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
