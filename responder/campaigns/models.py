"""Campaigns: a team's own hashtags, the accounts it publishes on, its scheduled posts
(each a case of source "outgoing" that goes through the approval engine like a reply),
and the daily follower figures of its accounts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from responder.accounts.models import Department


class BilingualMode(models.TextChoices):
    TWO_POSTS = "two_posts", _("English and French as two posts")
    ONE_POST = "one_post", _("One bilingual post")


class CampaignSettings(models.Model):
    """A department's choices for its campaigns."""

    department = models.OneToOneField(
        Department, on_delete=models.CASCADE, related_name="campaign_settings"
    )
    bilingual_mode = models.CharField(
        _("English and French"),
        max_length=16,
        choices=BilingualMode.choices,
        default=BilingualMode.TWO_POSTS,
    )

    class Meta:
        verbose_name = _("campaign settings")
        verbose_name_plural = _("campaign settings")

    def __str__(self) -> str:
        return str(self.department)


class Campaign(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    hashtags = models.CharField(
        _("hashtags"), max_length=500, help_text=_("Comma-separated, without #.")
    )
    accounts = models.ManyToManyField(
        "channels.PlatformAccount", related_name="campaigns", verbose_name=_("accounts")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("owner"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("department")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en

    @property
    def tags(self) -> list[str]:
        return [t.strip().lstrip("#").lower() for t in self.hashtags.split(",") if t.strip()]


class CampaignPost(models.Model):
    """One composed post (or thread) for one account: its case carries the draft text
    through the approval steps; the images live here until the outbox posts them."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="posts")
    account = models.ForeignKey(
        "channels.PlatformAccount", on_delete=models.PROTECT, related_name="campaign_posts"
    )
    case = models.OneToOneField(
        "inbox.Case", on_delete=models.PROTECT, related_name="campaign_post"
    )
    # Composed together for several accounts: the same group.
    group = models.UUIDField(db_index=True)
    bilingual_mode = models.CharField(max_length=16, choices=BilingualMode.choices)
    # None: posted as soon as it is approved.
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    # [{"data": base64, "mime": ..., "alt_en": ..., "alt_fr": ...}], first post only.
    images = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_for", "id"]
        verbose_name = _("campaign post")
        verbose_name_plural = _("campaign posts")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.account} · #{self.case_id}"


class FollowerSnapshot(models.Model):
    """An account's follower count on one day (the daily beat task)."""

    account = models.ForeignKey(
        "channels.PlatformAccount", on_delete=models.CASCADE, related_name="follower_snapshots"
    )
    day = models.DateField()
    followers = models.PositiveIntegerField()
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="follower_snapshot_daily")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.day}: {self.followers}"


class ActionKind(models.TextChoices):
    BOOST = "boost", _("Boost")
    FAVOURITE = "favourite", _("Favourite")
    QUESTION = "question", _("Marked as a question")
    IGNORE = "ignore", _("Ignored")


class ActionStatus(models.TextChoices):
    HELD = "held", _("Held (can be undone)")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")
    UNDONE = "undone", _("Undone")
    FAILED = "failed", _("Failed")


class CommunityAction(FSMModelMixin, models.Model):
    """What the team did with a community post under a campaign's hashtags. A boost
    or favourite is held until `due_at` (undoable until then), then sent once."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="actions")
    case = models.ForeignKey(
        "inbox.Case", on_delete=models.CASCADE, related_name="community_actions"
    )
    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    status = FSMField(
        max_length=12,
        choices=ActionStatus.choices,
        default=ActionStatus.HELD,
        protected=True,
        db_index=True,
    )
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("community action")
        verbose_name_plural = _("community actions")

    def __str__(self) -> str:
        return f"{self.kind} #{self.case_id} ({self.status})"

    # --- transitions: call them only through responder.campaigns.services ------------

    @transition(field=status, source=ActionStatus.HELD, target=ActionStatus.UNDONE)
    def undo(self) -> None:
        pass

    @transition(field=status, source=ActionStatus.HELD, target=ActionStatus.SENDING)
    def start_sending(self) -> None:
        pass

    @transition(
        field=status, source=[ActionStatus.HELD, ActionStatus.SENDING], target=ActionStatus.DONE
    )
    def mark_done(self) -> None:
        self.done_at = timezone.now()
        self.last_error = ""

    @transition(field=status, source=ActionStatus.SENDING, target=ActionStatus.FAILED)
    def fail(self, *, error: str) -> None:
        self.last_error = error[:2000]

    @transition(field=status, source=ActionStatus.SENDING, target=ActionStatus.HELD)
    def back_off(self, *, error: str, until: dt.datetime) -> None:
        self.last_error = error[:2000]
        self.due_at = until
