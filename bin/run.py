#!/usr/bin/env python3
"""Starts Responder for `make run`: web, Celery worker, Celery beat (exactly one) and
the platform simulator, on the embedded defaults (SQLite, filesystem broker).

Each process's output is prefixed with its name. Ctrl-C or SIGTERM stops them all;
if one dies on its own, the launcher says which and stops the others.

    RESPONDER_HOST / RESPONDER_PORT   where the web server listens (127.0.0.1:8000)
    SIMULATOR_URL                     where the simulator listens (http://127.0.0.1:8025)
    SIMULATOR_RATE                    simulated citizens' questions per minute (0.5)
    SIMULATOR_INITIAL                 questions already waiting when the simulator starts (8)
    DEMO_PASSWORD                     the demo people's password (see seed_demo)
    VERBOSE                           true: every process's full log (each task, each
                                      request); default: one line per event that matters
                                      (mention received, draft submitted, e-mail sent,
                                      reply posted) and every warning or failure

Standard library only: it runs before anything else is known to work.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STOP_GRACE_SECONDS = 15
WEB_READY_SECONDS = 90
COLOURS = ["\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m"]
RESET = "\033[0m"

_print_lock = threading.Lock()


def say(text: str) -> None:
    with _print_lock:
        print(text, flush=True)


@dataclass
class Child:
    name: str
    argv: list[str]
    colour: str = ""
    proc: subprocess.Popen[str] | None = None
    reader: threading.Thread | None = field(default=None, repr=False)

    def start(self, env: dict[str, str], width: int) -> None:
        # Its own session: Ctrl-C reaches only the launcher, which then stops the
        # children in order instead of all of them dying at once mid-write.
        self.proc = subprocess.Popen(  # noqa: S603 - our own fixed command lines
            self.argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            start_new_session=True,
        )
        prefix = f"{self.colour}{self.name.ljust(width)} |{RESET if self.colour else ''} "
        self.reader = threading.Thread(target=self._pump, args=(prefix,), daemon=True)
        self.reader.start()

    def _pump(self, prefix: str) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            say(prefix + line.rstrip("\n"))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        """Ask the process itself to stop (a Celery worker then stops its own pool)."""
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()

    def kill(self) -> None:
        """Kill the process and anything it started."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
            return bool(response.status < 500)
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


