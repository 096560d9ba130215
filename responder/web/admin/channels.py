"""Admin for platform accounts: credentials (write-only), a connection test, and the
ingest state (cursor, last error, unreadable items) for support."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from responder.accounts.admin_scoping import DepartmentScopedAdmin
from responder.channels.account_safety import (
    CREDENTIALS_ENV_PREFIX,
    ConnectionOutcome,
    ConnectionReport,
    account_connection_test,
)
from responder.channels.models import AfterHoursNotice, IngestError, PlatformAccount
from responder.crypto import Secret
from responder.inbox.checks import OutgoingTextRefused, library_text_require


def connection_message(account: PlatformAccount, report: ConnectionReport) -> str:
    """What the admin is told: a status in our words, never the server's answer."""
    names = {"account": account, "handle": account.handle, "status": report.status}
    match report.outcome:
        case ConnectionOutcome.OK:
            return gettext("%(account)s: connected as @%(handle)s.") % names
        case ConnectionOutcome.OTHER_ACCOUNT:
            return (
                gettext(
                    "%(account)s: connected, but the token belongs to another account than "
                    "@%(handle)s."
                )
                % names
            )
        case ConnectionOutcome.REFUSED:
            return gettext("%(account)s: the server refused (HTTP status %(status)s).") % names
        case ConnectionOutcome.UNEXPECTED:
            return gettext("%(account)s: the server's answer is not a platform's answer.") % names
        case ConnectionOutcome.UNREACHABLE:
            return (
                gettext(
                    "%(account)s: the server could not be reached, or did not answer as a "
                    "platform does."
                )
                % names
            )
    return gettext("%(account)s: not tested: %(problem)s") % {
        "account": account,
        "problem": report.problem,
    }


