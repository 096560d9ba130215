"""How posting behaves: retry timing, batch sizes, attempt outcomes.

The tunables are imported by the modules that use them (`from ... import BATCH_SIZE`):
a test that changes one patches it in the module that reads it."""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SYSTEM = "system"
# Mastodon keeps an Idempotency-Key for about an hour; leave a margin.
DEFAULT_KEY_LIFETIME = dt.timedelta(minutes=50)
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0
# Transient failures in a row before a person is asked to look (about 4 hours).
MAX_ATTEMPTS = 30
# Backed-off retries due within this long are queued with a countdown; later ones are
# left to the sweep (long countdowns are redelivered by Redis' visibility timeout).
SHORT_COUNTDOWN_SECONDS = 30.0
SWEEP_BATCH = 500
# Scheduled rows due within this long are queued for their exact time (a task with an
# ETA); later ones are queued by the sweep (beat, every 10 s) once they come this close.
# An ETA task waits unacknowledged in a worker, and Redis redelivers what has waited
# longer than its visibility timeout, so a post scheduled for next week is not queued
# at approval.
SCHEDULE_AHEAD = dt.timedelta(seconds=30)
# Scheduled rows due within one such slice share the send tasks queued for the slice's
# last due time (a task claims up to BATCH_SIZE due rows).
SCHEDULE_SLICE_SECONDS = 0.1
# A pending row is queued after commit; the sweep only picks it up once it has been
# due for this long, so it rarely queues a second task for a row already queued.
SWEEP_GRACE = dt.timedelta(seconds=5)
# Rows one send claims at once (its own and other due ones), and posts recorded
# together (a crash loses at most this many records; the sweep reconciles them).
BATCH_SIZE = 50
RECORD_EVERY = 25
# Share of `stuck_after` a batch may spend calling the platform before it gives the
# rest of its rows back.
BATCH_TIME_SHARE = 0.25


class Outcome(models.TextChoices):
    """`PostAttempt.outcome` values."""

    SENT = "sent", _("Posted")  # posted now
    # An earlier attempt had posted it; the platform told us.
    FOUND = "found", _("Found already posted")
    RATE_LIMITED = "rate_limited", _("Rate limited")  # 429: surely not posted
    # Transient error: may or may not have been posted.
    ERROR = "error", _("Temporary error")
    FAILED = "failed", _("Refused by the platform")  # permanent error
    # The worker died mid-attempt (found by the sweep).
    INTERRUPTED = "interrupted", _("Interrupted")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    RETRY_REQUESTED = "retry_requested", _("Retry requested")  # an officer asked again


# Outcomes after which the reply may exist on the platform without our knowing.
AMBIGUOUS = {Outcome.ERROR, Outcome.INTERRUPTED}


def stuck_after() -> dt.timedelta:
    """How long a row may stay `sending` before the sweep treats its worker as dead.
    Longer than any connector's HTTP timeout."""
    return dt.timedelta(seconds=float(settings.OUTBOX_STUCK_AFTER_SECONDS))


def backoff_delay(*, attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential back-off with "equal jitter", capped: half fixed, half random."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    rnd = (rng or random).random()
    return dt.timedelta(seconds=ceiling / 2 + rnd * ceiling / 2)
