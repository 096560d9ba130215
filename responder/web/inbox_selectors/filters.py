"""What an inbox read is asked for: the filters, and a position in the inbox order
(the keyset cursor of "?before=" and "?after=")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from responder.inbox.models import NO_DEADLINE, PRIORITY_RANKS

if TYPE_CHECKING:
    from responder.inbox.models import Case
    from responder.web.inbox_selectors.page import InboxRow

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Sort:
    """The inbox's orderings. Each is a keyset over (its key columns..., id), one
    index range scan per department (responder/inbox/models.py: an index each)."""

    NEWEST = "newest"
    OLDEST = "oldest"
    DEADLINE = "deadline"  # the first-response deadline, none last
    PRIORITY = "priority"  # urgent first, then oldest first

    ALL = (NEWEST, OLDEST, DEADLINE, PRIORITY)


@dataclass(frozen=True)
class Cursor:
    """A position in the inbox order, as in "?before=...": the ordering's timestamp
    (received_at; the deadline when sorted by deadline), the case id, and the
    priority rank when sorted by priority."""

    received_at: dt.datetime
    id: int
    rank: int | None = None

    def encode(self) -> str:
        micros = (self.received_at - _EPOCH) // dt.timedelta(microseconds=1)
        text = f"{micros}.{self.id}"
        return text if self.rank is None else f"{text}.{self.rank}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        if not value or len(value) > 48:
            return None
        micros, _, rest = value.partition(".")
        pk, _, rank = rest.partition(".")
        try:
            return cls(
                _EPOCH + dt.timedelta(microseconds=int(micros)),
                int(pk),
                int(rank) if rank else None,
            )
        except (ValueError, OverflowError):
            return None

    @classmethod
    def of(cls, case: Case | InboxRow, sort: str = Sort.NEWEST) -> Cursor:
        if sort == Sort.DEADLINE:
            return cls(case.respond_by or NO_DEADLINE, case.pk)
        if sort == Sort.PRIORITY:
            return cls(case.received_at, case.pk, priority_rank(case.priority))
        return cls(case.received_at, case.pk)

    def key(self, sort: str) -> tuple[Any, ...]:
        """The cursor's values in the order of the sort's key columns."""
        if sort == Sort.PRIORITY:
            return (self.rank if self.rank is not None else 0, self.received_at, self.id)
        return (self.received_at, self.id)


def priority_rank(priority: str) -> int:
    """Case.priority_rank, as PostgreSQL computes it (urgent 0 ... low 3)."""
    ranks = [str(p) for p in PRIORITY_RANKS]
    return ranks.index(priority) if priority in ranks else len(ranks)


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
    personal: bool = False  # personal information found
    due_soon: bool = False
    changes_requested: bool = False
    q: str = ""
    sort: str = ""  # Sort.*; empty: by deadline for "New", newest first otherwise

    @property
    def ordering(self) -> str:
        if self.sort in Sort.ALL:
            return self.sort
        return Sort.DEADLINE if self.state == "new" else Sort.NEWEST
