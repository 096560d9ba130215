"""`django.contrib.admin` with the admin site that asks authz (kept apart from
admin_scoping, which imports models: INSTALLED_APPS loads this before models exist)."""

from django.contrib.admin.apps import AdminConfig


class ResponderAdminConfig(AdminConfig):
    default_site = "responder.accounts.admin_scoping.ResponderAdminSite"
