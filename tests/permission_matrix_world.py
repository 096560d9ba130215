"""The data set of the permission matrix (tests/test_permission_matrix.py): departments
A and B, the principals, and objects of each department in every state a row needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token

from responder.accounts.models import (
    Department,
    Holiday,
    Membership,
    ProviderGroupRole,
    Role,
    User,
)
from responder.audit.models import AuditEvent
from responder.campaigns.models import Campaign, CampaignSettings
from responder.channels.models import AfterHoursNotice, IngestError
from responder.inbox import services as inbox
from responder.inbox.incoming_models import ResponseTarget
from responder.inbox.models import Case, CaseState, SavedView
from responder.inbox.notification_models import Notification
from responder.testing.factories import (
    CaseFactory,
    DepartmentFactory,
    LibraryAnswerFactory,
    PlatformAccountFactory,
    PolicyFactory,
    TopicFactory,
    UserFactory,
    layer,
    rule,
)
from workflows import submission
from workflows.models import (
    ApprovalPolicy,
    ApprovalStep,
    Consultation,
    Decision,
    PolicyRevision,
    StepStatus,
)
from workflows.services import approval_decide
from workflows.tokens import review_token_make

ROLES = {"officer": Role.OFFICER, "SME": Role.SME, "approver": Role.APPROVER, "admin": Role.ADMIN}


@dataclass
class World:
    users: dict[str, User | None] = field(default_factory=dict)
    # The objects rows name ("case new", "step", ...) by department.
    objects: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Django admin objects by "app.model" and department.
    admin_objects: dict[tuple[str, str], Any] = field(default_factory=dict)
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)


def _policy_for(department: Department) -> ApprovalPolicy:
    # A policy of the department once policies have one (issue #11), else site-wide.
    fields = {f.name for f in ApprovalPolicy._meta.get_fields()}
    extra = {"department": department} if "department" in fields else {}
    policy = PolicyFactory(name=f"New answer ({department.slug})", **extra)
    layer(policy, 1, Role.SME, name="Subject-matter expert")
    return policy


def _drafted(case: Case, officer: User) -> Case:
    inbox.case_claim(case_id=case.pk, actor=officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=officer, via="web", text="Ten business days.")
    return case


def _cases(world: World, d: str, account: Any, removed: User | None) -> None:
    """A case of the department in each state the rows need, and an open step."""
    officer, sme = world.users[f"officer {d}"], world.users[f"SME {d}"]
    assert officer is not None and sme is not None

    def case(**kwargs: Any) -> Case:
        return CaseFactory(account=account, department=account.department, **kwargs)

    new, drafting, in_review = case(), case(), case()
    # Built in their state (a constructor may set it; only transitions change it).
    closed = case(state=CaseState.CLOSED, close_reason="spam")
    failed = case(state=CaseState.POST_FAILED, owner=officer)
    _drafted(drafting, officer)
    submission.draft_submit(case_id=_drafted(in_review, officer).pk, actor=officer, via="web")
    step = ApprovalStep.objects.get(case=in_review, status=StepStatus.OPEN)
    # The step's reviewers: the department's SME, and (in A) the SME removed later.
    step.reviewers.set([sme, *([removed] if removed else [])])
    world.objects.update(
        {
            ("case new", d): new,
            ("case drafting", d): drafting,
            ("case in review", d): in_review,
            ("case closed", d): closed,
            ("case post failed", d): failed,
            ("step", d): step,
        }
    )
    world.tokens[("link", d)] = review_token_make(step_id=step.pk, user_id=sme.pk)
    _held(world, d, case(), officer, sme)
    if removed is not None:
        world.tokens[("link of removed SME", d)] = review_token_make(
            step_id=step.pk, user_id=removed.pk
        )


def _held(world: World, d: str, held: Case, officer: User, sme: User) -> None:
    """A reply its SME approved, waiting out the department's undo hold (an hour, so
    that the whole run sees it held), and that SME's link to the step."""
    department = Department.objects.filter(pk=held.department_id)
    department.update(undo_hold_seconds=3600)
    submission.draft_submit(case_id=_drafted(held, officer).pk, actor=officer, via="web")
    step = ApprovalStep.objects.get(case=held, status=StepStatus.OPEN)
    step.reviewers.set([sme])
    approval_decide(step_id=step.pk, reviewer=sme, decision=Decision.APPROVE, via="web")
    department.update(undo_hold_seconds=0)
    world.objects[("case held", d)] = held
    world.tokens[("held link", d)] = review_token_make(step_id=step.pk, user_id=sme.pk)


