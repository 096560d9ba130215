"""Query parameters of the API lists: refused when the schema forbids them.

django-filter treats an empty value as "no filter" for every filter, but the schema
describes `platform` as one of its values, `account` as an integer, `mine` as a
boolean...: an empty value is none of those. So an empty value is refused (400) for
every filter but free text (q, topic), where the schema allows any string, and a
boolean must be true or false.
`page_size` is refused unless it is a whole number (DRF silently ignores it).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

BOOLEANS = {"true", "false"}


class StrictFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request: Request, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors: dict[str, list[str]] = {}
            for name, field in filterset.filters.items():
                values = request.query_params.getlist(name)
                if isinstance(field, django_filters.CharFilter) or not values:
                    continue
                if any(v.strip() == "" for v in values):
                    errors[name] = [_("This value may not be empty.")]
                elif isinstance(field, django_filters.BooleanFilter) and any(
                    v.strip().lower() not in BOOLEANS for v in values
                ):
                    # django-filter reads "null" or "unknown" as "no filter".
                    errors[name] = [_("Give true or false.")]
            if errors:
                raise ValidationError(errors)
        return filterset


def page_size_checked(request: Request, param: str | None, maximum: int | None) -> None:
    """Refuse a page size that is not a whole number from 1 to `maximum` (the schema
    says so: see `page_size_schema`)."""
    if not param or param not in request.query_params:
        return
    raw = request.query_params[param].strip()
    if not raw.isdigit() or len(raw) > 19:
        raise ValidationError({param: [_("A valid integer is required.")]})
    if not 1 <= int(raw) <= (maximum or int(raw)):
        raise ValidationError(
            {param: [_("Give a page size from 1 to %(maximum)s.") % {"maximum": maximum}]}
        )


def page_size_schema(
    parameters: list[dict[str, Any]], param: str | None, maximum: int | None
) -> None:
    """State in the schema the bounds `page_size_checked` enforces."""
    for parameter in parameters:
        if parameter.get("name") == param:
            parameter["schema"] = {**parameter.get("schema", {}), "minimum": 1}
            if maximum:
                parameter["schema"]["maximum"] = maximum
