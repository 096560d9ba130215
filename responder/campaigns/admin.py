from __future__ import annotations

from django.contrib import admin

from responder.accounts.admin_scoping import DepartmentScopedAdmin
from responder.campaigns.models import Campaign, CampaignSettings


@admin.register(Campaign)
class CampaignAdmin(DepartmentScopedAdmin):
    list_display = ["name_en", "name_fr", "hashtags", "starts_on", "ends_on", "department", "owner"]
    list_filter = ["department"]
    search_fields = ["name_en", "name_fr", "hashtags"]
    filter_horizontal = ["accounts"]


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(DepartmentScopedAdmin):
    list_display = ["department", "bilingual_mode"]
