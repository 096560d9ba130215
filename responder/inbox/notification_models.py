"""In-app notifications: what happened on a case that a person should know (the bell
in the header), and which kinds they also want by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("A case was assigned to you")
    CHANGES_REQUESTED = "changes_requested", _("Changes were requested on your reply")
    MENTIONED = "mentioned", _("A comment or note mentions you")
    APPROVED = "approved", _("Your reply was approved")
    POSTED = "posted", _("Your reply was posted")
    FAILED = "failed", _("Your reply could not be posted")


# The kinds that came by e-mail before the bell: e-mailed unless the person says no.
EMAIL_BY_DEFAULT = frozenset({NotificationKind.CHANGES_REQUESTED, NotificationKind.MENTIONED})


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    case = models.ForeignKey("inbox.Case", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The bell's count: an index-only count of one person's unread rows.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-id"], name="notification_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.case_id} for {self.recipient_id}"


class NotificationPreference(models.Model):
    """The kinds a person also wants by e-mail (no row: EMAIL_BY_DEFAULT)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_kinds = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"e-mail preferences of {self.user_id}"
