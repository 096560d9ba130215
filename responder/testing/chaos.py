"""Real processes to break on purpose: a private Redis, Celery workers, a private
PostgreSQL cluster. Used by tests/channels/test_faults.py and bench/posting_bench.py.

Everything here is started by us, on a free port, in its own session, and stopped by
its own process id: the machine's shared Redis and PostgreSQL are never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from responder.testing.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(
    proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 10
) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)  # the group we created for it: itself and its children
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


class PrivateRedis:
    """redis-server on a free port, without persistence: a restart loses the queue,
    like a crash of a broker without AOF."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server") or "redis-server"
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self._pings, timeout=10, what="the private redis")
        return self

    def _pings(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def restart(self) -> None:
        _stop(self.proc, signal.SIGKILL)
        self.start()

    def stop(self) -> None:
        _stop(self.proc, signal.SIGKILL)


class Worker:
    """`celery -A responder worker` as a subprocess with its own environment."""

    def __init__(
        self,
        *,
        name: str,
        env: dict[str, str],
        concurrency: int = 2,
        log_dir: Path,
        pool: str = "prefork",
        queues: str | None = None,
    ) -> None:
        self.name = name
        # Comma-separated Celery queues (-Q); None: all of the project's queues.
        self.queues = queues
        self.env = env
        self.concurrency = concurrency
        self.pool = pool
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Worker:
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"\n--- start {self.starts} ---\n".encode())
        log = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "responder",
                "worker",
                "-P",
                self.pool,
                "-c",
                str(self.concurrency),
                "-l",
                "info",
                "-n",
                f"{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *(["-Q", self.queues] if self.queues else []),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        marker = f"--- start {self.starts} ---"

        def ready() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n{self.log.read_text()[-3000:]}")
            text = self.log.read_text(errors="replace")
            return " ready." in text[text.rfind(marker) :]

        wait_for(ready, timeout=timeout, what=f"worker {self.name}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: no goodbye, no ack."""
        _stop(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        _stop(self.proc, signal.SIGTERM)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb) on a free port, to restart at will."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise RuntimeError("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
        self.bin = bins[-1]
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="responder-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/responder_bench"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        kwargs: dict[str, object] = {}
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
            shutil.chown(self.dir, "postgres")
        subprocess.run(cmd, check=True, capture_output=True, **kwargs)

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "responder_bench"
        )
        return self

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200",
            "start",
        )

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
