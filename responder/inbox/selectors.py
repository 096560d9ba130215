"""Reads of the inbox: which cases a person may see, filtered, and one case in full.

The HTML pages, the API and the exports all call these, so that everyone sees the
same cases. Who sees what is responder.accounts.authz's answer: a person sees the cases
of every department where they hold any role (site admins see all), and a case a
step asks them to decide (a delegate: once the step escalated to them). Anything else
is "not found".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from responder.accounts import authz
from responder.accounts.models import Language, User
from responder.inbox.models import (
    Case,
    CaseLanguage,
    CaseState,
    LibraryAnswer,
    Platform,
    Topic,
)

# PostgreSQL's bigint: a larger id can match nothing, and must not reach the database.
MAX_ID = 2**63 - 1
# Longest search text we accept; longer is a mistake or an attack, not a search.
MAX_QUERY_LENGTH = 200


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT64)
class IdFilter(django_filters.NumberFilter):
    """An integer id in the database's range (NumberFilter would accept 1.5 or 1e99)."""

    field_class = IdField


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, handed to the database in UTC: Python accepts offsets up to
    23:59, PostgreSQL only up to 15:59, and a bad offset must not become a 500."""

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed: dt.datetime | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class SearchFilter(django_filters.CharFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_QUERY_LENGTH)
        super().__init__(*args, **kwargs)


def _user_of(user: User | None, request: Any) -> User | None:
    if user is not None:
        return user
    return getattr(request, "user", None)


class CaseFilter(django_filters.FilterSet):
    """The inbox filters. Invalid values are dropped by the HTML pages and answered
    400 by the API (DjangoFilterBackend raises on an invalid form)."""

    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices)
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    account = IdFilter(field_name="account_id")
    language = django_filters.ChoiceFilter(choices=CaseLanguage.choices)
    topic = SearchFilter(method="filter_topic", label=_("topic (short name)"))
    owner = IdFilter(field_name="owner_id")
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("held by me"))
    unassigned = django_filters.BooleanFilter(
        method="filter_unassigned", label=_("new and held by nobody")
    )
    personal = django_filters.BooleanFilter(
        method="filter_personal", label=_("personal information found")
    )
    q = SearchFilter(method="filter_q", label=_("words in the text, or the start of a @handle"))
    received_after = UtcDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[Case] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        user: User | None = None,
    ) -> None:
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        self.user = _user_of(user, request)

    def filter_topic(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        # Topic slugs are unique, so the join cannot repeat a case.
        return queryset.filter(topics__slug=value) if value else queryset

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_personal(
        self, queryset: QuerySet[Case], name: str, value: bool | None
    ) -> QuerySet[Case]:
        if value is None:
            return queryset
        return queryset.exclude(pii_kinds=[]) if value else queryset.filter(pii_kinds=[])

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_mine(
        self, queryset: QuerySet[Case], name: str, value: bool | None
    ) -> QuerySet[Case]:
        if value is None or self.user is None:
            return queryset
        if value:
            return queryset.filter(owner_id=self.user.pk)
        return queryset.exclude(owner_id=self.user.pk)

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_unassigned(
        self, queryset: QuerySet[Case], name: str, value: bool | None
    ) -> QuerySet[Case]:
        if value is None:
            return queryset
        # As on the inbox page (inbox_query.scope): a new case nobody has claimed
        # (closed cases lose their owner too, and are not waiting for anyone).
        waiting = Q(state=CaseState.NEW, owner__isnull=True)
        return queryset.filter(waiting) if value else queryset.exclude(waiting)

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        # As on the inbox page (inbox_query.scope), with the same indexes: words
        # anywhere in the text, or the start of the author's handle ("@jo" finds
        # @joan@mastodon.example, not every text with "jo").
        handle = value.lstrip("@")
        if value.startswith("@"):
            return queryset.filter(author_handle__istartswith=handle)
        return queryset.filter(
            (Q(text__icontains=value) & self._text_searchable())
            | Q(author_handle__istartswith=handle)
        )

    def _text_searchable(self) -> Q:
        """Whose text a search may look into: a case with personal information only for
        those who may reveal it (authz CASE_REVEAL_PII: officers and admins of its
        department), or a search would confirm a guessed number."""
        revealers = authz.departments_where(self.user, authz.OFFICER_ROLES)
        if revealers is None:
            return Q()
        return Q(pii_kinds=[]) | Q(department_id__in=revealers)


def cases_visible_to(*, user: User) -> QuerySet[Case]:
    """Every case `user` may read (authz CASE_VIEW), unfiltered and unordered (for
    lookups by id)."""
    visible = authz.cases_visible_q(user)
    cases = Case.objects.all()
    return cases if visible is None else cases.filter(visible)


def cases_for(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Case]:
    """The inbox: cases of the departments where `user` holds any role, newest first.

    `filters` are query parameters (see CaseFilter); invalid ones are ignored. The
    ordering (-received_at, -id) matches the (department, state, -received_at, -id)
    index, so a page of a filtered inbox reads only that page's rows.
    """
    department_ids = authz.departments_where(user)
    cases = Case.objects.select_related("owner", "account", "department").prefetch_related("topics")
    if department_ids is not None:
        cases = cases.filter(department_id__in=department_ids)
    cases = cases.order_by("-received_at", "-id")
    if filters:
        cases = CaseFilter(filters, queryset=cases, user=user).qs
    return cases


# --- the answer library -----------------------------------------------------------------


class LibraryFilter(django_filters.FilterSet):
    q = SearchFilter(method="filter_q", label=_("words in the title or the answer"))
    topic = SearchFilter(method="filter_topic", label=_("topic (short name)"))
    language = django_filters.ChoiceFilter(
        choices=Language.choices,
        method="filter_language",
        label=_("language the answer is read in"),
    )

    class Meta:
        model = LibraryAnswer
        fields: list[str] = []

    def filter_topic(
        self, queryset: QuerySet[LibraryAnswer], name: str, value: str
    ) -> QuerySet[LibraryAnswer]:
        return queryset.filter(topic__slug=value) if value else queryset

    def filter_language(
        self, queryset: QuerySet[LibraryAnswer], name: str, value: str
    ) -> QuerySet[LibraryAnswer]:
        # Every answer has both languages; the language only narrows the search (q).
        return queryset

    def filter_q(
        self, queryset: QuerySet[LibraryAnswer], name: str, value: str
    ) -> QuerySet[LibraryAnswer]:
        value = value.strip()
        if not value:
            return queryset
        language = self.form.cleaned_data.get("language")
        fields = {
            "en": ("title_en", "text_en"),
            "fr": ("title_fr", "text_fr"),
        }.get(language or "", ("title_en", "text_en", "title_fr", "text_fr"))
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": value})
        return queryset.filter(match)


def library_answers_for(
    *, user: User, filters: Mapping[str, Any] | None = None
) -> QuerySet[LibraryAnswer]:
    """Active library answers shared with everyone or owned by `user`'s departments."""
    department_ids = authz.departments_where(user)
    answers = LibraryAnswer.objects.filter(is_active=True).select_related("topic")
    if department_ids is not None:
        answers = answers.filter(Q(department__isnull=True) | Q(department_id__in=department_ids))
    answers = answers.order_by("title_en", "id")
    if filters:
        answers = LibraryFilter(filters, queryset=answers).qs
    return answers


def topics_for(*, user: User) -> QuerySet[Topic]:
    """Topics a case of `user`'s departments can be tagged with."""
    department_ids = authz.departments_where(user)
    topics = Topic.objects.select_related("department").order_by("slug")
    if department_ids is not None:
        topics = topics.filter(Q(department__isnull=True) | Q(department_id__in=department_ids))
    return topics
