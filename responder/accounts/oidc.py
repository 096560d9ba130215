"""Sign-in through the department's identity provider (OpenID Connect).

mozilla-django-oidc runs the authorization-code flow (state, nonce, the token
exchange, the id token's signature against the provider's JWKS); this module decides
who the person is here and which roles they hold:

- the person is the account whose username is the provider's `OIDC_USERNAME_CLAIM`
  (preferred_username by default), created at the first sign-in without a usable
  password. Superusers and site admins are never signed in this way: they are the
  break-glass accounts, with local passwords only.
- the provider's groups claim (`OIDC_GROUPS_CLAIM`) gives roles through the mapping
  admins edit in the Django admin (ProviderGroupRole). At each sign-in the person gets
  the roles their groups map to; a role the mapping could give but their groups no
  longer do is removed. Roles no mapping line could give (given by hand) are left
  alone. Removing a membership re-routes the person's pending approval steps
  (workflows.revocation, run from the membership's signals) and is audited
  (responder.audit.account_events).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from responder.accounts.changes import people_changed_by
from responder.accounts.models import Department, Membership, ProviderGroupRole, Role, User

RoleKey = tuple[int, str]  # (department id, role)


@dataclass
class RolesPlan:
    """What the mapping gives a person with some groups, and what changes for them."""

    wanted: set[RoleKey] = field(default_factory=set)
    added: set[RoleKey] = field(default_factory=set)
    removed: set[RoleKey] = field(default_factory=set)

    def describe(self, keys: set[RoleKey]) -> list[str]:
        names = dict(
            Department.objects.filter(pk__in={d for d, _ in keys}).values_list("pk", "name")
        )
        labels = dict(Role.choices)
        return sorted(f"{labels.get(role, role)} · {names.get(d, d)}" for d, role in keys)


def groups_of(claims: dict[str, Any]) -> list[str]:
    """The groups claim as a list of strings (a single string is one group)."""
    raw = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(raw, str):
        raw = [raw]
    return [str(g) for g in raw if str(g).strip()] if isinstance(raw, list) else []


def roles_for_groups(groups: list[str]) -> set[RoleKey]:
    return set(
        ProviderGroupRole.objects.filter(group__in=groups).values_list("department_id", "role")
    )


def roles_plan(*, user: User | None, groups: list[str]) -> RolesPlan:
    """What signing in with `groups` would give `user` (None: a new person); reads only.
    The admin's preview shows this."""
    wanted = roles_for_groups(groups)
    managed = set(ProviderGroupRole.objects.values_list("department_id", "role"))
    held: set[RoleKey] = set()
    if user is not None and user.pk is not None:
        held = set(Membership.objects.filter(user=user).values_list("department_id", "role"))
    return RolesPlan(wanted=wanted, added=wanted - held, removed=(held & managed) - wanted)


def provider_roles_apply(*, user: User, groups: list[str]) -> RolesPlan:
    """Give and take away `user`'s provider-managed roles to match `groups`."""
    with transaction.atomic(), people_changed_by(actor=None, via="system"):
        User.objects.select_for_update().filter(pk=user.pk).first()  # one sign-in at a time
        plan = roles_plan(user=user, groups=groups)
        for department_id, role in sorted(plan.removed):
            # One row at a time, so the signals re-route pending steps and audit.
            for membership in Membership.objects.filter(
                user=user, department_id=department_id, role=role
            ):
                membership.delete()
        for department_id, role in sorted(plan.added):
            Membership.objects.create(user=user, department_id=department_id, role=role)
    return plan


class ProviderBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """mozilla-django-oidc's backend, with our accounts and the roles mapping."""

    def _username(self, claims: dict[str, Any]) -> str:
        return str(claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("sub") or "")[:150]

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(self._username(claims))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        users = User.objects.filter(username=self._username(claims))
        if any(u.is_superuser or u.site_admin for u in users):
            # Break-glass accounts sign in with their local password only.
            raise SuspiciousOperation("A site admin cannot sign in through the provider.")
        return users

    def create_user(self, claims: dict[str, Any]) -> User:
        user = User(username=self._username(claims))
        user.set_unusable_password()
        self._copy_claims(user, claims)
        user.save()
        provider_roles_apply(user=user, groups=groups_of(claims))
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        if self._copy_claims(user, claims):
            user.save(update_fields=["first_name", "last_name", "email"])
        provider_roles_apply(user=user, groups=groups_of(claims))
        return user

    @staticmethod
    def _copy_claims(user: User, claims: dict[str, Any]) -> bool:
        values = {
            "first_name": str(claims.get("given_name") or user.first_name)[:150],
            "last_name": str(claims.get("family_name") or user.last_name)[:150],
            "email": str(claims.get("email") or user.email)[:254],
        }
        changed = any(getattr(user, k) != v for k, v in values.items())
        for key, value in values.items():
            setattr(user, key, value)
        return changed
