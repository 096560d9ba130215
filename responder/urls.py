from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from responder.accounts import password_reset
from responder.accounts.forms import AdminSignInForm
from responder.accounts.language import language_switch
from responder.accounts.views import SignInView

# The admin's sign-in pauses a username too (the same count as the other doors).
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("admin/", admin.site.urls),
    # Sign-in pauses a username after too many wrong passwords (accounts/login_throttle).
    path("accounts/login/", SignInView.as_view(), name="login"),
    # Password reset in the site's pages, or 404 when local passwords are off.
    path("accounts/", include(password_reset.urlpatterns)),
    # Sign-in through the department's identity provider (404 while it is off).
    path("accounts/", include("responder.accounts.oidc_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    # The header's language switch: the cookie, and a signed-in person's preference.
    path("i18n/setlang/", language_switch, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("responder.web.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file, so the docs work under our CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    # Approval links from emails, and the reviewers' pages.
    path("review/", include("responder.web.urls_review")),
    path("notifications/", include("responder.web.urls_notifications")),
    # Admins' policy editor.
    path("settings/policies/", include("responder.web.urls_policies")),
    path("analytics/", include("responder.analytics.urls")),
    # Records officers: the audit-log export.
    path("records/audit/", include("responder.analytics.urls_audit_export")),
    path("campaigns/", include("responder.campaigns.urls")),
    # Probes (/healthz, /readyz, answered by OpsMiddleware) and /metrics; status page.
    path("", include("responder.ops.urls")),
    # The officers' inbox, case pages and answer library.
    path("", include("responder.web.urls_officers")),
]
