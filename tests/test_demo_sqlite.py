"""`make run` keeps its data in SQLite (no variables set: settings.py); the suite runs
on PostgreSQL. A page whose SQL only PostgreSQL understands breaks the demo a newcomer
sees first, so the demo is read here as `make run` configures it, every page its
people can reach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_settings import run_python

pytestmark = pytest.mark.slow


def test_every_page_of_the_demo_answers_on_make_runs_database(tmp_path: Path) -> None:
    done = run_python(
        "import runpy; runpy.run_module('tests.demo_crawl', run_name='__main__')",
        tmp_path,
        DEMO_PASSWORD="demo-pass-1",
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["bad"] == [], done.stderr[-4000:]
    read = report["read"]
    assert read["officer"] >= 50 and read["admin"] >= 50 and read["sme1"] >= 5, read
