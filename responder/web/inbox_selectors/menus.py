"""What the inbox's menus offer, cached: the accounts, topics and officers of the
filter and bulk forms, and the user's saved views."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Q

from responder.accounts import authz
from responder.accounts.models import Department, Role, User
from responder.channels.models import PlatformAccount
from responder.inbox.models import SavedView, Topic
from responder.localized_names import localized


@dataclass
class InboxOptions:
    """Choices for the filter and bulk forms, scoped to the user's departments."""

    accounts: list[tuple[int, str]] = field(default_factory=list)
    account_names: dict[int, str] = field(default_factory=dict)
    topics: list[tuple[int, str]] = field(default_factory=list)
    officers: list[tuple[int, str]] = field(default_factory=list)


# The menus change rarely (an admin adds an account, a topic or an officer); a
# minute of staleness saves three queries on every inbox page.
OPTIONS_CACHE_SECONDS = 60


def inbox_options(*, department_ids: list[int] | None, language: str = "en") -> InboxOptions:
    """Accounts, topics and officers for the filter and bulk-assign menus (cached for
    OPTIONS_CACHE_SECONDS per set of departments and language)."""
    scope = "all" if department_ids is None else ",".join(map(str, sorted(department_ids)))
    key = f"inbox:options:v1:{language}:{scope}"
    cached = cache.get(key)
    if isinstance(cached, InboxOptions):
        return cached
    options = _inbox_options(department_ids=department_ids, language=language)
    cache.set(key, options, OPTIONS_CACHE_SECONDS)
    return options


def _inbox_options(*, department_ids: list[int] | None, language: str) -> InboxOptions:

    # Only the columns shown: the credentials columns are encrypted and costly to read.
    accounts = PlatformAccount.objects.only("id", "name", "handle", "platform")
    topics = Topic.objects.order_by("slug")
    officers = User.objects.filter(is_active=True, memberships__role__in=[Role.OFFICER, Role.ADMIN])
    if department_ids is not None:
        accounts = accounts.filter(department_id__in=department_ids)
        topics = topics.filter(Q(department_id__in=department_ids) | Q(department__isnull=True))
        officers = officers.filter(memberships__department_id__in=department_ids)
    account_list = list(accounts)
    people = officers.distinct().order_by("first_name", "username")
    officer_list = [
        (pk, f"{first} {last}".strip() or username)
        for pk, first, last, username in people.values_list(
            "pk", "first_name", "last_name", "username"
        )
    ]
    return InboxOptions(
        accounts=[
            (a.pk, f"{a.name} (@{a.handle}, {a.get_platform_display()})") for a in account_list
        ],
        account_names={a.pk: a.name for a in account_list},
        topics=[
            (pk, fr if language == "fr" else en)
            for pk, en, fr in topics.values_list("pk", "name_en", "name_fr")
        ],
        officers=officer_list,
    )


@dataclass(frozen=True)
class SavedViewLink:
    pk: int
    name: str
    query: str
    name_fr: str = ""
    department_id: int | None = None

    @property
    def localized_name(self) -> str:
        return localized(self.name, self.name_fr)


SAVED_VIEWS_CACHE_SECONDS = 600


def _saved_views_key(user_id: int) -> str:
    return f"inbox:saved-views:v2:{user_id}"


def saved_views_for(*, user: User) -> list[SavedViewLink]:
    """The user's saved views, by name. Read on every inbox page, so cached until one
    of them changes (saved_views_forget, called whenever a SavedView row is written)."""
    key = _saved_views_key(user.pk)
    cached = cache.get(key)
    if isinstance(cached, list):
        return cached
    views = [
        SavedViewLink(pk, name, query, name_fr)
        for pk, name, query, name_fr in SavedView.objects.filter(
            user=user, department__isnull=True
        ).values_list("pk", "name", "query", "name_fr")
    ]
    cache.set(key, views, SAVED_VIEWS_CACHE_SECONDS)
    return views


def _shared_views_key(department_id: int) -> str:
    return f"inbox:shared-views:v1:{department_id}"


def shared_views_for(*, department_ids: list[int] | None) -> list[SavedViewLink]:
    """Views department admins shared with these departments (None: every
    department, for a site admin), by name; cached per department until one changes."""
    rows = SavedView.objects.filter(department__isnull=False)
    if department_ids is None:
        return _view_links(rows)
    keys = {_shared_views_key(pk): pk for pk in department_ids}
    found = cache.get_many(list(keys))
    views: list[SavedViewLink] = []
    for key, department_id in keys.items():
        links = found.get(key)
        if not isinstance(links, list):
            links = _view_links(rows.filter(department_id=department_id))
            cache.set(key, links, SAVED_VIEWS_CACHE_SECONDS)
        views.extend(links)
    return sorted(views, key=lambda view: view.localized_name.casefold())


def _view_links(rows: Any) -> list[SavedViewLink]:
    return [
        SavedViewLink(pk, name, query, name_fr, department_id)
        for pk, name, query, name_fr, department_id in rows.values_list(
            "pk", "name", "query", "name_fr", "department_id"
        )
    ]


def saved_views_forget(*, user_id: int, department_id: int | None = None) -> None:
    cache.delete(_saved_views_key(user_id))
    if department_id is not None:
        cache.delete(_shared_views_key(department_id))


def share_departments(*, user: User) -> list[tuple[int, str]]:
    """The departments `user` may share an inbox view with (those they administer)."""
    administered = authz.admin_departments(user)
    departments = Department.objects.order_by("name")
    if administered is not None:
        departments = departments.filter(pk__in=administered)
    return list(departments.values_list("pk", "name"))
