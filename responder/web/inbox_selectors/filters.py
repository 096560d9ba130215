"""What an inbox read is asked for: the filters, and a position in the inbox order
(the keyset cursor of "?before=" and "?after=")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from responder.inbox.models import Case
    from responder.web.inbox_selectors.page import InboxRow

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Cursor:
    """A position in the inbox order (received_at, id), as in "?before=..."."""

    received_at: dt.datetime
    id: int

    def encode(self) -> str:
        micros = (self.received_at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        if not value or len(value) > 40:
            return None
        micros, _, pk = value.partition(".")
        try:
            return cls(_EPOCH + dt.timedelta(microseconds=int(micros)), int(pk))
        except (ValueError, OverflowError):
            return None

    @classmethod
    def of(cls, case: Case | InboxRow) -> Cursor:
        return cls(case.received_at, case.pk)


@dataclass(frozen=True)
class InboxFilters:
    state: str = ""
    platform: str = ""
    account_id: int | None = None
    language: str = ""
    topic_id: int | None = None
    owner_id: int | None = None
    mine: bool = False
    unassigned: bool = False
    overdue: bool = False
    q: str = ""
