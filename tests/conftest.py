from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import translation

from responder.accounts.models import Department, Role, User
from responder.inbox.models import Case, Risk
from responder.testing.factories import (
    CaseFactory,
    DepartmentFactory,
    LibraryAnswerFactory,
    PlatformAccountFactory,
    PolicyFactory,
    answer_from_library,
    layer,
    person,
    rule,
)
from tests.sim import mastodon_account, simulator  # noqa: F401


@dataclass
class Team:
    """A department with the standard policies: zero layers for an unchanged library
    answer, SME then director for sensitive cases, one SME for anything else."""

    department: Department
    officer: User
    officer2: User
    sme: User
    sme2: User
    director: User
    admin: User
    outsider: User
    account: object
    answer: object

    def case(self, **kwargs: object) -> Case:
        return CaseFactory(account=self.account, department=self.department, **kwargs)

    def sensitive_case(self, **kwargs: object) -> Case:
        return self.case(risk=Risk.SENSITIVE, **kwargs)

    def answer_from_library(self, case: Case) -> None:
        answer_from_library(self, case)


@pytest.fixture
def team(db: None) -> Team:
    department = DepartmentFactory(name="Passport Office", slug="passports")
    other = DepartmentFactory(name="Taxes", slug="taxes")
    zero = PolicyFactory(name="Pre-approved answer")
    one = PolicyFactory(name="New answer")
    two = PolicyFactory(name="Sensitive answer")
    layer(one, 1, Role.SME, name="Subject-matter expert")
    layer(two, 1, Role.SME, name="Subject-matter expert")
    layer(two, 2, Role.APPROVER, name="Director")
    rule(zero, 10, library_unchanged=True, name="Unchanged library answer")
    rule(two, 20, risk=Risk.SENSITIVE, name="Sensitive")
    rule(one, 100, name="Everything else")
    admin = person(Role.ADMIN, department, username="admin")
    return Team(
        department=department,
        officer=person(Role.OFFICER, department, username="olivia"),
        officer2=person(Role.OFFICER, department, username="omar"),
        sme=person(Role.SME, department, username="sam"),
        sme2=person(Role.SME, department, username="sophie"),
        director=person(Role.APPROVER, department, username="diane"),
        admin=admin,
        outsider=person(Role.OFFICER, other, username="ted"),
        account=PlatformAccountFactory(department=department),
        answer=LibraryAnswerFactory(approved_by=admin),
    )


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Each test starts in English: a request handled in this thread (test client,
    LocaleMiddleware) leaves its language active, which would leak into the next test."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache, as it starts with an empty database: the
    test database is made anew each run and ids start again, so a cached value keyed by
    a user's id (saved views) or a username (sign-in failures) from an earlier test or
    run would otherwise belong to somebody else."""
    from django.core.cache import cache

    cache.clear()