def _department(world: World, d: str, department: Department, removed: User | None) -> None:
    users = world.users
    officer = users[f"officer {d}"]
    account = PlatformAccountFactory(department=department, handle=f"office{d.lower()}")
    topic = TopicFactory(department=department, slug=f"renewals-{d.lower()}")
    answer = LibraryAnswerFactory(
        department=department, topic=topic, approved_by=users[f"admin {d}"]
    )
    policy = _policy_for(department)
    routing = rule(policy, 100, department=department, name=f"Everything of {d}")
    _cases(world, d, account, removed)
    in_review = world.objects[("case in review", d)]
    world.objects.update(
        {
            ("answer", d): answer,
            ("topic", d): topic,
            ("policy", d): policy,
            ("consultation", d): Consultation.objects.create(
                case=in_review,
                requested_by=officer,
                expert=users[f"SME {'B' if d == 'A' else 'A'}"],
                question="Does this apply abroad?",
            ),
            ("saved view", d): SavedView.objects.create(
                user=officer, name=f"Mine {d}", query="mine=1"
            ),
            ("department", d): department,
            ("person", d): officer,
            ("notification", d): Notification.objects.create(
                recipient=officer, kind="assigned", case=in_review
            ),
        }
    )
    incoming_rule = apps.all_models["inbox"].get("incomingrule")  # issue #11 item 6
    if incoming_rule is not None:
        world.objects[("incoming rule", d)] = incoming_rule.objects.create(
            department=department, name=f"Stolen passports {d}"
        )
    campaign = Campaign.objects.create(
        name_en=f"Renew online {d}",
        name_fr=f"Renouveler en ligne {d}",
        hashtags=f"renew{d.lower()}",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        owner=officer,
        department=department,
    )
    campaign.accounts.set([account])
    world.objects[("campaign", d)] = campaign
    world.admin_objects.update(
        {
            ("campaigns.campaign", d): campaign,
            ("campaigns.campaignsettings", d): CampaignSettings.objects.create(
                department=department
            ),
            ("accounts.user", d): officer,
            ("accounts.holiday", d): Holiday.objects.create(
                department=department, date=dt.date(2026, 12, 25), name="Noël"
            ),
            ("accounts.department", d): department,
            ("accounts.providergrouprole", d): ProviderGroupRole.objects.create(
                group=f"matrix-staff-{d}", department=department, role=Role.OFFICER
            ),
            ("channels.platformaccount", d): account,
            ("channels.ingesterror", d): IngestError.objects.create(account=account, error="x"),
            ("inbox.topic", d): topic,
            ("inbox.libraryanswer", d): answer,
            ("inbox.responsetarget", d): ResponseTarget.objects.create(
                department=department, priority="urgent", minutes=60
            ),
            ("channels.afterhoursnotice", d): AfterHoursNotice.objects.create(
                department=department, text_en="We are closed.", text_fr="Nous sommes fermés."
            ),
            ("inbox.case", d): in_review,
            ("workflows.approvalpolicy", d): policy,
            ("workflows.routingrule", d): routing,
            ("workflows.approvalstep", d): world.objects[("step", d)],
            ("workflows.policyrevision", d): PolicyRevision.objects.create(
                policy=policy, policy_name=policy.name, version=1, action="create"
            ),
            ("authtoken.tokenproxy", d): Token.objects.create(user=officer).user,
            ("audit.auditevent", d): AuditEvent.objects.filter(case=in_review).order_by("pk")[0],
            ("auth.group", d): Group.objects.get_or_create(name="Matrix group")[0],
        }
    )


def build_world() -> World:
    world = World()
    departments = {
        "A": DepartmentFactory(name="Passport Office", slug="passports"),
        "B": DepartmentFactory(name="Taxes", slug="taxes"),
    }
    world.users["anonymous"] = None
    for d, department in departments.items():
        for label, role in ROLES.items():
            world.users[f"{label} {d}"] = UserFactory(
                username=f"{label.lower()}-{d.lower()}", roles=[(role, department)]
            )
    world.users["site admin"] = UserFactory(username="site-admin", site_admin=True)
    removed = UserFactory(username="removed-sme", roles=[(Role.SME, departments["A"])])
    world.users["removed SME"] = removed
    world.users["deactivated"] = UserFactory(
        username="deactivated", roles=[(Role.OFFICER, departments["A"])]
    )
    _department(world, "A", departments["A"], removed)
    _department(world, "B", departments["B"], None)
    # The removed SME's membership goes, their step (and emailed link) stay; the
    # deactivated officer keeps their membership but can no longer sign in.
    Membership.objects.filter(user=removed).delete()
    User.objects.filter(username="deactivated").update(is_active=False)
    return world
