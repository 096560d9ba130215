"""The audit-log export page (/records/audit/): choose dates, a person and an action,
then download CSV or JSON. Department admins get their departments' events; site
admins every event (responder.audit.export). Each download is itself audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from responder.accounts import authz
from responder.accounts.models import Department
from responder.analytics.exports import csv_lines
from responder.audit.export import (
    COLUMNS,
    AuditFilters,
    audit_events_for,
    default_filters,
    event_rows,
)
from responder.audit.labels import AUDIT_ACTION_LABELS
from responder.audit.models import Via
from responder.audit.services import audit_record


class AuditFilterForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)
    person = forms.CharField(
        label=gettext_lazy("Person (username)"), required=False, max_length=150
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    department = forms.TypedChoiceField(
        label=gettext_lazy("Department"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(
            ((code, str(label)) for code, label in AUDIT_ACTION_LABELS.items()),
            key=lambda item: item[1],
        )
        action_field = self.fields["action"]
        department_field = self.fields["department"]
        assert isinstance(action_field, forms.ChoiceField)
        assert isinstance(department_field, forms.ChoiceField)
        action_field.choices = [("", _("all")), *actions]
        department_field.choices = [("", _("all")), *((d.pk, d.name) for d in departments)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        return data

    def filters(self) -> AuditFilters:
        default = default_filters()
        data = self.cleaned_data
        return AuditFilters(
            start=data.get("start") or default.start,
            end=data.get("end") or default.end,
            person=(data.get("person") or "").strip(),
            action=data.get("action") or "",
            department_id=data.get("department"),
        )


def _reader_departments(request: HttpRequest) -> set[int] | None:
    """The departments whose audit log this person may export (None: all); 403 if none."""
    if not authz.may(request.user, authz.Action.AUDIT_EXPORT, None):
        raise PermissionDenied(_("Only administrators may export the audit log."))
    return authz.admin_departments(request.user)


def _form(request: HttpRequest, departments: set[int] | None) -> AuditFilterForm:
    return AuditFilterForm(request.GET, departments=_choices(departments))


@login_required
def audit_export_page(request: HttpRequest) -> HttpResponse:
    departments = _reader_departments(request)
    if request.GET:
        form = _form(request, departments)
        valid = form.is_valid()
        filters = form.filters() if valid else default_filters()
    else:
        valid, filters = True, default_filters()
        form = AuditFilterForm(
            initial={"start": filters.start, "end": filters.end},
            departments=_choices(departments),
        )
    query = urlencode({k: v for k, v in filters.as_query().items() if v not in ("", None)})
    count = audit_events_for(departments=departments, filters=filters).count()
    return render(
        request,
        "audit/export.html",
        {
            "form": form,
            "count": count,
            "filters": filters,
            "csv_url": f"{reverse('audit_export:csv')}?{query}",
            "json_url": f"{reverse('audit_export:json')}?{query}",
        },
        status=200 if valid else 400,
    )


def _choices(departments: set[int] | None) -> list[Department]:
    choices = Department.objects.all()
    if departments is not None:
        choices = choices.filter(pk__in=departments)
    return list(choices)


def _download(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    departments = _reader_departments(request)
    form = _form(request, departments)
    if not form.is_valid():
        return HttpResponse(
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    events = audit_events_for(departments=departments, filters=filters)
    with transaction.atomic():
        audit_record(
            action="audit.exported",
            via=Via.WEB.value,
            actor=request.user,
            details={
                "format": fmt,
                "filters": filters.as_query(),
                "department_ids": sorted(departments) if departments is not None else [],
            },
        )
    name = f"audit-{filters.start}-{filters.end}.{fmt}"
    response: StreamingHttpResponse
    if fmt == "csv":
        rows = (
            [json.dumps(row[c], ensure_ascii=False) if c == "details" else row[c] for c in COLUMNS]
            for row in event_rows(events)
        )
        response = StreamingHttpResponse(
            csv_lines(COLUMNS, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            _json_lines(event_rows(events)), content_type="application/json"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _json_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"


@login_required
def audit_export_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _download(request, "csv")


@login_required
def audit_export_json(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _download(request, "json")
