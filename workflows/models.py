from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from responder.accounts.models import Department, Role
from responder.inbox.models import Platform, Risk, Topic
from responder.localized_names import BilingualName, localized


class ApprovalPolicy(BilingualName, models.Model):
    """How many approval layers a reply needs, and who sits in each."""

    name = models.CharField(_("name (English)"), max_length=120, unique=True)
    name_fr = models.CharField(
        _("name (French)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to French readers; empty: the English name is shown."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The department whose admins edit this policy; its rules route only that
    # department's cases. Empty: a site-wide policy, edited by a site admin only.
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_policies",
        verbose_name=_("department"),
        help_text=_("Empty: a site-wide policy, which only a site admin may change."),
    )
    # Bumped on every edit; steps record the version they were copied from.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")

    def __str__(self) -> str:
        return self.name


class ApprovalLayer(BilingualName, models.Model):
    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE, related_name="layers")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(
        _("name (French)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to French readers; empty: the English name is shown."),
    )
    # Reviewers are the named people, or else everyone with this role in the
    # department (the case's department unless one is given).
    reviewer_role = models.CharField(
        _("reviewer role"),
        max_length=16,
        blank=True,
        choices=[(Role.SME.value, Role.SME.label), (Role.APPROVER.value, Role.APPROVER.label)],
    )
    reviewer_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named reviewers")
    )
    approvals_required = models.PositiveSmallIntegerField(_("approvals needed"), default=1)
    sla_minutes = models.PositiveIntegerField(_("SLA (minutes)"), default=240)
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("delegate"),
    )

    class Meta:
        ordering = ["policy", "position"]
        verbose_name = _("approval layer")
        verbose_name_plural = _("approval layers")
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="layer_unique_position"),
            models.CheckConstraint(
                condition=models.Q(approvals_required__gte=1), name="layer_needs_an_approval"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.position}. {self.name}"


class RuleSubject(models.TextChoices):
    ANY = "", _("Replies and outgoing posts")
    REPLY = "reply", _("Replies only")
    OUTGOING = "outgoing", _("Outgoing posts only")


class RoutingRule(BilingualName, models.Model):
    """Matches a case and draft to a policy; the lowest priority number that matches wins.

    An empty criterion matches anything.
    """

    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(
        _("name (French)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to French readers; empty: the English name is shown."),
    )
    priority = models.PositiveIntegerField(_("priority"), default=100)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    risk = models.CharField(_("risk"), max_length=16, choices=Risk.choices, blank=True)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices, blank=True)
    library_unchanged = models.BooleanField(
        _("unchanged library answer"),
        null=True,
        blank=True,
        help_text=_("Yes: only unchanged library answers; No: only other text; empty: any."),
    )
    subject = models.CharField(
        _("applies to"), max_length=8, choices=RuleSubject.choices, blank=True, default=""
    )
    # An outgoing post of this campaign only (a string reference: the campaigns app
    # sits above workflows, which never imports it).
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("campaign"),
        help_text=_("Only outgoing posts of this campaign; empty: any."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.priority}: {self.name} → {self.policy}"


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier layer")
    OPEN = "open", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    CANCELLED = "cancelled", _("Cancelled")


