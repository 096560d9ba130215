"""The admins' policy editor: policies, their layers, routing rules, and a preview."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from responder.accounts import authz
from responder.accounts.models import Department, Role, User
from responder.errors import ConflictError, ValidationError
from responder.inbox.models import (
    Case,
    LibraryAnswer,
    Platform,
    Risk,
    Topic,
)
from workflows import policy_services
from workflows.models import ApprovalPolicy, PolicyRevision, RoutingRule
from workflows.policy_history import policy_history
from workflows.routing import route_for
from workflows.validation import LayerSpec, RuleSpec, layer_spec_from, rule_spec_from


def _admin_only(request: HttpRequest) -> set[int] | None:
    """The departments whose policies this person edits (None: all, site admin)."""
    if not policy_services.may_manage_policies(request.user):
        raise PermissionDenied(_("Only admins may change approval policies."))
    return policy_services.policy_departments_for(request.user)


def _may_edit(request: HttpRequest, policy: ApprovalPolicy) -> bool:
    return authz.may(request.user, authz.Action.POLICY_MANAGE, policy)


def _visible_policies(departments: set[int] | None) -> QuerySet[ApprovalPolicy]:
    """Every policy for a site admin; a department admin's own and the site-wide ones."""
    policies = ApprovalPolicy.objects.all()
    if departments is not None:
        policies = policies.filter(Q(department__isnull=True) | Q(department_id__in=departments))
    return policies


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _choices(request: HttpRequest, departments: set[int] | None) -> dict[str, Any]:
    """What the editor's menus offer: a department admin picks among their own
    departments, people, topics and the policies they may edit."""
    people = User.objects.filter(is_active=True).order_by("username")
    topics = Topic.objects.all()
    department_list = Department.objects.all()
    if departments is not None:
        people = people.filter(memberships__department_id__in=departments).distinct()
        topics = topics.filter(Q(department__isnull=True) | Q(department_id__in=departments))
        department_list = department_list.filter(pk__in=departments)
    return {
        "roles": [(Role.SME.value, Role.SME.label), (Role.APPROVER.value, Role.APPROVER.label)],
        "departments": list(department_list),
        "people": list(people),
        "topics": list(topics),
        "risks": Risk.choices,
        "platforms": Platform.choices,
        "policies": [p for p in _visible_policies(departments) if _may_edit(request, p)],
        "site_admin": departments is None,
    }


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    departments = _admin_only(request)
    if request.method == "POST":
        try:
            policy = policy_services.policy_create(
                actor=request.user,  # type: ignore[arg-type]
                name=request.POST.get("name", ""),
                name_fr=request.POST.get("name_fr", ""),
                description=request.POST.get("description", ""),
                department_id=_int(request.POST.get("department")),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Policy created. Add its layers."))
            return redirect("policies:edit", pk=policy.pk)
    policies = list(
        _visible_policies(departments)
        .select_related("department")
        .prefetch_related("layers", "rules")
        .order_by("name")
    )
    for policy in policies:
        policy.editable = _may_edit(request, policy)  # type: ignore[attr-defined]
    rules = RoutingRule.objects.filter(policy__in=policies).select_related(
        "policy", "department", "topic"
    )
    return render(
        request,
        "workflows/policies/list.html",
        {"policies": policies, "rules": rules, **_choices(request, departments)},
    )


def _layers_from_post(request: HttpRequest) -> list[LayerSpec]:
    """Rows `layer-<n>-<field>`; a row with `remove` ticked or no name is left out;
    rows are ordered by their `order` number (then their row index)."""
    rows: list[tuple[int, int, LayerSpec]] = []
    count = _int(request.POST.get("layer-count"), 0) or 0
    for index in range(count):
        prefix = f"layer-{index}-"
        name = request.POST.get(prefix + "name", "").strip()
        if request.POST.get(prefix + "remove") or not name:
            continue
        spec = LayerSpec(
            id=_int(request.POST.get(prefix + "id")),
            name=name,
            name_fr=request.POST.get(prefix + "name_fr", "").strip(),
            reviewer_role=request.POST.get(prefix + "reviewer_role", ""),
            reviewer_department_id=_int(request.POST.get(prefix + "reviewer_department")),
            reviewer_ids=[
                i for i in (_int(v) for v in request.POST.getlist(prefix + "reviewers")) if i
            ],
            approvals_required=_int(request.POST.get(prefix + "approvals_required"), 1) or 0,
            sla_minutes=_int(request.POST.get(prefix + "sla_minutes"), 240) or 0,
            delegate_id=_int(request.POST.get(prefix + "delegate")),
        )
        rows.append((_int(request.POST.get(prefix + "order"), index + 1) or 0, index, spec))
    # Moving a row up or down swaps it with its neighbour.
    specs = [spec for _order, _index, spec in sorted(rows, key=lambda r: (r[0], r[1]))]
    move = request.POST.get("move", "")
    if ":" in move:
        direction, _sep, raw = move.partition(":")
        at = _int(raw)
        if at is not None and 0 <= at < len(specs):
            other = at - 1 if direction == "up" else at + 1
            if 0 <= other < len(specs):
                specs[at], specs[other] = specs[other], specs[at]
    return specs


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    departments = _admin_only(request)
    # Another department's policy does not exist for them; a site-wide one is shown.
    policy = get_object_or_404(_visible_policies(departments), pk=pk)
    editable = _may_edit(request, policy)
    problems: list[str] = []
    if request.method == "POST" and not editable:
        raise PermissionDenied(_("Only a site admin may change a site-wide policy."))
    if request.method == "POST":
        specs = _layers_from_post(request)
        action = request.POST.get("action", "save")
        if request.POST.get("move") or action == "add":
            if action == "add":
                specs.append(LayerSpec(name="", reviewer_role=Role.SME))
        else:
            try:
                with transaction.atomic():  # the name and the layers, or nothing
                    _policy_save(request, policy, specs)
            except ValidationError as exc:
                problems = list(exc.messages)
            except ConflictError as exc:
                problems = [exc.message]
            else:
                messages.success(request, _("Policy saved."))
                return redirect("policies:edit", pk=policy.pk)
        policy.refresh_from_db()
    else:
        specs = [layer_spec_from(layer) for layer in policy.layers.order_by("position")]
    status = 400 if problems else 200
    return render(
        request,
        "workflows/policies/edit.html",
        {
            "policy": policy,
            "editable": editable,
            "layers": specs,
            "problems": problems,
            # One more than shown, so the oldest shown has its changes too.
            "history": policy_history(
                list(PolicyRevision.objects.filter(policy=policy).select_related("actor")[:21])
            )[:20],
            **_choices(request, departments),
        },
        status=status,
    )


def _policy_save(request: HttpRequest, policy: ApprovalPolicy, specs: list[LayerSpec]) -> None:
    policy_services.policy_update(
        policy_id=policy.pk,
        actor=request.user,  # type: ignore[arg-type]
        name=request.POST.get("name", policy.name),
        name_fr=request.POST.get("name_fr", policy.name_fr),
        description=request.POST.get("description", ""),
        is_active=bool(request.POST.get("is_active")),
        expected_version=_int(request.POST.get("version")),
    )
    policy.refresh_from_db()
    policy_services.policy_layers_save(
        policy_id=policy.pk,
        actor=request.user,  # type: ignore[arg-type]
        layers=specs,
        expected_version=policy.version,
    )


def _rules_from_post(request: HttpRequest) -> list[RuleSpec]:
    specs: list[RuleSpec] = []
    count = _int(request.POST.get("rule-count"), 0) or 0
    for index in range(count):
        prefix = f"rule-{index}-"
        name = request.POST.get(prefix + "name", "").strip()
        policy_id = _int(request.POST.get(prefix + "policy"))
        if request.POST.get(prefix + "remove") or not name or policy_id is None:
            continue
        unchanged = request.POST.get(prefix + "library_unchanged", "")
        specs.append(
            RuleSpec(
                id=_int(request.POST.get(prefix + "id")),
                name=name,
                name_fr=request.POST.get(prefix + "name_fr", "").strip(),
                policy_id=policy_id,
                priority=_int(request.POST.get(prefix + "priority"), 100) or 0,
                department_id=_int(request.POST.get(prefix + "department")),
                topic_id=_int(request.POST.get(prefix + "topic")),
                risk=request.POST.get(prefix + "risk", ""),
                platform=request.POST.get(prefix + "platform", ""),
                library_unchanged={"yes": True, "no": False}.get(unchanged),
                is_active=bool(request.POST.get(prefix + "is_active")),
            )
        )
    return specs


@login_required
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest) -> HttpResponse:
    """The rules of the policies this person may edit, as a form; the site-wide rules
    (for a department admin) beside them, read-only."""
    departments = _admin_only(request)
    choices = _choices(request, departments)
    editable_ids = {p.pk for p in choices["policies"]}
    visible = RoutingRule.objects.filter(policy__in=_visible_policies(departments))
    problems: list[str] = []
    if request.method == "POST":
        specs = _rules_from_post(request)
        try:
            policy_services.rules_save(actor=request.user, rules=specs)  # type: ignore[arg-type]
        except ValidationError as exc:
            problems = list(exc.messages)
        else:
            messages.success(request, _("Routing rules saved."))
            return redirect("policies:rules")
    else:
        specs = [
            rule_spec_from(r)
            for r in visible.filter(policy_id__in=editable_ids).order_by("priority", "id")
        ]
    rows = [*specs, RuleSpec(name="", policy_id=0, is_active=True)]
    read_only = (
        visible.exclude(policy_id__in=editable_ids)
        .select_related("policy", "department", "topic")
        .order_by("priority", "id")
    )
    return render(
        request,
        "workflows/policies/rules.html",
        {"rules": rows, "read_only_rules": read_only, "problems": problems, **choices},
        status=400 if problems else 200,
    )


