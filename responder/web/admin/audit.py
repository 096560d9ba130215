"""The audit log in the admin: read-only, like the log itself (append-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from responder.accounts.admin_scoping import SiteOnlyAdmin
from responder.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(SiteOnlyAdmin):
    list_display = ["created_at", "action", "actor", "via", "case", "from_state", "to_state"]
    list_filter = ["action", "via", "to_state"]
    search_fields = ["action", "case__id", "actor__username"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "case"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
