"""The analytics dashboard, what-if, exports and library review pages (admins only)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from responder.accounts import authz
from responder.accounts.models import Department, User
from responder.analytics import dashboard_charts, exports, selectors, services, whatif
from responder.errors import ConflictError, ValidationError
from responder.inbox import library_services
from responder.inbox.models import Case, CaseLanguage, LibraryAnswer, Platform, Topic
from responder.redirects import next_path
from workflows.models import ApprovalStep


def admin_required(view: Any) -> Any:
    """Site admins, and department admins (who see their departments' rows only)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not authz.may(request.user, authz.Action.ANALYTICS_VIEW, None):
            raise PermissionDenied(_("Only admins may see analytics and exports."))
        return view(request, *args, **kwargs)

    return wrapper


def _filters(request: HttpRequest) -> selectors.Filters:
    """The request's filters, limited to the departments this reader administers."""
    return selectors.filters_from(request.GET).scoped(authz.admin_departments(request.user))


def _cases(request: HttpRequest) -> QuerySet[Case]:
    """The cases whose records this reader may open (others answer 404)."""
    departments = authz.admin_departments(request.user)
    cases = Case.objects.select_related("department")
    return cases if departments is None else cases.filter(department_id__in=departments)


def _filter_context(filters: selectors.Filters) -> dict[str, Any]:
    departments = Department.objects.all()
    topics = Topic.objects.all()
    if filters.department_ids is not None:
        departments = departments.filter(pk__in=filters.department_ids)
        topics = topics.filter(
            Q(department__isnull=True) | Q(department_id__in=filters.department_ids)
        )
    return {
        "filters": filters,
        "query": "&".join(f"{k}={v}" for k, v in filters.as_query().items()),
        "departments": departments,
        "platforms": Platform.choices,
        "languages": CaseLanguage.choices,
        "topics": topics,
    }


def _people(department_ids: Iterable[int] | None) -> QuerySet[User]:
    """Who may own a library answer: active people of these departments (None: all)."""
    people = User.objects.filter(is_active=True).order_by("username")
    if department_ids is not None:
        people = people.filter(memberships__department_id__in=list(department_ids)).distinct()
    return people


@admin_required
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    data = selectors.dashboard_cached(filters, fresh=bool(request.GET.get("fresh")))
    chart, by_charts = dashboard_charts.time_charts(data)
    chart.update(dashboard_charts.layer_charts(data))
    volume_charts, engagement_chart = dashboard_charts.volume_charts(data)
    if engagement_chart is not None:
        chart["engagement"] = engagement_chart
    due = selectors.answers_due_for_review(department_ids=filters.department_ids)
    sections = dashboard_charts.sections(
        tables=exports.dashboard_tables(data, due=due),
        chart=chart,
        by_charts=by_charts,
        volume_charts=volume_charts,
        target_charts=dashboard_charts.target_charts(data),
    )
    return render(
        request,
        "analytics/dashboard.html",
        {
            **_filter_context(filters),
            "data": data,
            "sections": sections,
            "due_answers": due,
            "record_id": int(request.GET["record"])
            if request.GET.get("record", "").isdigit()
            else None,
            "today": timezone.localdate(),
            "people": _people(filters.department_ids),
            "no_effect_hours": selectors.NO_EFFECT_MIN_HOURS,
            "no_effect_share": int(selectors.NO_EFFECT_MAX_SHARE * 100),
        },
    )


@admin_required
def chart_csv(request: HttpRequest, name: str) -> StreamingHttpResponse:
    table = exports.CHARTS.get(name)
    if table is None:
        raise Http404
    filters = _filters(request)
    header, rows = table(filters)
    response = StreamingHttpResponse(exports.csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{filters.start}-{filters.end}.csv"'
    )
    return response


@admin_required
def cases_csv(request: HttpRequest) -> StreamingHttpResponse:
    filters = _filters(request)
    with transaction.atomic():
        services.case_list_export(actor=request.user, filters=filters.as_query())  # type: ignore[arg-type]
    response = StreamingHttpResponse(
        exports.csv_lines(exports.CASE_COLUMNS, exports.case_rows(filters)), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="cases-{filters.start}-{filters.end}.csv"'
    )
    return response


@admin_required
def case_record(request: HttpRequest, pk: int, fmt: str = "html") -> HttpResponse:
    case = get_object_or_404(_cases(request), pk=pk)
    with transaction.atomic():
        services.case_record_export(case=case, actor=request.user, fmt=fmt)  # type: ignore[arg-type]
    record = exports.case_record(case)
    if fmt == "json":
        response = HttpResponse(
            json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="case-{case.pk}.json"'
        return response
    return render(request, "analytics/case_record.html", {"case": case, "record": record})


@admin_required
def whatif_page(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    layers = (
        ApprovalStep.objects.filter(selectors.case_q(filters, "case__"))
        .values_list("policy_name", "position", "name")
        .distinct()
        .order_by("policy_name", "position")
    )
    result = None
    policy_name, position = request.GET.get("policy", ""), request.GET.get("position", "")
    if "|" in request.GET.get("layer", ""):
        policy_name, _sep, position = request.GET["layer"].rpartition("|")
    if position:
        try:
            scenario = whatif.Scenario(
                position=int(position),
                policy_name=policy_name,
                remove=request.GET.get("mode", "remove") == "remove",
                sla_minutes=int(request.GET.get("sla_minutes") or 0) or None,
            )
        except ValueError:
            messages.error(request, _("Choose a layer and a number of minutes."))
        else:
            if not scenario.remove and not scenario.sla_minutes:
                messages.error(request, _("Give the new SLA in minutes."))
            else:
                result = whatif.whatif(filters, scenario)
    return render(
        request,
        "analytics/whatif.html",
        {
            **_filter_context(filters),
            "layers": list(layers),
            "result": result,
            "chosen": (policy_name, position),
            "get": request.GET,
        },
    )


@admin_required
def team_page(request: HttpRequest) -> HttpResponse:
    """Volumes and response times per officer and per team, for the period."""
    filters = _filters(request)
    return render(
        request,
        "analytics/team.html",
        {**_filter_context(filters), "teams": selectors.team_figures(filters)},
    )


def _date_or_none(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


@admin_required
@require_POST
def answer_renew(request: HttpRequest, pk: int) -> HttpResponse:
    departments = authz.admin_departments(request.user)
    answers = LibraryAnswer.objects.all()
    if departments is not None:  # shared answers and other departments': not theirs
        answers = answers.filter(department_id__in=departments)
    get_object_or_404(answers, pk=pk)
    review_date = _date_or_none(request.POST.get("review_date", ""))
    owner = request.POST.get("owner", "")
    if review_date is None:
        messages.error(request, _("Give the new review date."))
    else:
        try:
            library_services.library_answer_renew(
                answer_id=pk,
                actor=request.user,  # type: ignore[arg-type]
                review_date=review_date,
                owner_id=int(owner) if owner.isdigit() else None,
            )
        except (ValidationError, ConflictError) as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))  # type: ignore[union-attr]
        else:
            messages.success(request, _("Answer renewed: it counts as pre-approved again."))
    return redirect(f"{next_path(request, fallback='/analytics/')}#library")


@admin_required
def answer_promote(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(_cases(request), pk=pk)
    authz.require(request.user, authz.Action.LIBRARY_MANAGE, case)
    language = case.language if case.language in ("en", "fr") else "en"
    posted = library_services.posted_reply_text(case)
    values = {
        "title_en": "",
        "title_fr": "",
        "text_en": posted if language == "en" else "",
        "text_fr": posted if language == "fr" else "",
        "owner": str(request.user.pk),
        "review_date": (timezone.localdate() + dt.timedelta(days=180)).isoformat(),
        "topic": str(case.topics.values_list("pk", flat=True).first() or ""),
    }
    errors: list[str] = []
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in values})
        review_date = _date_or_none(values["review_date"])
        try:
            if review_date is None:
                raise ValidationError(_("Give the review date."))
            answer = library_services.library_answer_promote(
                case_id=case.pk,
                actor=request.user,  # type: ignore[arg-type]
                title_en=values["title_en"],
                title_fr=values["title_fr"],
                text_en=values["text_en"],
                text_fr=values["text_fr"],
                owner_id=int(values["owner"]) if values["owner"].isdigit() else 0,
                review_date=review_date,
                topic_id=int(values["topic"]) if values["topic"].isdigit() else None,
            )
        except ValidationError as exc:
            errors = list(exc.messages)
        except ConflictError as exc:
            errors = [exc.message]
        else:
            messages.success(
                request, _("“%(title)s” is now in the answer library.") % {"title": answer.title_en}
            )
            return redirect("analytics:dashboard")
    return render(
        request,
        "analytics/promote.html",
        {
            "case": case,
            "values": values,
            "errors": errors,
            "people": _people([case.department_id]),
            "topics": Topic.objects.filter(
                Q(department__isnull=True) | Q(department_id=case.department_id)
            ),
            "answers": LibraryAnswer.objects.none(),
        },
        status=400 if errors else 200,
    )
