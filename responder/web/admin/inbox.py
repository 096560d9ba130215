"""Admin pages for topics, the answer library and cases.

A case's state is never edited here: the case pages are read-only, and the actions
below call the same services as the web pages and the API (recorded as via "admin").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from responder.accounts import authz
from responder.accounts.admin_scoping import DepartmentScopedAdmin, SiteOnlyAdmin
from responder.audit.models import Via
from responder.channels import services as channel_services
from responder.errors import ConflictError, PermissionDenied, ValidationError
from responder.inbox import library_services, services
from responder.inbox.checks import OutgoingTextRefused, library_text_require
from responder.inbox.models import Case, CloseReason, Draft, LibraryAnswer, Risk, Topic
from workflows import submission

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@admin.register(Topic)
class TopicAdmin(DepartmentScopedAdmin):
    show_shared = True  # shared topics: shown to department admins, a site admin's to change
    list_display = ["slug", "name_en", "name_fr", "department", "sensitive"]
    list_filter = ["sensitive", "department"]
    search_fields = ["slug", "name_en", "name_fr"]
    prepopulated_fields = {"slug": ["name_en"]}


class LibraryAnswerForm(forms.ModelForm):  # type: ignore[type-arg]
    """An answer may be posted unchanged with no approval layer: its English and French
    texts meet the outgoing checks, as a reply on every platform, before it is saved."""

    class Meta:
        model = LibraryAnswer
        fields = [
            "topic",
            "department",
            "owner",
            "is_active",
            "title_en",
            "text_en",
            "title_fr",
            "text_fr",
            "review_date",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("text_en") and data.get("text_fr"):
            try:
                library_text_require(text_en=data["text_en"], text_fr=data["text_fr"])
            except OutgoingTextRefused as exc:
                raise forms.ValidationError(exc.messages) from exc
        return data


@admin.register(LibraryAnswer)
class LibraryAnswerAdmin(DepartmentScopedAdmin):
    show_shared = True  # shared answers: shown to department admins, a site admin's to change
    manage_action = authz.Action.LIBRARY_MANAGE
    form = LibraryAnswerForm
    list_display = [
        "title_en",
        "topic",
        "department",
        "review_date",
        "approved_by",
        "times_used",
        "is_active",
    ]
    list_filter = ["is_active", "topic", "department"]
    search_fields = ["title_en", "title_fr", "text_en", "text_fr"]
    readonly_fields = ["approved_by", "approved_at", "times_used", "created_at", "updated_at"]
    autocomplete_fields = ["owner"]
    fieldsets = [
        (None, {"fields": ["topic", "department", "owner", "is_active"]}),
        (_("English"), {"fields": ["title_en", "text_en"]}),
        (_("French"), {"fields": ["title_fr", "text_fr"]}),
        (
            _("Approval"),
            {"fields": ["review_date", "approved_by", "approved_at", "times_used"]},
        ),
    ]
    actions = ["approve_answers"]

    @admin.action(description=_("Approve the selected answers (as me)"))
    def approve_answers(self, request: HttpRequest, queryset: QuerySet[LibraryAnswer]) -> None:
        count = 0
        for answer in queryset.order_by("pk"):
            try:
                library_services.library_answer_approve(
                    answer_id=answer.pk,
                    actor=request.user,  # type: ignore[arg-type]
                    via=Via.ADMIN,
                )
            except OutgoingTextRefused as exc:
                self.message_user(request, f"{answer}: {exc.messages[0]}", level=messages.WARNING)
            except (ConflictError, PermissionDenied) as exc:
                self.message_user(request, f"{answer}: {exc}", level=messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, _("%(count)s answer(s) approved.") % {"count": count})


class DraftInline(admin.TabularInline):
    model = Draft
    fk_name = "case"
    extra = 0
    can_delete = False
    fields = ["version", "text", "language", "author", "via", "library_unchanged", "created_at"]
    readonly_fields = [
        "version",
        "text",
        "language",
        "author",
        "via",
        "library_unchanged",
        "created_at",
    ]
    ordering = ["version"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _each_case(
    modeladmin: admin.ModelAdmin[Case],
    request: HttpRequest,
    queryset: QuerySet[Case],
    call: Callable[[Case], object],
    done: str | StrOrPromise,
) -> None:
    """Run one service per selected case; report successes and every refusal."""
    succeeded = 0
    for case in queryset.order_by("pk"):
        try:
            call(case)
        except (ConflictError, PermissionDenied, ValidationError) as exc:
            modeladmin.message_user(request, f"{case}: {exc}", level=messages.WARNING)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, str(done) % {"count": succeeded})


def _service_action(
    service: Callable[..., object],
    description: str | StrOrPromise,
    done: str | StrOrPromise,
    **arguments: object,
) -> Callable[[admin.ModelAdmin[Case], HttpRequest, QuerySet[Case]], None]:
    """An admin action that calls `service` for each selected case, as the admin."""

    def action(
        modeladmin: admin.ModelAdmin[Case], request: HttpRequest, queryset: QuerySet[Case]
    ) -> None:
        _each_case(
            modeladmin,
            request,
            queryset,
            lambda c: service(case_id=c.pk, actor=request.user, via=Via.ADMIN, **arguments),
            done,
        )

    return admin.action(description=description)(action)


@admin.register(Case)
class CaseAdmin(SiteOnlyAdmin):
    list_display = [
        "id",
        "author_handle",
        "platform",
        "language",
        "state",
        "risk",
        "owner",
        "department",
        "received_at",
    ]
    list_filter = ["state", "platform", "language", "risk", "department"]
    search_fields = ["author_handle", "author_name", "text", "external_id"]
    date_hierarchy = "received_at"
    list_select_related = ["owner", "department"]
    inlines = [DraftInline]
    actions = [
        "claim",
        "release",
        "submit_latest_draft",
        "mark_sensitive",
        "close_no_answer_needed",
        "close_spam",
        "reopen",
        "retry_post",
    ]

    # Read-only: the state (a protected FSM field) and everything else change only
    # through services, which lock the row and write the audit trail.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Each action runs one inbox service per selected case, as the acting admin.
    claim = _service_action(
        services.case_claim, _("Claim (as me)"), _("%(count)s case(s) claimed.")
    )
    release = _service_action(services.case_release, _("Release"), _("%(count)s case(s) released."))
    submit_latest_draft = _service_action(
        submission.draft_submit,
        _("Submit the latest draft for approval"),
        _("%(count)s case(s) submitted."),
    )
    mark_sensitive = _service_action(
        services.case_tag,
        _("Mark as sensitive"),
        _("%(count)s case(s) marked sensitive."),
        risk=Risk.SENSITIVE,
    )
    close_no_answer_needed = _service_action(
        services.case_close,
        _("Close: no answer needed"),
        _("%(count)s case(s) closed."),
        reason=CloseReason.NO_ANSWER_NEEDED,
    )
    close_spam = _service_action(
        services.case_close,
        _("Close: spam"),
        _("%(count)s case(s) closed."),
        reason=CloseReason.SPAM,
    )
    reopen = _service_action(services.case_reopen, _("Reopen"), _("%(count)s case(s) reopened."))
    retry_post = _service_action(
        channel_services.case_retry_post,
        _("Retry posting the reply"),
        _("%(count)s case(s) queued for another try."),
    )
