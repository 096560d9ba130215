"""How ingest writes a batch of new cases (responder/channels/ingest.py decides which
and fills them in): on PostgreSQL, ids from the sequence and one COPY; elsewhere (the
embedded SQLite of `make run`), bulk_create in waves."""

from __future__ import annotations

from django.db import transaction

from responder.channels.models import PlatformAccount
from responder.db import ids_reserve, rows_copy
from responder.inbox.models import Case

BATCH_SIZE = 500


def cases_write(
    *, account: PlatformAccount, cases: list[Case], batch_parent: dict[str, str]
) -> dict[str, int]:
    """Insert the cases; return external id -> case id. On PostgreSQL the ids are
    taken from the sequence first, so a followup gets its parent's id before either
    is written, and the rows go in one COPY (a fraction of bulk_create's CPU: see
    bench/ingest_bench.py). COPY cannot skip a duplicate, and need not: the caller
    holds the account's row lock and ingest._cases_insert left out the ids already there."""
    if transaction.get_connection().vendor != "postgresql":
        return _insert_in_waves(account=account, cases=cases, batch_parent=batch_parent)
    ids: dict[str, int] = {}
    for case, pk in zip(cases, ids_reserve(Case, len(cases)), strict=True):
        case.pk = pk
        ids[case.external_id] = pk
    for case in cases:
        parent = batch_parent.get(case.external_id)
        if parent is not None:
            case.parent_id = ids[parent]
    rows_copy(cases)
    return ids


def _insert_in_waves(
    *, account: PlatformAccount, cases: list[Case], batch_parent: dict[str, str]
) -> dict[str, int]:
    """Insert in waves so a followup of a post in the same batch gets its parent's id
    at insert time (no UPDATE afterwards): usually one wave, two with followups.
    Returns external id -> case id."""
    ids: dict[str, int] = {}
    waiting = cases
    while waiting:
        wave = [c for c in waiting if c.external_id not in batch_parent]
        wave += [c for c in waiting if batch_parent.get(c.external_id) in ids]
        if not wave:  # cannot happen (parents are older); never loop forever
            wave = waiting
        for case in wave:
            parent = batch_parent.pop(case.external_id, None)
            if parent is not None:
                case.parent_id = ids.get(parent)
        Case.objects.bulk_create(wave, batch_size=BATCH_SIZE, ignore_conflicts=True)
        ids.update(
            Case.objects.filter(
                account=account, external_id__in=[c.external_id for c in wave]
            ).values_list("external_id", "id")
        )
        inserted = {c.external_id for c in wave}
        waiting = [c for c in waiting if c.external_id not in inserted]
    return ids
