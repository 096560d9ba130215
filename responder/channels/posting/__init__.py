"""Posting outbox replies to platforms, exactly once.

One send is three short steps, so that no transaction is open while we wait for a
platform and no platform call is made from inside one. A send works on a batch: the
row its task names (when it is ours to send now) and other due rows, up to
BATCH_SIZE, so that replies approved together cost a few queries each, not a dozen.

1. **claim** (one transaction): lock the rows, skipping rows another worker holds;
   mark them sending, count the attempts, record a PostAttempt each, and move their
   cases approved -> posting (one audit event each). Commit. From here a crash leaves
   the rows `sending`.
2. **talk** (no transaction), row by row: post with the row's idempotency key, or
   first ask the platform whether an earlier attempt whose outcome we never learnt
   got through. After a 429 the account's remaining rows are given back, uncalled and
   uncounted, until the platform's reset; so are all remaining rows once the batch has
   used its share of `stuck_after`, so the sweep never takes a row still to be posted.
3. **record** (one transaction every RECORD_EVERY posts, and at the end): the
   platform's id and URL on the rows and the cases (replied); errors are recorded as
   they come: back off and try later (transient), fail the case with the platform's
   message (permanent), or flag it for a person (undecidable).

A row found still `sending` long after its claim (the worker died mid-call) is
reconciled by the sweep: we ask the platform whether our reply exists before posting
again, and post again only where the platform's idempotency protects us (Mastodon
keeps an Idempotency-Key about an hour; a Bluesky record key forever) or where the
check is authoritative (X, our own recent tweets). Otherwise the row goes to "needs
attention" and its case to post_failed, with the reason in `last_error`: an officer
checks the platform and, with `case_retry_post`, confirms that it should be posted.

The package, by step: `claims` (1), `talk` (2), `records` (3), and `send`, the services
that run them (`outbox_item_send`, `outbox_sweep`); `policy` holds the timings, batch
sizes and attempt outcomes, `connector_cache` the connectors kept per worker thread,
`enqueue` the hand-off to the send task.
"""

from __future__ import annotations

from responder.channels.posting.connector_cache import connector_for_account
from responder.channels.posting.enqueue import enqueue_send
from responder.channels.posting.policy import Outcome, backoff_delay, stuck_after
from responder.channels.posting.send import (
    outbox_due_ids,
    outbox_item_send,
    outbox_retry_requested,
    outbox_sweep,
)

__all__ = [
    "Outcome",
    "backoff_delay",
    "connector_for_account",
    "enqueue_send",
    "outbox_due_ids",
    "outbox_item_send",
    "outbox_retry_requested",
    "outbox_sweep",
    "stuck_after",
]
