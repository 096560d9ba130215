"""What the inbox's menus offer, cached: the accounts, topics and officers of the
filter and bulk forms, and the user's saved views."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q

from responder.accounts.models import Role, User
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
        for pk, name, query, name_fr in SavedView.objects.filter(user=user).values_list(
            "pk", "name", "query", "name_fr"
        )
    ]
    cache.set(key, views, SAVED_VIEWS_CACHE_SECONDS)
    return views


def saved_views_forget(*, user_id: int) -> None:
    cache.delete(_saved_views_key(user_id))