@login_required
def policy_preview(request: HttpRequest) -> HttpResponse:
    """Which policy a case would get for a given draft, and why."""
    departments = _admin_only(request)
    answers = LibraryAnswer.objects.filter(is_active=True)
    if departments is not None:
        answers = answers.filter(Q(department__isnull=True) | Q(department_id__in=departments))
    context: dict[str, Any] = {
        "answers": answers,
        "case_id": request.GET.get("case", ""),
        "text": request.GET.get("text", ""),
        "answer_id": _int(request.GET.get("answer")),
    }
    case_id = _int(request.GET.get("case"))
    if case_id is not None:
        cases = Case.objects.all()
        if departments is not None:
            cases = cases.filter(department_id__in=departments)
        case = cases.filter(pk=case_id).select_related("department").first()
        if case is None:
            context["error"] = _("There is no case #%(id)s.") % {"id": case_id}
        else:
            language = case.language if case.language in ("en", "fr") else "en"
            answer = (
                answers.filter(pk=context["answer_id"]).first() if context["answer_id"] else None
            )
            text = context["text"] or (answer.text_for(language) if answer else "")
            route = route_for(case=case, draft_text=text, language=language, library_answer=answer)
            unchanged = route.library_unchanged
            layers = [{"layer": layer, "reviewers": layer.reviewers} for layer in route.layers]
            context.update(
                case=case,
                route=route,
                layers=layers,
                library_unchanged=unchanged,
                answer=answer,
                risk=Risk(route.risk).label,
                preview_text=text,
            )
    return render(request, "workflows/policies/preview.html", context)
