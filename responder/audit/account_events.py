"""Sign-ins, sign-outs and role changes in the audit log (issue #16).

Django's authentication signals cover every way in: the sign-in page, the admin's,
OpenID Connect (responder.accounts.oidc) and the API's token endpoint (which
authenticates, so a failure there is recorded; a success there issues a token and is
not a session sign-in). A failed sign-in records the username tried and the address,
never the password. Membership receivers record every role given, changed or removed,
from the admin, a service, OpenID Connect or the shell, under the actor that
`responder.accounts.changes.people_changed_by` names (the system otherwise).

Events that concern no case name the departments they concern in
`details["department_ids"]`, so a department's audit-log export includes them
(responder.audit.export). The person who signs in or out is the event's subject, not
its actor: the actor column protects a person from deletion, and a sign-in alone must
not keep an account that is otherwise gone.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save

from responder.accounts.changes import people_change_actor
from responder.accounts.models import Membership, User
from responder.audit.models import Via
from responder.audit.services import audit_record
from responder.client_address import client_address

SIGN_IN = "auth.sign_in"
SIGN_IN_FAILED = "auth.sign_in_failed"
SIGN_OUT = "auth.sign_out"
OIDC_BACKEND = "responder.accounts.oidc.ProviderBackend"


def _via(request: Any) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return Via.API.value
    if path.startswith("/admin/"):
        return Via.ADMIN.value
    return Via.WEB.value


def _department_ids(user_id: int | None) -> list[int]:
    if user_id is None:
        return []
    return sorted(
        set(Membership.objects.filter(user_id=user_id).values_list("department_id", flat=True))
    )


def _method(user: Any) -> str:
    return "oidc" if getattr(user, "backend", "") == OIDC_BACKEND else "password"


def signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(
        action=SIGN_IN,
        via=_via(request),
        subject=user,
        details={
            "username": user.get_username(),
            "method": _method(user),
            "address": client_address(request) if request is not None else "",
            "department_ids": _department_ids(user.pk),
        },
    )


def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Only the username: Django has already masked secrets, and nothing else is kept.
    username = str(credentials.get("username") or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    audit_record(
        action=SIGN_IN_FAILED,
        via=_via(request),
        subject=user,
        details={
            "username": username,
            "address": client_address(request) if request is not None else "",
            "department_ids": _department_ids(user.pk if user else None),
        },
    )


def signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        return  # signing out without a session: nothing happened
    audit_record(
        action=SIGN_OUT,
        via=_via(request),
        subject=user,
        details={"username": user.get_username(), "department_ids": _department_ids(user.pk)},
    )


def _membership_details(instance: Membership, **extra: Any) -> dict[str, Any]:
    return {
        "person": instance.user_id,
        "username": User.objects.filter(pk=instance.user_id)
        .values_list("username", flat=True)
        .first()
        or "",
        "department_id": instance.department_id,
        "role": instance.role,
        **extra,
    }


def membership_saving(sender: Any, instance: Membership, **kwargs: Any) -> None:
    if instance.pk is None or kwargs.get("raw"):
        instance._audit_previous = None  # type: ignore[attr-defined]
        return
    instance._audit_previous = (  # type: ignore[attr-defined]
        Membership.objects.filter(pk=instance.pk).values_list("role", "department_id").first()
    )


def membership_saved(sender: Any, instance: Membership, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    who = people_change_actor()
    previous = getattr(instance, "_audit_previous", None)
    extra: dict[str, Any]
    if created or previous is None:
        action, extra = "membership.create", {"department_ids": [instance.department_id]}
    else:
        role, department_id = previous
        if (role, department_id) == (instance.role, instance.department_id):
            return
        action = "membership.update"
        extra = {
            "from": {"role": role, "department_id": department_id},
            "department_ids": sorted({department_id, instance.department_id}),
        }
    audit_record(
        action=action,
        via=who.via,
        actor=who.actor,
        subject=instance,
        details=_membership_details(instance, **extra),
    )


def membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    who = people_change_actor()
    audit_record(
        action="membership.delete",
        via=who.via,
        actor=who.actor,
        subject=instance,
        details=_membership_details(instance, department_ids=[instance.department_id]),
    )


def receivers_connect() -> None:
    uid = "audit.account_events"
    user_logged_in.connect(signed_in, dispatch_uid=f"{uid}.in")
    user_login_failed.connect(sign_in_failed, dispatch_uid=f"{uid}.failed")
    user_logged_out.connect(signed_out, dispatch_uid=f"{uid}.out")
    pre_save.connect(membership_saving, sender=Membership, dispatch_uid=f"{uid}.m_pre")
    post_save.connect(membership_saved, sender=Membership, dispatch_uid=f"{uid}.m_post")
    post_delete.connect(membership_deleted, sender=Membership, dispatch_uid=f"{uid}.m_del")
