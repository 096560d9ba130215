"""The after-hours notice: a department's automatic, pre-approved reply to mentions
that arrive outside its business hours, and the record that keeps it to once per
citizen, platform account and day (responder/channels/after_hours.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from responder.accounts.models import Department
from responder.localized_names import BilingualName, localized


class AfterHoursNotice(BilingualName, models.Model):
    """One department's notice: off until an admin switches it on."""

    department = models.OneToOneField(
        Department,
        on_delete=models.CASCADE,
        related_name="after_hours_notice",
        verbose_name=_("department"),
    )
    enabled = models.BooleanField(
        _("send outside business hours"),
        default=False,
        help_text=_(
            "Posted at most once a day to each citizen on each account, outside the "
            "department's business hours (its workday, working days and holidays)."
        ),
    )
    name = models.CharField(_("name (English)"), max_length=120, default="After-hours notice")
    name_fr = models.CharField(
        _("name (French)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to French readers; empty: the English name is shown."),
    )
    text_en = models.TextField(
        _("text (English)"),
        max_length=400,
        help_text=_("Posted in reply to an English question; the citizen's handle comes first."),
    )
    text_fr = models.TextField(
        _("text (French)"),
        max_length=400,
        help_text=_("Posted in reply to a French question; the citizen's handle comes first."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("after-hours notice")
        verbose_name_plural = _("after-hours notices")

    def __str__(self) -> str:
        return self.localized_name

    def text_for(self, language: str) -> str:
        """The text in the case's language (the other one when that one is empty)."""
        return localized(self.text_en, self.text_fr, language=language or "en")


class AfterHoursReply(models.Model):
    """A notice queued for one citizen on one account on one (local) day; the unique
    constraint makes "once a day" hold under concurrent ingests."""

    account = models.ForeignKey(
        "channels.PlatformAccount", on_delete=models.CASCADE, related_name="+"
    )
    author = models.CharField(max_length=200)
    day = models.DateField()
    case = models.ForeignKey("inbox.Case", on_delete=models.CASCADE, related_name="+")
    outbox_item = models.OneToOneField(
        "channels.OutboxItem", on_delete=models.CASCADE, related_name="after_hours_reply"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("after-hours reply")
        verbose_name_plural = _("after-hours replies")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "author", "day"], name="after_hours_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.day} (case #{self.case_id})"