class ApprovalStep(BilingualName, FSMModelMixin, models.Model):
    """One layer of approval for one submitted draft, copied from the policy at submit
    time so later policy edits do not change a case already in review."""

    case = models.ForeignKey("inbox.Case", on_delete=models.CASCADE, related_name="approval_steps")
    draft = models.ForeignKey(
        "inbox.Draft", on_delete=models.CASCADE, related_name="approval_steps"
    )
    # The n-th submission of this case; each submission gets a fresh set of steps.
    round = models.PositiveIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    # The layer's and the policy's names in English and French, copied at submit time.
    name = models.CharField(max_length=120)
    name_fr = models.CharField(max_length=120, blank=True, default="")
    policy = models.ForeignKey(
        ApprovalPolicy, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy_name = models.CharField(max_length=120)
    policy_name_fr = models.CharField(max_length=120, blank=True, default="")
    policy_version = models.PositiveIntegerField(default=1)
    layer = models.ForeignKey(
        ApprovalLayer, null=True, on_delete=models.SET_NULL, related_name="steps"
    )
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="approval_steps")
    approvals_required = models.PositiveSmallIntegerField(default=1)
    sla_minutes = models.PositiveIntegerField(default=240)
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Changed only by the transitions below, through responder.fsm.status_transition.
    status = FSMField(
        max_length=20, choices=StepStatus.choices, default=StepStatus.WAITING, protected=True
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "round", "position"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "round", "position"], name="step_unique_position"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"case #{self.case_id} round {self.round} · {self.position}. {self.name}"

    @property
    def localized_policy_name(self) -> str:
        return localized(self.policy_name, self.policy_name_fr)

    # --- transitions: call them only through workflows.services (status_transition) ---

    @transition(field=status, source=StepStatus.WAITING, target=StepStatus.OPEN)
    def open(self, *, now: dt.datetime, due_at: dt.datetime) -> None:
        self.opened_at = now
        self.due_at = due_at

    @transition(field=status, source=StepStatus.OPEN, target=StepStatus.APPROVED)
    def approve(self, *, now: dt.datetime) -> None:
        self.decided_at = now

    @transition(field=status, source=StepStatus.OPEN, target=StepStatus.CHANGES_REQUESTED)
    def request_changes(self, *, now: dt.datetime) -> None:
        self.decided_at = now

    @transition(field=status, source=StepStatus.APPROVED, target=StepStatus.OPEN)
    def undo_approve(self) -> None:
        """The approval that completed this last layer was undone within the hold."""
        self.decided_at = None

    @transition(
        field=status, source=[StepStatus.OPEN, StepStatus.WAITING], target=StepStatus.CANCELLED
    )
    def cancel(self, *, now: dt.datetime) -> None:
        self.decided_at = now


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approved")
    EDIT_APPROVE = "edit_approve", _("Edited and approved")
    REQUEST_CHANGES = "request_changes", _("Sent back with changes requested")


class StepDecision(models.Model):
    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    comment = models.TextField(blank=True)
    # The new draft version an SME wrote while approving, if any.
    edited_draft = models.ForeignKey(
        "inbox.Draft", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "reviewer"], name="decision_once_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.decision} step #{self.step_id}"


class PolicyRevision(models.Model):
    """One saved change to the approval policies or routing rules: who, when, and a
    JSON snapshot of the policy (layers and rules) as it stood after the change."""

    policy = models.ForeignKey(
        ApprovalPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    policy_name = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("policy revision")
        verbose_name_plural = _("policy revisions")

    def __str__(self) -> str:
        return f"{self.policy_name} v{self.version} ({self.action})"


class CommentVia(models.TextChoices):
    WEB = "web", _("web")
    EMAIL = "email", _("email link")


class Consultation(models.Model):
    """An officer asks an expert of another department for input on a case.

    The expert answers from an emailed link; the answer is a comment on the case,
    never an approval."""

    case = models.ForeignKey("inbox.Case", on_delete=models.CASCADE, related_name="consultations")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.TextField(_("question for the expert"))
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return f"case #{self.case_id} → {self.expert}"


class CaseComment(models.Model):
    """One message in the conversation between officers and reviewers on a case."""

    case = models.ForeignKey("inbox.Case", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    via = models.CharField(max_length=8, choices=CommentVia.choices, default=CommentVia.WEB)
    # Set when the comment answers a consultation.
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    step = models.ForeignKey(
        ApprovalStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author} on case #{self.case_id}"


class EmailNotice(models.Model):
    """One email we decided to send (an approval link, a reminder, an escalation...).

    The unique key makes each notification task safe to run twice: a notice already
    sent is not sent again. It also records who was given a link to what (never the
    link itself)."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=24)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        "inbox.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("email notice")
        verbose_name_plural = _("email notices")

    def __str__(self) -> str:
        return self.key


class StepReviewerRemoval(models.Model):
    """A person taken off an approval step because they lost the reviewing role (or were
    deactivated): their emailed links then say so (410) instead of "not for you".

    The person is a bare id on purpose: the row is also written while a person is
    being deleted, and must outlive them."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="removals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    reason = models.CharField(max_length=32)
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["removed_at", "id"]
        verbose_name = _("reviewer removed from a step")
        verbose_name_plural = _("reviewers removed from steps")
        indexes = [models.Index(fields=["step", "user"])]

    def __str__(self) -> str:
        return f"user #{self.user_id} off step #{self.step_id} ({self.reason})"
