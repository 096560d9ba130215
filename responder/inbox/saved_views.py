"""Saved inbox views: an officer's own named filters, and views a department admin
shares with everyone working in their department's inbox (names in EN and FR)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.errors import ValidationError
from responder.inbox.saved_view_models import SavedView


def _clean_name(name: str, *, required: bool = True) -> str:
    name = " ".join(name.split())
    if required and not name:
        raise ValidationError(_("Give the view a name."))
    if len(name) > 80:
        raise ValidationError(_("Keep the name under 80 characters."))
    return name


def saved_view_save(
    *,
    user: User,
    name: str,
    query: str,
    share_with: int | None = None,
    name_fr: str = "",
) -> SavedView:
    """Save (or replace) one of the user's named inbox views; with `share_with` (a
    department id), a view shared with that department, which only its admins may do."""
    name = _clean_name(name)
    name_fr = _clean_name(name_fr, required=False)
    if share_with is None:
        view, _created = SavedView.objects.update_or_create(
            user=user, name=name, department=None, defaults={"query": query[:1000]}
        )
        return view
    authz.require(
        user,
        Action.DEPARTMENT_ADMIN,
        share_with,
        message=_("Only an admin of the department may share a view with it."),
    )
    view, _created = SavedView.objects.update_or_create(
        department_id=share_with,
        name=name,
        defaults={"query": query[:1000], "name_fr": name_fr, "user": user},
    )
    return view


def saved_view_delete(*, user: User, view_id: int) -> None:
    """Delete a view: one's own, or a shared one as an admin of its department."""
    view = SavedView.objects.filter(pk=view_id).first()
    if view is None:
        raise ValidationError(_("That saved view does not exist."))
    if view.department_id is None:
        if view.user_id != user.pk:
            raise ValidationError(_("That saved view does not exist."))
    elif not authz.may(user, Action.DEPARTMENT_ADMIN, view.department_id):
        raise ValidationError(_("Only an admin of the department may remove a shared view."))
    view.delete()
