"""Who is changing people and roles right now, for the code that reacts to it.

Removing a role or deactivating a person takes the person off their pending approval
steps (workflows.revocation, run from model signals). A signal does not know who made
the change, so the paths that know (the admin pages) say it here, and the receivers
read it. Anything else (the shell, a script) is recorded as the system.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChangeActor:
    actor: Any
    via: str


_current: ContextVar[ChangeActor | None] = ContextVar("accounts_change_actor", default=None)


@contextmanager
def people_changed_by(*, actor: Any, via: str) -> Iterator[None]:
    """Within this block, changes to people and memberships are made by `actor`."""
    token = _current.set(ChangeActor(actor=actor, via=via))
    try:
        yield
    finally:
        _current.reset(token)


def people_change_actor() -> ChangeActor:
    """The actor of the change in progress (the system when nobody said)."""
    return _current.get() or ChangeActor(actor=None, via="system")
