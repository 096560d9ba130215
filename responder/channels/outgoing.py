"""Outgoing posts that are not replies (campaign posts), as the outbox sees them.

An app above channels (campaigns) registers a planner for the cases it creates, keyed
by the case's `source`; when such a case is approved, `outbox_create` asks the planner
which posts to write, instead of one reply. This keeps the dependency pointing one way:
channels never imports the app that plans the posts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from responder.inbox.models import Case, Draft


@dataclass(frozen=True)
class PlannedPost:
    text: str
    language: str = ""
    # Images: {"data": base64, "mime": ..., "alt": ...}; alt text is required.
    media: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class OutgoingPlan:
    """Threads to post (each a list of posts, each answering the one before), not
    before `not_before` (None: as soon as approved)."""

    threads: list[list[PlannedPost]]
    not_before: dt.datetime | None = None


Planner = Callable[[Case, Draft], OutgoingPlan]

#: case source -> planner; filled by the apps that create outgoing cases.
OUTGOING_PLANNERS: dict[str, Planner] = {}


def outgoing_planner_register(source: str, planner: Planner) -> None:
    OUTGOING_PLANNERS[source] = planner
