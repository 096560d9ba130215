"""Services queue tasks by dotted name (responder.queueing): every name written in the
code is a task a worker knows, so a typo fails here and not in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from responder.queueing import task_named

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"\"((?:responder|workflows)(?:\.\w+)*\.tasks\.\w+)\"")


def task_names_in_code() -> set[str]:
    names: set[str] = set()
    for package in ("responder", "workflows"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts and "settings" not in path.name:
                names.update(NAME.findall(path.read_text(encoding="utf-8")))
    return names


def test_the_code_names_tasks() -> None:
    assert "workflows.tasks.step_opened_notify" in task_names_in_code()


@pytest.mark.parametrize("name", sorted(task_names_in_code()))
def test_each_task_named_in_the_code_is_registered(name: str) -> None:
    assert task_named(name).name == name
