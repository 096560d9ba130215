from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Communication officer")
    SME = "sme", _("Subject-matter expert")
    APPROVER = "approver", _("Approver")
    ADMIN = "admin", _("Administrator")


class Language(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")


def validate_patterns(value: str) -> None:
    """Every line must be a valid regular expression (the admin form says which not)."""
    for number, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            re.compile(line)
        except re.error as exc:
            raise ValidationError(
                _("Line %(line)s is not a valid pattern: %(error)s"),
                params={"line": number, "error": exc},
            ) from None


class Department(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    # Days after which closed cases lose the citizen's personal data (0 = keep).
    retention_days = models.PositiveIntegerField(_("retention (days)"), default=0)
    # Business hours: approval SLAs count only working time in the department's zone.
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("For example America/Toronto. Empty: the site's time zone."),
    )
    sla_business_hours = models.BooleanField(
        _("count SLAs in business hours"),
        default=True,
        help_text=_("Off: approval deadlines run around the clock."),
    )
    workday_start = models.TimeField(_("workday starts"), default=dt.time(9, 0))
    workday_end = models.TimeField(_("workday ends"), default=dt.time(17, 0))
    working_days = models.CharField(
        _("working days"),
        max_length=7,
        default="12345",
        validators=[RegexValidator(r"^[1-7]{1,7}$", _("Use the digits 1 (Monday) to 7 (Sunday)."))],
        help_text=_("Weekdays as digits, 1 = Monday … 7 = Sunday. For example 12345."),
    )

    # Personal information (responder.inbox.pii): the department's own public numbers
    # and addresses, never flagged; and its own file-number patterns.
    pii_allow_list = models.TextField(
        _("public numbers and addresses"),
        blank=True,
        help_text=_(
            "One per line: the department's own phone lines, e-mail addresses and office "
            "addresses. They are never treated as a citizen's personal information."
        ),
    )
    # Undo: an approved reply waits this long in the outbox, and a bulk close can be
    # undone for as long (0 = off).
    undo_hold_seconds = models.PositiveIntegerField(
        _("undo hold (seconds)"),
        default=10,
        validators=[MaxValueValidator(300)],
        help_text=_(
            "How long a reply waits before it is posted, and a bulk close can be undone. "
            "0: no undo."
        ),
    )
    pii_file_patterns = models.TextField(
        _("file number patterns"),
        blank=True,
        help_text=_(
            "One regular expression per line for the department's application or file "
            r"numbers, for example \bPX-\d{4}-\d{5}\b."
        ),
        validators=[validate_patterns],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A day off: no business hours are counted on it (all departments if none given)."""

    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holidays",
        verbose_name=_("department"),
        help_text=_("Empty: a holiday for every department."),
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["department", "date"], name="holiday_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class User(AbstractUser):
    """A person who uses Responder. Roles are held per department (Membership)."""

    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    departments = models.ManyToManyField(
        Department, through="Membership", related_name="people", blank=True
    )
    # Site-wide settings and every department (superusers are site admins too); a
    # department admin is a Membership with the admin role instead.
    site_admin = models.BooleanField(
        _("site admin"),
        default=False,
        help_text=_("Administers site-wide policies and settings and every department."),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("role in a department")
        verbose_name_plural = _("roles in departments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.department}"


class ProviderGroupRole(models.Model):
    """One line of the identity provider's mapping: a member of `group` (a value of
    the provider's groups claim) holds `role` in `department`. Applied at each OpenID
    Connect sign-in (responder.accounts.oidc): roles the mapping can give are the
    provider's to give and to take away."""

    group = models.CharField(
        _("provider group"),
        max_length=200,
        help_text=_("Exactly as the identity provider sends it in the groups claim."),
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="+", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        ordering = ["group", "department__name", "role"]
        verbose_name = _("provider group mapping")
        verbose_name_plural = _("provider group mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "department", "role"], name="provider_group_role_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.get_role_display()} · {self.department}"