class PlatformAccountForm(forms.ModelForm):
    # Write-only: the stored token is never sent to the browser.
    access_token = forms.CharField(
        label=_("access token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave blank to keep the current token. Or name an environment variable below."
        ),
    )
    clear_access_token = forms.BooleanField(label=_("remove the stored token"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credentials_env"].help_text = gettext(
            "Optional. The name of an environment variable starting with %(prefix)s."
        ) % {"prefix": CREDENTIALS_ENV_PREFIX}

    class Meta:
        model = PlatformAccount
        fields = [
            "platform",
            "name",
            "handle",
            "department",
            "base_url",
            "credentials_env",
            "hashtags",
            "poll_interval_seconds",
            "stream",
            "is_active",
        ]


class IngestErrorInline(admin.TabularInline):
    model = IngestError
    extra = 0
    can_delete = False
    fields = ["created_at", "external_id", "error"]
    readonly_fields = ["created_at", "external_id", "error"]
    ordering = ["-created_at"]
    verbose_name = _("unreadable item")
    verbose_name_plural = _("unreadable items (recorded and skipped)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[IngestError]:
        return super().get_queryset(request).order_by("-created_at")


@admin.register(PlatformAccount)
class PlatformAccountAdmin(DepartmentScopedAdmin):
    form = PlatformAccountForm
    change_form_template = "admin/channels/platformaccount/change_form.html"
    list_display = [
        "handle",
        "platform",
        "department",
        "is_active",
        "stream",
        "last_polled_at",
        "next_poll_at",
        "short_error",
    ]
    list_filter = ["platform", "is_active", "stream", "department"]
    search_fields = ["handle", "name", "base_url"]
    readonly_fields = [
        "token_status",
        "cursor",
        "hashtag_cursors",
        "last_polled_at",
        "next_poll_at",
        "last_error",
        "rate_limit_remaining",
        "rate_limit_reset_at",
    ]
    fieldsets = [
        (None, {"fields": ["platform", "name", "handle", "department", "base_url", "is_active"]}),
        (
            _("Credentials"),
            {
                "fields": ["token_status", "access_token", "clear_access_token", "credentials_env"],
            },
        ),
        (_("Ingest"), {"fields": ["hashtags", "poll_interval_seconds", "stream"]}),
        (
            _("Ingest state"),
            {
                "fields": [
                    "last_polled_at",
                    "next_poll_at",
                    "last_error",
                    "cursor",
                    "hashtag_cursors",
                    "rate_limit_remaining",
                    "rate_limit_reset_at",
                ]
            },
        ),
    ]
    inlines = [IngestErrorInline]
    actions = ["test_connection"]

    @admin.display(description=_("stored token"))
    def token_status(self, obj: PlatformAccount) -> str:
        if obj.credentials_env:
            return gettext("from the environment variable %(name)s") % {"name": obj.credentials_env}
        stored = cast(dict[str, Any], obj.credentials) or {}
        return gettext("stored (hidden)") if stored.get("access_token") else "—"

    @admin.display(description=_("last error"))
    def short_error(self, obj: PlatformAccount) -> str:
        return (obj.last_error or "")[:80]

    def save_model(
        self, request: HttpRequest, obj: PlatformAccount, form: Any, change: bool
    ) -> None:
        token = form.cleaned_data.get("access_token") or ""
        credentials = Secret(cast(dict[str, Any], obj.credentials) or {})
        changed = False
        if form.cleaned_data.get("clear_access_token"):
            credentials.pop("access_token", None)
            changed = True
        elif token:
            credentials["access_token"] = token
            changed = True
        obj.credentials = credentials  # type: ignore[assignment]
        if changed or "credentials_env" in form.changed_data or "base_url" in form.changed_data:
            # New credentials: poll at once and forget the old failure.
            obj.next_poll_at = None
            obj.last_error = ""
            obj.poll_failures = 0
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Test connection"))
    def test_connection(self, request: HttpRequest, queryset: QuerySet[PlatformAccount]) -> None:
        for account in queryset:
            self._report(request, account)

    def _report(self, request: HttpRequest, account: PlatformAccount) -> None:
        report = account_connection_test(account=account)
        level = messages.SUCCESS if report.outcome == ConnectionOutcome.OK else messages.ERROR
        self.message_user(request, connection_message(account, report), level)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/test-connection/",
                self.admin_site.admin_view(self.test_connection_view),
                name="channels_platformaccount_test_connection",
            ),
            *super().get_urls(),
        ]

    def test_connection_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = get_object_or_404(PlatformAccount, pk=object_id)
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        self._report(request, account)
        return HttpResponseRedirect(
            reverse("admin:channels_platformaccount_change", args=[account.pk])
        )


@admin.register(IngestError)
class IngestErrorAdmin(DepartmentScopedAdmin):
    department_path = "account__department_id"  # read-only: for support of the account

    list_display = ["created_at", "account", "external_id", "error"]
    list_filter = ["account"]
    search_fields = ["external_id", "error"]
    readonly_fields = ["account", "external_id", "error", "payload", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AfterHoursNoticeForm(forms.ModelForm):  # type: ignore[type-arg]
    """The notice is posted with no approval layer: its English and French texts meet
    the outgoing checks as a reply on every platform, like a pre-approved library
    answer, before it is saved."""

    class Meta:
        model = AfterHoursNotice
        fields = ["department", "enabled", "name", "name_fr", "text_en", "text_fr"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("text_en") and data.get("text_fr"):
            try:
                library_text_require(text_en=data["text_en"], text_fr=data["text_fr"])
            except OutgoingTextRefused as exc:
                raise forms.ValidationError(exc.messages) from exc
        return data


@admin.register(AfterHoursNotice)
class AfterHoursNoticeAdmin(DepartmentScopedAdmin):
    """The department's automatic reply outside its business hours
    (responder/channels/after_hours.py); off until switched on here."""

    form = AfterHoursNoticeForm
    list_display = ["name", "name_fr", "department", "enabled", "updated_at"]
    list_filter = ["enabled"]
