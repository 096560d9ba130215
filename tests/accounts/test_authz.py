"""The authorization module: roles are held per department, a department admin
administers only theirs, a site admin all; Django's has_perm agrees with it."""

from __future__ import annotations

import pytest

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import Membership, Role
from responder.testing.factories import (
    CaseFactory,
    DepartmentFactory,
    PlatformAccountFactory,
    person,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two() -> dict[str, object]:
    a = DepartmentFactory(name="Passports", slug="a")
    b = DepartmentFactory(name="Taxes", slug="b")
    case_a = CaseFactory(account=PlatformAccountFactory(department=a), department=a)
    case_b = CaseFactory(account=PlatformAccountFactory(department=b), department=b)
    return {
        "a": a,
        "b": b,
        "case_a": case_a,
        "case_b": case_b,
        "officer_a": person(Role.OFFICER, a, username="oa"),
        "sme_a": person(Role.SME, a, username="sa"),
        "admin_a": person(Role.ADMIN, a, username="aa"),
        "admin_b": person(Role.ADMIN, b, username="ab"),
    }


def test_roles_are_held_per_department(two: dict) -> None:
    assert authz.may(two["officer_a"], Action.CASE_WORK, two["case_a"])
    assert not authz.may(two["officer_a"], Action.CASE_WORK, two["case_b"])
    assert not authz.may(two["officer_a"], Action.CASE_VIEW, two["case_b"])
    assert not authz.may(two["sme_a"], Action.CASE_WORK, two["case_a"])
    assert authz.may(two["sme_a"], Action.CASE_VIEW, two["case_a"])


def test_a_persons_roles_are_read_once_and_again_after_any_change(
    two: dict, django_assert_num_queries
) -> None:
    """A page asks several questions of one person: their roles are read once, yet a
    role removed or given is seen at the next question."""
    officer = two["officer_a"]
    assert authz.may(officer, Action.CASE_WORK, two["case_a"])
    with django_assert_num_queries(0):
        assert authz.departments_where(officer) == {two["a"].pk}
        assert authz.held_roles(officer) == {Role.OFFICER}
        assert not authz.may(officer, Action.DEPARTMENT_ADMIN, two["a"])
    Membership.objects.filter(user=officer).delete()
    assert not authz.may(officer, Action.CASE_WORK, two["case_a"])
    assert authz.departments_where(officer) == set()
    Membership.objects.create(user=officer, department=two["b"], role=Role.ADMIN)
    assert authz.may(officer, Action.DEPARTMENT_ADMIN, two["b"])
    assert authz.admin_departments(officer) == {two["b"].pk}
    assert not authz.may(officer, Action.CASE_WORK, two["case_a"])


def test_a_department_admin_administers_only_their_department(two: dict) -> None:
    admin_b = two["admin_b"]
    assert authz.may(admin_b, Action.DEPARTMENT_ADMIN, two["b"])
    assert not authz.may(admin_b, Action.DEPARTMENT_ADMIN, two["a"])
    assert not authz.may(admin_b, Action.ANALYTICS_VIEW, two["a"].pk)
    assert not authz.may(admin_b, Action.POLICY_MANAGE, None)  # site-wide
    assert not authz.may(admin_b, Action.CASE_VIEW, two["case_a"])
    assert authz.admin_departments(admin_b) == {two["b"].pk}


def test_a_site_admin_administers_everything(two: dict) -> None:
    site = person(Role.OFFICER, two["a"], username="site")
    Membership.objects.filter(user=site).delete()
    assert not authz.may(site, Action.POLICY_MANAGE, None)
    site.site_admin = True
    site.save()
    assert authz.may(site, Action.POLICY_MANAGE, None)
    assert authz.may(site, Action.CASE_VIEW, two["case_b"])
    assert authz.departments_where(site) is None


def test_deactivated_people_may_nothing(two: dict) -> None:
    admin_a = two["admin_a"]
    admin_a.is_active = False
    admin_a.save()
    assert not authz.may(admin_a, Action.DEPARTMENT_ADMIN, two["a"])
    assert authz.departments_where(admin_a) == set()


def test_django_has_perm_agrees(two: dict) -> None:
    assert two["admin_a"].has_perm("responder.department_admin", two["a"])
    assert not two["admin_b"].has_perm("responder.department_admin", two["a"])
    assert not two["officer_a"].has_perm("responder.case_view", two["case_b"])
