from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from responder.accounts.models import Department
from responder.channels.account_safety import platform_account_validate
from responder.crypto import EncryptedJSONField
from responder.inbox.models import Platform


class PlatformAccount(models.Model):
    """One of our accounts on a platform, which we read mentions from and post as."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=120)
    handle = models.CharField(_("handle"), max_length=200)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="platform_accounts"
    )
    # The server's base URL: a Mastodon instance, a Bluesky PDS, the X API.
    base_url = models.URLField(_("server URL"), max_length=300, blank=True)
    credentials = EncryptedJSONField(_("credentials"), blank=True, default=dict)
    # Name of an environment variable holding the access token, instead of storing it.
    credentials_env = models.CharField(
        _("token from environment variable"), max_length=100, blank=True
    )
    hashtags = models.CharField(
        _("tracked hashtags"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated, without #."),
    )
    poll_interval_seconds = models.PositiveIntegerField(_("poll every (seconds)"), default=60)
    stream = models.BooleanField(_("listen to the stream"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Ingest position: opaque to everything but the connector.
    cursor = models.CharField(max_length=200, blank=True)
    hashtag_cursors = models.JSONField(default=dict, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    # Set only while the platform's budget is spent: no calls for this account until then.
    rate_limit_reset_at = models.DateTimeField(null=True, blank=True)
    # A poll holds the account until then (the HTTP fetch runs outside any
    # transaction, so a row lock cannot say it); a crashed poll's lease just expires.
    poll_lease_until = models.DateTimeField(null=True, blank=True)
    # Consecutive failed polls, for the back-off.
    poll_failures = models.PositiveIntegerField(default=0)
    # Connector-owned state that is not a credential (a saved Bluesky session...).
    session_state = EncryptedJSONField(blank=True, default=dict)

    class Meta:
        ordering = ["platform", "handle"]
        verbose_name = _("platform account")
        verbose_name_plural = _("platform accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "base_url", "handle"], name="account_unique_handle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} @{self.handle}"

    def clean(self) -> None:
        # Where the token may be sent, and which variable may hold it (account_safety).
        platform_account_validate(base_url=self.base_url, credentials_env=self.credentials_env)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to post")
    SENDING = "sending", _("Posting")
    SENT = "sent", _("Posted")
    FAILED = "failed", _("Failed")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    UNDONE = "undone", _("Undone")
    # A person decided it will not be posted (the rest of a stalled campaign thread).
    CANCELLED = "cancelled", _("Cancelled")


class OutboxKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    POST = "post", _("Post")
    # The department's automatic after-hours notice (responder/channels/after_hours.py):
    # it answers the mention but leaves the case waiting for its real reply.
    NOTICE = "notice", _("After-hours notice")


class OutboxItem(FSMModelMixin, models.Model):
    """An approved reply (or one post of an approved outgoing post or thread) waiting
    to be posted, written in the approval's transaction."""

    case = models.ForeignKey("inbox.Case", on_delete=models.PROTECT, related_name="outbox_items")
    # A reply is one row per draft; an outgoing thread is one row per post.
    # Empty only for an after-hours notice, which has no draft.
    draft = models.ForeignKey(
        "inbox.Draft",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbox_items",
    )
    kind = models.CharField(max_length=8, choices=OutboxKind.choices, default=OutboxKind.REPLY)
    # Never posted before this time (a scheduled post, or a reply's undo hold),
    # whatever retries or an officer's retry say; the claim honours it.
    not_before = models.DateTimeField(null=True, blank=True)
    # The earlier post of the same thread: this one waits for it and answers it.
    thread_previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="thread_next"
    )
    # Images to upload with the post: [{"data": base64, "mime": ..., "alt": ...}].
    media = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, blank=True)
    account = models.ForeignKey(
        PlatformAccount, on_delete=models.PROTECT, related_name="outbox_items"
    )
    text = models.TextField()
    in_reply_to_external_id = models.CharField(max_length=200)
    visibility = models.CharField(max_length=16, default="public")
    # Sent as the platform's idempotency key, or used to choose a record key, so a
    # retry can never create a second post.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Changed only by the transitions below, through responder.fsm.status_transition.
    status = FSMField(
        max_length=20,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
        db_index=True,
        protected=True,
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outbox reply")
        verbose_name_plural = _("outbox")

    def __str__(self) -> str:
        return f"outbox #{self.pk} for case #{self.case_id} ({self.status})"

    # --- transitions: call them only through the channels services and the posting
    # package (responder.fsm.status_transition); the caller holds the row lock.

    @transition(
        field=status,
        source=[OutboxStatus.PENDING, OutboxStatus.SENDING],
        target=OutboxStatus.SENDING,
    )
    def send(self, *, now: dt.datetime) -> None:
        """Claimed by a worker (again, when the one before it died mid-call)."""
        self.sending_started_at = now
        self.attempts += 1

    @transition(
        field=status,
        source=[OutboxStatus.PENDING, OutboxStatus.SENDING],
        target=OutboxStatus.PENDING,
    )
    def defer(self, *, until: dt.datetime) -> None:
        """Wait for the account's rate-limit reset without spending a call."""
        self.next_attempt_at = until
        self.sending_started_at = None

    @transition(field=status, source=OutboxStatus.SENDING, target=OutboxStatus.PENDING)
    def release(self, *, until: dt.datetime) -> None:
        """Claimed but never sent: not an attempt."""
        self.next_attempt_at = until
        self.sending_started_at = None
        self.attempts -= 1

    @transition(field=status, source=OutboxStatus.SENDING, target=OutboxStatus.PENDING)
    def back_off(self, *, until: dt.datetime, error: str) -> None:
        """A transient failure: try again at `until`."""
        self.next_attempt_at = until
        self.sending_started_at = None
        self.last_error = error

    @transition(
        field=status,
        source=[OutboxStatus.PENDING, OutboxStatus.SENDING],
        target=OutboxStatus.NEEDS_ATTENTION,
    )
    def hold(self, *, error: str) -> None:
        """Stop and wait for a person (given up, or not ours to post)."""
        self.sending_started_at = None
        self.last_error = error

    @transition(field=status, source=OutboxStatus.SENDING, target=OutboxStatus.FAILED)
    def fail(self, *, error: str) -> None:
        """The platform refused the post for good."""
        self.sending_started_at = None
        self.last_error = error

    @transition(
        field=status,
        source=[
            OutboxStatus.PENDING,
            OutboxStatus.SENDING,
            OutboxStatus.FAILED,
            OutboxStatus.NEEDS_ATTENTION,
        ],
        target=OutboxStatus.SENT,
    )
    def mark_sent(self, *, external_id: str, url: str, at: dt.datetime) -> None:
        """Posted (also a late answer for a row given up on: the reply is out)."""
        self.external_id = external_id
        self.external_url = url
        self.sent_at = at
        self.sending_started_at = None
        self.last_error = ""

    @transition(field=status, source=OutboxStatus.PENDING, target=OutboxStatus.UNDONE)
    def undo(self) -> None:
        """Undone during its hold (channels.services.outbox_undo): never posted."""

    @transition(
        field=status,
        source=[OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.NEEDS_ATTENTION],
        target=OutboxStatus.CANCELLED,
    )
    def cancel(self, *, error: str) -> None:
        """A person decided it will not be posted."""
        self.sending_started_at = None
        self.last_error = error

    @transition(
        field=status,
        source=[OutboxStatus.FAILED, OutboxStatus.NEEDS_ATTENTION],
        target=OutboxStatus.PENDING,
    )
    def retry(self, *, now: dt.datetime) -> None:
        """An officer asked to post it again (same idempotency key)."""
        self.next_attempt_at = now
        self.sending_started_at = None


class PostAttempt(models.Model):
    """One try at posting an outbox reply, kept for the record."""

    outbox_item = models.ForeignKey(
        OutboxItem, on_delete=models.CASCADE, related_name="post_attempts"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"attempt at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.outcome or 'running'}"


class IngestError(models.Model):
    """A platform item we could not read; recorded and skipped, never blocking the page."""

    account = models.ForeignKey(
        PlatformAccount, on_delete=models.CASCADE, related_name="ingest_errors"
    )
    external_id = models.CharField(max_length=200, blank=True)
    error = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.account} item {self.external_id}: {self.error[:60]}"


class ReplyEngagement(models.Model):
    """The latest favourites, boosts and replies of one posted reply (for analytics)."""

    outbox_item = models.OneToOneField(
        OutboxItem, on_delete=models.CASCADE, primary_key=True, related_name="engagement"
    )
    favourites = models.PositiveIntegerField(_("favourites"), default=0)
    boosts = models.PositiveIntegerField(_("boosts"), default=0)
    replies = models.PositiveIntegerField(_("replies received"), default=0)
    # Where the platform gives them (None: it does not): quotes on Bluesky and X,
    # impressions on X.
    quotes = models.PositiveIntegerField(_("quotes"), null=True, blank=True)
    impressions = models.PositiveIntegerField(_("impressions"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("read at"), db_index=True)

    class Meta:
        verbose_name = _("reply engagement")
        verbose_name_plural = _("reply engagement")

    def __str__(self) -> str:
        return (
            f"outbox #{self.outbox_item_id}: {self.favourites} fav, {self.boosts} boosts, "
            f"{self.replies} replies"
        )


# The after-hours notice's models live in their own module; re-exported for Django.
from responder.channels.after_hours_models import (  # noqa: E402
    AfterHoursNotice as AfterHoursNotice,
)
from responder.channels.after_hours_models import (  # noqa: E402
    AfterHoursReply as AfterHoursReply,
)