def demo_logins() -> tuple[str, list[tuple[str, str, str]]]:
    """The demo password and (username, role, language) of each demo person."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "responder.settings")
    import django

    django.setup()
    from responder.accounts.models import Role
    from responder.web.management.commands.seed_demo import DEMO_PEOPLE, demo_password

    rows = [
        (
            p.username,
            str(Role(p.role).label) + (" + superuser" if p.superuser else ""),
            "French" if p.language == "fr" else "English",
        )
        for p in DEMO_PEOPLE
    ]
    return demo_password(), rows


def main() -> int:
    host = os.environ.get("RESPONDER_HOST", "127.0.0.1")
    port = int(os.environ.get("RESPONDER_PORT", "8000"))
    simulator_url = os.environ.get("SIMULATOR_URL", "http://127.0.0.1:8025").rstrip("/")
    simulator = urlparse(simulator_url)
    site_url = f"http://{host}:{port}"

    env = dict(os.environ)
    env.setdefault("SITE_URL", site_url)
    env["SIMULATOR_URL"] = simulator_url
    env["PYTHONUNBUFFERED"] = "1"
    verbose = os.environ.get("VERBOSE", "").strip().lower() in {"1", "true", "yes", "on"}
    level = os.environ.get("LOG_LEVEL") or ("INFO" if verbose else "WARNING")
    env["LOG_LEVEL"] = level
    os.environ.update({"SITE_URL": env["SITE_URL"], "SIMULATOR_URL": simulator_url})

    password, people = demo_logins()  # also fails fast on a malformed environment
    from django.conf import settings
    from django.core.management import call_command

    if not settings.DEBUG:
        # Without DEBUG, WhiteNoise serves only collected files.
        say("Collecting static files (DEBUG is off)...")
        call_command("collectstatic", interactive=False, verbosity=0)

    children = [
        Child("web", [PYTHON, "manage.py", "runserver", f"{host}:{port}", "--noreload"]),
        Child(
            "worker",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "responder",
                "worker",
                # Every kind of work in one worker here; one worker per queue in
                # production (docs/OPERATIONS.md).
                "--queues=ingest,posting,email,housekeeping",
                f"--loglevel={level}",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
            ],
        ),
        Child(
            "beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "responder",
                "beat",
                f"--loglevel={level}",
            ],
        ),
        # One line per event that matters, read from the audit log.
        Child("events", [PYTHON, "manage.py", "ops_events"]),
    ]
    has_simulator = (ROOT / "responder" / "channels" / "simulator").exists() or (
        ROOT / "responder" / "channels" / "simulator.py"
    ).exists()
    if has_simulator:
        children.append(
            Child(
                "simulator",
                [
                    PYTHON,
                    "-m",
                    "responder.channels.simulator",
                    "--host",
                    simulator.hostname or "127.0.0.1",
                    "--port",
                    str(simulator.port or 8025),
                    # Simulated citizens ask a new question every couple of minutes.
                    "--rate",
                    os.environ.get("SIMULATOR_RATE", "0.5"),
                    # ...and a few are already waiting, so the inbox fills at the first poll.
                    "--initial",
                    os.environ.get("SIMULATOR_INITIAL", "8"),
                    # The demo campaign's hashtag (seed_campaign_demo): community posts
                    # under it on all three platforms, some at once, more over time.
                    "--campaign-tag",
                    "RenewOnline",
                    "--initial-community",
                    os.environ.get("SIMULATOR_INITIAL_COMMUNITY", "30"),
                ],
            )
        )

    busy = [f"{host}:{port}"] if not port_free(host, port) else []
    if has_simulator and not port_free(simulator.hostname or "127.0.0.1", simulator.port or 8025):
        busy.append(f"{simulator.hostname}:{simulator.port}")
    if busy:
        say(
            f"Port {', '.join(busy)} is already in use (another `make run`?). Stop it, or "
            "choose others: RESPONDER_PORT=8001 SIMULATOR_URL=http://127.0.0.1:8026 make run"
        )
        return 1

    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    tty = sys.stdout.isatty()
    width = max(len(c.name) for c in children)
    for index, child in enumerate(children):
        child.colour = COLOURS[index % len(COLOURS)] if tty else ""
        child.start(env, width)

    status = 0
    ready = False
    deadline = time.monotonic() + WEB_READY_SECONDS
    while not stopping.is_set():
        dead = [c for c in children if not c.alive()]
        if dead:
            for c in dead:
                assert c.proc is not None
                say(f"*** {c.name} stopped (exit code {c.proc.returncode}); stopping the others.")
            status = 1
            break
        if not ready:
            if answers(f"{site_url}/admin/login/"):
                ready = True
                banner(site_url, simulator_url if has_simulator else "", password, people)
            elif time.monotonic() > deadline:
                say(f"*** the web server did not answer within {WEB_READY_SECONDS} s; stopping.")
                status = 1
                break
        stopping.wait(0.5)

    shutdown(children)
    return status


def banner(
    site_url: str, simulator_url: str, password: str, people: list[tuple[str, str, str]]
) -> None:
    lines = [
        "",
        "=" * 72,
        f"  Responder is running at  {site_url}/",
        f"  Admin:                   {site_url}/admin/",
        f"  API docs:                {site_url}/api/docs/   (schema: {site_url}/api/schema/)",
        (
            f"  Platform simulator:      {simulator_url}/"
            if simulator_url
            else "  Platform simulator:      not available in this version"
        ),
        "",
        f"  Demo logins (password for all: {password}):",
    ]
    lines += [f"    {u:<10} {role:<32} {language}" for u, role, language in people]
    lines += ["", "  Press Ctrl-C to stop everything.", "=" * 72, ""]
    say("\n".join(lines))


def shutdown(children: list[Child]) -> None:
    alive = [c for c in children if c.alive()]
    if alive:
        say(f"Stopping {', '.join(c.name for c in alive)}...")
    # Beat first, so nothing new is queued while the worker finishes its task.
    for child in sorted(alive, key=lambda c: c.name != "beat"):
        child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in alive:
        assert child.proc is not None
        try:
            child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"*** {child.name} did not stop within {STOP_GRACE_SECONDS} s; killing it.")
            child.kill()
            child.proc.wait()
    for child in children:
        if child.reader is not None:
            child.reader.join(timeout=2)
    say("All stopped.")


if __name__ == "__main__":
    sys.exit(main())
