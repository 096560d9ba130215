"""An officer's saved inbox views (re-exported by responder.inbox.models)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responder.localized_names import BilingualName


class SavedView(BilingualName, models.Model):
    """An officer's named inbox filter, kept as the filter form's query string. A view
    with a department is shared: a department admin (`user`, who shared it) made it for
    everyone working in that department's inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shared_views",
        verbose_name=_("shared with the department"),
    )
    name = models.CharField(_("name"), max_length=80)
    # A French name, for views an admin shares (blank: the name above in every language).
    name_fr = models.CharField(_("name (French)"), max_length=80, blank=True)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(department__isnull=True),
                name="saved_view_unique_name",
            ),
            models.UniqueConstraint(
                fields=["department", "name"],
                condition=models.Q(department__isnull=False),
                name="saved_view_shared_unique_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name
