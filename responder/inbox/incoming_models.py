"""Incoming rules: how a department's new cases are classified when they arrive.

The matching itself lives in responder/inbox/classify.py; the writes in
responder/inbox/incoming_rules.py (`incoming_rule_save`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responder.accounts.models import Department
from responder.localized_names import BilingualName


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


#: Order of the priorities, lowest first (a rule can only raise a case's priority).
PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]


class IncomingRule(BilingualName, models.Model):
    """Criteria on a new case (all those filled in must hold) and what to set when
    they do. See classify.py for how keywords match."""

    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        related_name="incoming_rules",
        verbose_name=_("department"),
    )
    name = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(
        _("name (French)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to French readers; empty: the English name is shown."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Rules are applied lowest number first.")
    )
    # --- criteria ---
    keywords_en = models.TextField(
        _("English keywords and phrases"),
        blank=True,
        help_text=_(
            "One per line. A line matches when its words appear in this order; "
            "words joined by + may appear anywhere (passport + stolen)."
        ),
    )
    keywords_fr = models.TextField(_("French keywords and phrases"), blank=True)
    account = models.ForeignKey(
        "channels.PlatformAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="incoming_rules",
        verbose_name=_("platform account"),
    )
    hashtag = models.CharField(_("hashtag"), max_length=100, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=[("en", _("English")), ("fr", _("French")), ("other", _("Other"))],
    )
    author_handle = models.CharField(_("author handle"), max_length=200, blank=True)
    # --- effects ---
    topics = models.ManyToManyField(
        "inbox.Topic", blank=True, related_name="incoming_rules", verbose_name=_("topics to set")
    )
    risk = models.CharField(
        _("raise risk to"),
        max_length=16,
        blank=True,
        choices=[("normal", _("Normal")), ("sensitive", _("Sensitive"))],
    )
    priority = models.CharField(_("priority"), max_length=8, blank=True, choices=Priority.choices)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department", "order", "id"]
        verbose_name = _("incoming rule")
        verbose_name_plural = _("incoming rules")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="incoming_rule_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class IncomingRuleRevision(models.Model):
    """One saved version of an incoming rule: who, when, and a JSON snapshot."""

    rule = models.ForeignKey(
        IncomingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    rule_name = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("incoming rule revision")
        verbose_name_plural = _("incoming rule revisions")

    def __str__(self) -> str:
        return f"{self.rule_name} v{self.version} ({self.action})"


class ResponseTarget(models.Model):
    """How soon a department answers a new case of one priority (and, optionally, from
    one platform), in business minutes (responder/inbox/response_clock.py). A target
    for a platform wins over the department's target for every platform."""

    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        related_name="response_targets",
        verbose_name=_("department"),
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    platform = models.CharField(
        _("platform"),
        max_length=16,
        blank=True,
        help_text=_("Empty: every platform."),
    )
    minutes = models.PositiveIntegerField(
        _("first response within (business minutes)"),
        help_text=_("Counted in the department's business hours, like approval deadlines."),
    )

    class Meta:
        ordering = ["department", "priority", "platform"]
        verbose_name = _("first-response target")
        verbose_name_plural = _("first-response targets")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "priority", "platform"],
                name="response_target_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()} {self.platform or '*'}: {self.minutes} min"
