"""Who may see, do and administer what, in which department: the one place that answers.

Every page, API view, emailed link, admin action, export and Celery task asks here;
`docs/PERMISSIONS.md` is this module in words, and `tests/test_permission_matrix.py`
holds every URL to it.

Principals:
- a *site admin*: a superuser, or a person with `User.site_admin` set. Site-wide
  policies, shared library answers and topics, and every department are theirs.
- a person with roles held **per department** (Membership): officer, subject-matter
  expert (sme), approver, department admin. A department admin administers only their
  department (its policies, rules, library, topics, people, accounts, analytics,
  exports, records) and may do an officer's work there; a role in department A gives
  nothing in department B.
- anyone else (anonymous, deactivated): nothing.

Objects are passed in as they are (a case, an approval step, a library answer, a
topic, a policy, a department or a department id); this module reads only their
department and, for steps, their reviewers, so it sits at the bottom of the layers and
imports nothing above accounts. The same rules are registered with the `rules`
package, so `user.has_perm("responder.case_view", case)` and Django's admin agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import rules
from django.apps import apps
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from responder.accounts.models import Department, Membership, Role
from responder.errors import PermissionDenied

# Roles that may sit in an approval layer (named reviewer, role holder or delegate).
REVIEWING_ROLES = frozenset({Role.SME, Role.APPROVER, Role.ADMIN})
OFFICER_ROLES = frozenset({Role.OFFICER, Role.ADMIN})
ALL_ROLES = frozenset(Role.values)


class Action(StrEnum):
    """What a person may want to do. The object each takes is in brackets."""

    CASE_VIEW = "case_view"  # read a case, its thread, drafts and history [case]
    CASE_WORK = "case_work"  # an officer's work: claim, draft, submit, close, tag, consult [case]
    CASE_SUPERVISE = "case_supervise"  # take over from or assign to another officer [case]
    CASE_REVEAL_PII = "case_reveal_pii"  # see a case's text unmasked, for a reason [case]
    CASE_REDACT_PII = "case_redact_pii"  # remove personal information from the stored text [case]
    STEP_VIEW = "step_view"  # read an approval step [step]
    STEP_DECIDE = "step_decide"  # approve, edit and approve, request changes [step]
    LIBRARY_USE = "library_use"  # read and use a library answer in a reply [answer]
    LIBRARY_MANAGE = "library_manage"  # write, approve, promote, renew [answer | department]
    TOPIC_USE = "topic_use"  # tag a case with a topic [topic]
    POLICY_MANAGE = "policy_manage"  # policies, layers, rules [policy | department | None]
    DEPARTMENT_ADMIN = "department_admin"  # people, accounts, topics, settings [department]
    ANALYTICS_VIEW = "analytics_view"  # dashboard, exports, records [department | None]
    CASE_LEGAL_HOLD = "case_legal_hold"  # set or lift a legal hold on a case [case]
    AUDIT_EXPORT = "audit_export"  # export the audit log of a department [department | None]
    SITE_ADMIN = "site_admin"  # site-wide settings, every department [None]
    CAMPAIGN_VIEW = "campaign_view"  # a campaign's page, calendar, community, figures [campaign]
    CAMPAIGN_WORK = "campaign_work"  # compose posts, boost, favourite, mark, ignore [campaign]


# --- who holds what ------------------------------------------------------------------


def is_active_person(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_site_admin(user: Any) -> bool:
    """A superuser, or a person given the site-admin role."""
    return is_active_person(user) and bool(user.is_superuser or getattr(user, "site_admin", False))


def department_id_of(obj: Any) -> int | None:
    """The department an object belongs to (None: site-wide, or no object)."""
    if obj is None:
        return None
    if isinstance(obj, int):
        return obj
    if isinstance(obj, Department):
        return obj.pk
    if hasattr(obj, "department_id"):
        return obj.department_id
    case = getattr(obj, "case", None)  # an approval step, a consultation, a draft
    if case is not None:
        return case.department_id
    raise TypeError(f"authz: cannot tell the department of {type(obj).__name__}")


# Replaced whenever a Membership is saved or deleted in this process (the receivers
# below): memberships read before that are read again. A new object each time, never
# equal to a token carried in from elsewhere (a pickled user, another process).
_membership_token = [object()]


def _membership_written(**_kwargs: Any) -> None:
    _membership_token[0] = object()


post_save.connect(_membership_written, sender=Membership, dispatch_uid="authz.membership_saved")
post_delete.connect(_membership_written, sender=Membership, dispatch_uid="authz.membership_gone")


def memberships(user: Any) -> frozenset[tuple[int, str]]:
    """(department id, role) of each membership `user` holds. Read once per user object
    (a request's person) and again only after a membership changed: a page asks
    several of the questions below, and each used to cost a query."""
    token = _membership_token[0]
    memo = getattr(user, "_authz_memberships", None)
    if memo is not None and memo[0] is token:
        return memo[1]
    held = frozenset(
        Membership.objects.filter(user_id=user.pk).values_list("department_id", "role")
    )
    user._authz_memberships = (token, held)
    return held


def roles_in(user: Any, department_id: int | None) -> set[str]:
    """The roles `user` holds in one department (all of them for a site admin)."""
    if not is_active_person(user) or department_id is None:
        return set()
    if is_site_admin(user):
        return set(ALL_ROLES)
    return {role for department, role in memberships(user) if department == department_id}


def has_role(user: Any, roles: Iterable[str], department: Any) -> bool:
    """True if `user` holds one of `roles` in the department of `department` (an
    object, a department or its id). A department admin holds every role there."""
    held = roles_in(user, department_id_of(department))
    return bool(held & (set(roles) | {Role.ADMIN}))


def departments_where(user: Any, roles: Iterable[str] | None = None) -> set[int] | None:
    """The departments where `user` holds one of `roles` (any role if None; a
    department admin counts for every role). None means every department (site admin)."""
    if not is_active_person(user):
        return set()
    if is_site_admin(user):
        return None
    wanted = None if roles is None else set(roles) | {Role.ADMIN}
    return {
        department for department, role in memberships(user) if wanted is None or role in wanted
    }


def admin_departments(user: Any) -> set[int] | None:
    """The departments `user` administers; None means all (site admin)."""
    return departments_where(user, roles=(Role.ADMIN,))


def holds_reviewing_role(user: Any, department: Any) -> bool:
    return has_role(user, REVIEWING_ROLES, department)


def held_roles(user: Any) -> set[str]:
    """Every role `user` holds in any department (all of them for a site admin): what
    the header's navigation offers, not what may be done on one object."""
    if not is_active_person(user):
        return set()
    if is_site_admin(user):
        return set(ALL_ROLES)
    return {role for _department, role in memberships(user)}


def with_reviewing_role(people: Iterable[Any], department: Any) -> list[Any]:
    """Those of `people` (in their order) who may sit in an approval layer of
    `department`: active, and holding a reviewing role there (or site admins). One
    query, for copying a layer's reviewers and delegate onto a step."""
    people = [p for p in people if is_active_person(p)]
    department_id = department_id_of(department)
    if not people or department_id is None:
        return []
    qualified = set(
        Membership.objects.filter(
            user_id__in=[p.pk for p in people],
            department_id=department_id,
            role__in=REVIEWING_ROLES,
        ).values_list("user_id", flat=True)
    )
    return [p for p in people if p.pk in qualified or is_site_admin(p)]


def may_use_for_case(user: Any, action: Action | str, obj: Any, *, case: Any) -> bool:
    """May `user` use `obj` (a library answer: LIBRARY_USE, a topic: TOPIC_USE) on
    `case`? Only an object shared with every department or of the case's own
    department, even for a person who holds roles in several."""
    department_id = department_id_of(obj)
    if department_id is not None and department_id != case.department_id:
        return False
    return may(user, action, obj)


# --- the rules -------------------------------------------------------------------------


def _case_view(user: Any, case: Any) -> bool:
    if has_role(user, ALL_ROLES, case):
        return True
    if not is_active_person(user):
        return False
    # A reviewer asked to decide one of its steps (named reviewers must hold a
    # reviewing role in the case's department), or a delegate once a step escalated.
    steps = case.approval_steps.filter(
        Q(reviewers=user) | Q(delegate_id=user.pk, escalated_at__isnull=False)
    )
    return bool(steps.exists() and holds_reviewing_role(user, case))


def _step_decide(user: Any, step: Any) -> bool:
    if not is_active_person(user):
        return False
    named = step.reviewers.filter(pk=user.pk).exists()
    delegated = step.escalated_at is not None and step.delegate_id == user.pk
    return (named or delegated) and holds_reviewing_role(user, step.case)


def _library_use(user: Any, answer: Any) -> bool:
    if answer.department_id is None:
        return is_active_person(user)
    return has_role(user, ALL_ROLES, answer)


def _shared_or_department_admin(user: Any, obj: Any) -> bool:
    department_id = department_id_of(obj)
    if department_id is None:
        return is_site_admin(user)
    return has_role(user, (Role.ADMIN,), department_id)


def _analytics_view(user: Any, obj: Any) -> bool:
    department_id = department_id_of(obj)
    if department_id is None:  # the dashboard: each sees the departments they administer
        return is_site_admin(user) or bool(admin_departments(user))
    return has_role(user, (Role.ADMIN,), department_id)


def _department_admin(user: Any, obj: Any) -> bool:
    department_id = department_id_of(obj)
    if department_id is None:
        return is_site_admin(user)
    return has_role(user, (Role.ADMIN,), department_id)


_RULES: dict[Action, Any] = {
    Action.CASE_VIEW: _case_view,
    Action.CASE_WORK: lambda user, case: has_role(user, OFFICER_ROLES, case),
    Action.CASE_SUPERVISE: lambda user, case: has_role(user, (Role.ADMIN,), case),
    # Officers and admins of the case's department; reviewers and experts see it masked.
    Action.CASE_REVEAL_PII: lambda user, case: has_role(user, OFFICER_ROLES, case),
    Action.CASE_REDACT_PII: lambda user, case: has_role(user, OFFICER_ROLES, case),
    Action.STEP_VIEW: lambda user, step: _case_view(user, step.case),
    Action.STEP_DECIDE: _step_decide,
    Action.LIBRARY_USE: _library_use,
    Action.LIBRARY_MANAGE: _shared_or_department_admin,
    Action.TOPIC_USE: _library_use,
    Action.POLICY_MANAGE: _shared_or_department_admin,
    Action.DEPARTMENT_ADMIN: _department_admin,
    Action.ANALYTICS_VIEW: _analytics_view,
    # Records: a department's admins (the records officers of a department).
    Action.CASE_LEGAL_HOLD: lambda user, case: has_role(user, (Role.ADMIN,), case),
    Action.AUDIT_EXPORT: _analytics_view,
    Action.SITE_ADMIN: lambda user, obj: is_site_admin(user),
    Action.CAMPAIGN_VIEW: lambda user, campaign: has_role(user, ALL_ROLES, campaign),
    Action.CAMPAIGN_WORK: lambda user, campaign: has_role(user, OFFICER_ROLES, campaign),
}


def may(user: Any, action: Action | str, obj: Any = None) -> bool:
    """May `user` do `action` on `obj`? See Action for the object each action takes."""
    if not is_active_person(user):
        return False
    return bool(_RULES[Action(action)](user, obj))


def require(user: Any, action: Action | str, obj: Any = None, *, message: str = "") -> None:
    """Raise PermissionDenied (answered 403, or 404 where existence must not leak)
    unless `may(user, action, obj)`."""
    if not may(user, action, obj):
        raise PermissionDenied(message or _("You may not do this here."))


def may_undo(user: Any, *, case: Any, done_by_id: int | None) -> bool:
    """May `user` undo, during the department's undo hold, what was done on `case` (a
    reply sent on its way by a submit or the last approval, or a bulk close)? The
    person who did it, while they hold a role in the case's department, or any officer
    or admin of that department."""
    if not is_active_person(user):
        return False
    if done_by_id is not None and user.pk == done_by_id and has_role(user, ALL_ROLES, case):
        return True
    return has_role(user, OFFICER_ROLES, case)


def cases_visible_q(user: Any) -> Q | None:
    """A filter on cases for `may(user, CASE_VIEW, case)`; None means every case."""
    departments = departments_where(user)
    if departments is None:
        return None
    if not is_active_person(user):
        return Q(pk__in=[])
    reviewing = departments_where(user, roles=REVIEWING_ROLES) or set()
    asked = Q(approval_steps__reviewers=user) | Q(
        approval_steps__delegate_id=user.pk, approval_steps__escalated_at__isnull=False
    )

    # By id through a subquery, so the filter never repeats a case.
    case_model = apps.get_model("inbox", "Case")
    asked_ids = case_model.objects.filter(asked, department_id__in=reviewing).values("pk")
    return Q(department_id__in=departments) | Q(pk__in=asked_ids)


# The same rules for Django's permission system (rules.permissions.ObjectPermissionBackend),
# so the admin and `user.has_perm("responder.<action>", obj)` agree with `may`.
def _predicate(action: Action) -> Any:
    def check(user: Any, obj: Any = None) -> bool:
        return may(user, action, obj)

    check.__name__ = f"may_{action.value}"
    return rules.predicate(check)


for _action in Action:
    rules.add_perm(f"responder.{_action.value}", _predicate(_action))
