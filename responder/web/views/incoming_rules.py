"""Department admins' incoming rules: the list, the editor with its revisions, and a
preview ("which of the last 500 cases would this rule have tagged?") that tries the
rule as typed, before it is saved. Writes go through incoming_rules.incoming_rule_save.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from responder.accounts import authz
from responder.accounts.models import Department, User
from responder.channels.models import PlatformAccount
from responder.errors import ConflictError, ValidationError
from responder.inbox.incoming_models import IncomingRule
from responder.inbox.incoming_rules import (
    PREVIEW_CASES,
    RuleInput,
    incoming_rule_preview,
    incoming_rule_save,
    user_may_edit_rules,
)
from responder.inbox.models import Topic


class IncomingRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = IncomingRule
        fields = [
            "name",
            "name_fr",
            "is_active",
            "order",
            "keywords_en",
            "keywords_fr",
            "account",
            "hashtag",
            "language",
            "author_handle",
            "topics",
            "risk",
            "priority",
        ]
        widgets = {
            "keywords_en": forms.Textarea(attrs={"rows": 6}),
            "keywords_fr": forms.Textarea(attrs={"rows": 6}),
            "topics": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, department: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(  # type: ignore[attr-defined]
            Q(department=department) | Q(department__isnull=True)
        )
        self.fields["account"].queryset = PlatformAccount.objects.filter(  # type: ignore[attr-defined]
            department=department
        )
        self.fields["account"].empty_label = gettext_lazy("Any account")  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        pass  # the service checks names within the department

    def rule_input(self) -> RuleInput:
        data = self.cleaned_data
        return RuleInput(
            name=data["name"],
            name_fr=data.get("name_fr") or "",
            is_active=data["is_active"],
            order=data["order"],
            keywords_en=data["keywords_en"],
            keywords_fr=data["keywords_fr"],
            account_id=data["account"].pk if data["account"] else None,
            hashtag=data["hashtag"],
            language=data["language"],
            author_handle=data["author_handle"],
            topic_ids=tuple(t.pk for t in data["topics"]),
            risk=data["risk"],
            priority=data["priority"],
        )


def _admin_departments(user: User) -> list[Department]:
    ids = authz.admin_departments(user)
    departments = Department.objects.order_by("name")
    if ids is None:
        return list(departments)
    return list(departments.filter(pk__in=ids))


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    departments = _admin_departments(request.user)  # type: ignore[arg-type]
    if not departments:
        raise PermissionDenied(_("Only a department's admins may see its incoming rules."))
    rules = (
        IncomingRule.objects.filter(department__in=departments)
        .select_related("department", "account")
        .prefetch_related("topics")
        .order_by("department__name", "order", "id")
    )
    return render(
        request,
        "inbox/incoming_rules/list.html",
        {"departments": departments, "rules": rules},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    rule: IncomingRule | None = None
    if pk is not None:
        rule = get_object_or_404(IncomingRule.objects.select_related("department"), pk=pk)
        department = rule.department
    else:
        department = get_object_or_404(Department, pk=request.GET.get("department") or 0)
    if not user_may_edit_rules(user=user, department_id=department.pk):
        raise PermissionDenied(_("Only a department's admins may see its incoming rules."))
    form = IncomingRuleForm(
        request.POST or None,
        instance=rule,
        department=department,
        initial={"version": rule.version if rule else None},
    )
    preview = None
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "preview":
            trial = form.save(commit=False)
            trial.department = department
            preview = incoming_rule_preview(rule=trial, topics=list(form.cleaned_data["topics"]))
        else:
            try:
                saved = incoming_rule_save(
                    actor=user,
                    department_id=department.pk,
                    data=form.rule_input(),
                    rule_id=rule.pk if rule else None,
                    expected_version=form.cleaned_data.get("version"),
                )
            except ValidationError as exc:
                problems = list(exc.messages)
            except ConflictError as exc:
                problems = [exc.message]
            else:
                messages.success(request, _("Rule saved (version %(v)s).") % {"v": saved.version})
                return redirect("incoming_rules:edit", pk=saved.pk)
    elif request.method == "GET" and rule is not None and request.GET.get("preview"):
        preview = incoming_rule_preview(rule=rule)
    revisions = rule.revisions.select_related("actor")[:10] if rule else []
    return render(
        request,
        "inbox/incoming_rules/edit.html",
        {
            "form": form,
            "rule": rule,
            "department": department,
            "preview": preview,
            "preview_limit": PREVIEW_CASES,
            "problems": problems,
            "revisions": revisions,
        },
        status=400 if problems or (request.method == "POST" and form.errors) else 200,
    )


urlpatterns = [
    path("settings/incoming-rules/", rule_list, name="list"),
    path("settings/incoming-rules/new/", rule_edit, name="new"),
    path("settings/incoming-rules/<int:pk>/", rule_edit, name="edit"),
]
