"""Everything a `make run` writes goes under var/: the filesystem broker's control
exchange too, not a control/ folder wherever the process was started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a worker does at start (its remote-control mailbox binds to the fanout
# exchange), then what `celery inspect` does.
LISTEN_AND_BROADCAST = (
    "import django; django.setup(); from responder.celery import app; "
    "conn = app.connection_for_write(); "
    "app.control.mailbox(conn).Node('w@host', channel=conn.default_channel)"
    ".listen(callback=lambda *a: None); "
    "app.control.broadcast('ping', reply=False)"
)


def test_the_filesystem_broker_keeps_its_control_exchange_under_var(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "responder.settings",
        "RESPONDER_VAR_DIR": str(var),
    }
    # Started from another folder, as `make run` is started from the repository root.
    done = subprocess.run(
        [sys.executable, "-c", LISTEN_AND_BROADCAST],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["var"]
    assert any((var / "broker" / "control").iterdir())
