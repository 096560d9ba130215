"""What the running processes say about themselves: worker heartbeats per queue,
beat's last tick, and which beat holds the scheduler lease."""

from __future__ import annotations

from django.db import models


class HeartbeatKind(models.TextChoices):
    QUEUE = "queue", "queue"
    BEAT = "beat", "beat"


class Heartbeat(models.Model):
    """The last time a worker finished a task from a queue (name = the queue), or the
    last time the active beat ticked (name = "beat"). One row per name, overwritten."""

    name = models.CharField(max_length=64, primary_key=True)
    kind = models.CharField(max_length=8, choices=HeartbeatKind.choices)
    # Who beat last: a worker's node name or a beat's host:pid.
    holder = models.CharField(max_length=200, blank=True)
    # The last task a worker finished from this queue.
    task = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class SchedulerLease(models.Model):
    """Held by the one beat that may send periodic tasks; others stand by until it
    expires (a beat that died stops renewing it)."""

    name = models.CharField(max_length=32, primary_key=True)
    holder = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%H:%M:%S}"
