from __future__ import annotations

from django.contrib import admin

from responder.accounts.admin_scoping import DepartmentScopedAdmin, SiteOnlyAdmin
from responder.campaigns.models import Campaign, CampaignSettings, CommunityAction, FollowerSnapshot


@admin.register(Campaign)
class CampaignAdmin(DepartmentScopedAdmin):
    list_display = ["name_en", "name_fr", "hashtags", "starts_on", "ends_on", "department", "owner"]
    list_filter = ["department"]
    search_fields = ["name_en", "name_fr", "hashtags"]
    filter_horizontal = ["accounts"]


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(DepartmentScopedAdmin):
    list_display = ["department", "bilingual_mode"]


@admin.register(CommunityAction)
class CommunityActionAdmin(SiteOnlyAdmin):
    list_display = ["kind", "status", "campaign", "case", "actor", "created_at", "done_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["status"]


@admin.register(FollowerSnapshot)
class FollowerSnapshotAdmin(SiteOnlyAdmin):
    list_display = ["account", "day", "followers"]
