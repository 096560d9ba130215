from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, FSMField, FSMModelMixin, transition

from responder.accounts.models import Department
from responder.inbox.hashtag_models import CaseHashtag as CaseHashtag
from responder.inbox.incoming_models import (  # models of this app, re-exported
    IncomingRule as IncomingRule,
)
from responder.inbox.incoming_models import (
    IncomingRuleRevision as IncomingRuleRevision,
)
from responder.inbox.incoming_models import Priority as Priority
from responder.inbox.incoming_models import ResponseTarget as ResponseTarget
from responder.inbox.library_use_models import LibraryAnswerUse as LibraryAnswerUse
from responder.inbox.notification_models import Notification as Notification
from responder.inbox.notification_models import (
    NotificationPreference as NotificationPreference,
)
from responder.inbox.reply_text import normalize_reply_text as normalize_reply_text
from responder.inbox.saved_view_models import SavedView as SavedView

#: The inbox's sort by priority: urgent first, low last (Case.priority_rank).
PRIORITY_RANKS = [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]
#: Where a case without a deadline sorts when the inbox is sorted by deadline: last.
NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


class CaseState(models.TextChoices):
    NEW = "new", _("New")
    DRAFTING = "drafting", _("Drafting")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    POSTING = "posting", _("Posting")
    REPLIED = "replied", _("Replied")
    POST_FAILED = "post_failed", _("Post failed")
    CLOSED = "closed", _("Closed")


class Platform(models.TextChoices):
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    X = "x", "X"


class CaseLanguage(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")
    OTHER = "other", _("Other")


#: `Case.source` of an outgoing post (a campaign's post, not a reply to anyone): it
#: goes through the same checks, routing and approval steps as a reply.
OUTGOING_SOURCE = "outgoing"


class Risk(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    SENSITIVE = "sensitive", _("Sensitive")


#: Lowest first: "raise" and "lower" compare positions in this list.
RISK_ORDER = [Risk.LOW, Risk.NORMAL, Risk.SENSITIVE]


def risk_max(*risks: str) -> str:
    """The highest of the given risk values (unknown or empty ones count as lowest)."""
    rank = {r.value: i for i, r in enumerate(RISK_ORDER)}
    return max(risks, key=lambda r: rank.get(r, -1)) if risks else Risk.LOW.value


class CloseReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    NO_ANSWER_NEEDED = "no_answer_needed", _("No answer needed")
    DUPLICATE = "duplicate", _("Duplicate")
    HANDLED_ELSEWHERE = "handled_elsewhere", _("Handled elsewhere")


class Topic(models.Model):
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="topics"
    )
    # Cases tagged with a sensitive topic are routed as sensitive.
    sensitive = models.BooleanField(_("sensitive"), default=False)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name_en


class Case(FSMModelMixin, models.Model):
    """One citizen question or mention, and what we did about it."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cases")
    account = models.ForeignKey(
        "channels.PlatformAccount", on_delete=models.PROTECT, related_name="cases"
    )
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    external_id = models.CharField(_("platform id"), max_length=200)
    author_handle = models.CharField(_("author handle"), max_length=200)
    author_name = models.CharField(_("author name"), max_length=200, blank=True)
    author_external_id = models.CharField(max_length=200, blank=True)
    text = models.TextField(_("text"))
    language = models.CharField(
        _("language"), max_length=8, choices=CaseLanguage.choices, default=CaseLanguage.EN
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    visibility = models.CharField(max_length=16, blank=True, default="public")
    # Conversation threading: the platform's conversation/root id, the post this one
    # answers, and the earlier case of the same conversation if we have it.
    conversation_id = models.CharField(max_length=200, blank=True, db_index=True)
    in_reply_to_external_id = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followups"
    )
    source = models.CharField(max_length=16, default="mention")  # mention, hashtag, reply
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="cases", verbose_name=_("topics")
    )
    # The officer's risk; auto_risk is what the incoming rules set at ingest. Routing
    # takes the highest of the two and of the topics (workflows.routing.effective_risk).
    risk = models.CharField(_("risk"), max_length=16, choices=Risk.choices, default=Risk.NORMAL)
    auto_risk = models.CharField(
        _("automatic risk"), max_length=16, choices=Risk.choices, default=Risk.LOW
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    # Why the case got its topics, risk and priority at ingest, e.g.
    # [{"kind": "rule", "rule": "Stolen", "topic": "lost-stolen", "risk": "sensitive",
    #   "priority": "urgent"},
    #  {"kind": "library", "score": 0.62, "topic": "fees"}].
    classification = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_cases",
        verbose_name=_("owner"),
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    state = FSMField(
        _("state"), default=CaseState.NEW, choices=CaseState.choices, protected=True, db_index=True
    )
    # Bumped on every transition: a form or API call can say which version it saw.
    version = models.PositiveIntegerField(default=1)
    close_reason = models.CharField(
        _("close reason"), max_length=32, choices=CloseReason.choices, blank=True
    )
    close_note = models.TextField(blank=True)
    # Threading looks up which case a citizen's follow-up answers by our reply's id.
    reply_external_id = models.CharField(max_length=200, blank=True, db_index=True)
    reply_url = models.URLField(max_length=500, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # The first-response clock: when the department's target (by priority and
    # platform, in business hours) says this case must be answered; set at ingest
    # (responder/inbox/response_clock.py). The owner and the queue are reminded once.
    respond_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    respond_reminded_at = models.DateTimeField(null=True, blank=True)
    # Sort keys of the inbox's orderings, kept by PostgreSQL (stored generated
    # columns), so each ordering is one keyset range scan of its own index: the
    # deadline with "no deadline" last, and the priority as a rank (urgent first).
    deadline_key = models.GeneratedField(
        expression=Coalesce("respond_by", models.Value(NO_DEADLINE)),
        output_field=models.DateTimeField(),
        db_persist=True,
    )
    priority_rank = models.GeneratedField(
        expression=models.Case(
            *(
                models.When(priority=value, then=models.Value(rank))
                for rank, value in enumerate(PRIORITY_RANKS)
            ),
            default=models.Value(len(PRIORITY_RANKS)),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    personal_data_removed_at = models.DateTimeField(null=True, blank=True)
    # The kinds of personal information found in the text at ingest (responder.inbox.pii
    # PiiKind values), never the values; empty when none. Redaction keeps the kinds that
    # were found and records which were removed in personal_data_redactions.
    pii_kinds = models.JSONField(_("personal information"), default=list, blank=True)
    # [{"at": iso time, "by": user id, "kinds": [...], "how": "kinds" | "span"}]
    personal_data_redactions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="case_unique_per_account"
            )
        ]
        indexes = [
            models.Index(fields=["department", "state", "-received_at", "-id"]),
            models.Index(fields=["-received_at", "-id"]),
            models.Index(fields=["owner", "state"]),
            # Keyset pages of the inbox (see bench/inbox_bench.py): one department,
            # one owner or one account, newest first, at any depth.
            models.Index(fields=["department", "-received_at", "-id"], name="case_dept_recent"),
            models.Index(fields=["owner", "-received_at", "-id"], name="case_owner_recent"),
            models.Index(fields=["account", "-received_at", "-id"], name="case_account_recent"),
            # A rare language ("other" is about 1 case in 100) would otherwise walk a
            # department's newest cases until it found fifty.
            models.Index(
                fields=["department", "language", "-received_at", "-id"],
                name="case_dept_language_recent",
            ),
            # "Unassigned" (new and held by nobody): its badge and filter. Without it
            # PostgreSQL ANDs the (department, state) index with the owner index over
            # every closed case (no owner either): 8-10 ms instead of well under one.
            models.Index(
                fields=["department", "-received_at", "-id"],
                name="case_dept_unassigned",
                condition=models.Q(state="new", owner__isnull=True),
            ),
            # The inbox sorted by deadline or by priority (then oldest first), in a
            # department and in one state of it ("New" is sorted by deadline).
            models.Index(fields=["department", "deadline_key", "id"], name="case_dept_deadline"),
            models.Index(
                fields=["department", "state", "deadline_key", "id"],
                name="case_dept_state_deadline",
            ),
            models.Index(
                fields=["department", "priority_rank", "received_at", "id"],
                name="case_dept_priority",
            ),
            models.Index(
                fields=["department", "state", "priority_rank", "received_at", "id"],
                name="case_dept_state_priority",
            ),
            # The first-response clock: cases still waiting for their first answer,
            # soonest deadline first (the "due soon"/"overdue" filters and badges, the
            # reminder sweep, and the inbox sorted by deadline).
            models.Index(
                fields=["department", "respond_by", "id"],
                name="case_dept_respond_by",
                condition=models.Q(first_response_at__isnull=True, respond_by__isnull=False)
                & ~models.Q(state="closed"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} @{self.author_handle}"

    # --- transitions: call them only through responder.inbox.services ----------------
    # Permissions and locking are the services' job; conditions here are about the
    # case's own data.

    @transition(field=state, source=CaseState.NEW, target=CaseState.DRAFTING)
    def claim(self, *, user: object) -> None:
        self.owner = user  # type: ignore[assignment]
        self.claimed_at = timezone.now()

    @transition(field=state, source=CaseState.DRAFTING, target=CaseState.NEW)
    def release(self) -> None:
        self.owner = None
        self.claimed_at = None

    @transition(
        field=state,
        source=CaseState.DRAFTING,
        target=GET_STATE(
            lambda self, *, layer_count: (
                CaseState.APPROVED if layer_count == 0 else CaseState.IN_REVIEW
            ),
            states=[CaseState.APPROVED, CaseState.IN_REVIEW],
        ),
    )
    def submit(self, *, layer_count: int) -> None:
        pass

    @transition(field=state, source=CaseState.IN_REVIEW, target=CaseState.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=CaseState.IN_REVIEW, target=CaseState.DRAFTING)
    def request_changes(self) -> None:
        pass

    @transition(field=state, source=CaseState.IN_REVIEW, target=CaseState.DRAFTING)
    def withdraw(self) -> None:
        pass

    # A reply the platform refused can also end in a close (e.g. answered by hand).
    @transition(
        field=state,
        source=[CaseState.NEW, CaseState.DRAFTING, CaseState.POST_FAILED],
        target=CaseState.CLOSED,
    )
    def close(self, *, reason: str, note: str = "") -> None:
        self.close_reason = reason
        self.close_note = note
        self.owner = None

    @transition(field=state, source=CaseState.CLOSED, target=CaseState.NEW)
    def reopen(self) -> None:
        self.close_reason = ""
        self.close_note = ""

    @transition(field=state, source=CaseState.APPROVED, target=CaseState.POSTING)
    def start_posting(self) -> None:
        pass

    @transition(field=state, source=CaseState.POSTING, target=CaseState.REPLIED)
    def mark_replied(self, *, external_id: str, url: str) -> None:
        now = timezone.now()
        self.reply_external_id = external_id
        self.reply_url = url
        self.replied_at = now
        if self.first_response_at is None:
            self.first_response_at = now

    @transition(field=state, source=CaseState.POSTING, target=CaseState.POST_FAILED)
    def fail_post(self) -> None:
        pass

    @transition(field=state, source=CaseState.POST_FAILED, target=CaseState.POSTING)
    def retry(self) -> None:
        pass

    # The platform refused the reply as written: back to drafting, held by whoever
    # revises it; the new version goes through approval again.
    @transition(field=state, source=CaseState.POST_FAILED, target=CaseState.DRAFTING)
    def revise(self, *, user: object) -> None:
        self.owner = user  # type: ignore[assignment]
        self.claimed_at = timezone.now()

    # Undone within the department's hold (workflows.undo): the reply never went out.
    @transition(field=state, source=CaseState.APPROVED, target=CaseState.DRAFTING)
    def undo_submit(self) -> None:
        """A reply that needed no approval: back to its officer's draft."""

    @transition(field=state, source=CaseState.APPROVED, target=CaseState.IN_REVIEW)
    def undo_approve(self) -> None:
        """The last approval taken back: its step is open again."""

    @property
    def age(self) -> dt.timedelta:
        return timezone.now() - self.received_at


class LibraryAnswer(models.Model):
    """A pre-approved answer, kept as one English/French pair."""

    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="library_answers"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="library_answers"
    )
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    text_en = models.TextField(_("answer (English)"))
    text_fr = models.TextField(_("answer (French)"))
    # Questions this answer answers, one a line, in the citizens' words: suggestions
    # count their words toward the answer (responder/inbox/suggest.py).
    examples_en = models.TextField(
        _("example questions (English)"),
        blank=True,
        help_text=_("One question a line, as a citizen would ask it."),
    )
    examples_fr = models.TextField(
        _("example questions (French)"),
        blank=True,
        help_text=_("One question a line, as a citizen would ask it."),
    )
    review_date = models.DateField(_("review by"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    times_used = models.PositiveIntegerField(_("times used"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title_en"]
        verbose_name = _("library answer")
        verbose_name_plural = _("answer library")

    def __str__(self) -> str:
        return self.title_en

    def text_for(self, language: str) -> str:
        return self.text_fr if language == "fr" else self.text_en

    def title_for(self, language: str) -> str:
        return self.title_fr if language == "fr" else self.title_en

    @property
    def is_pre_approved(self) -> bool:
        """Counts as pre-approved only while approved, active and not past review."""
        return (
            self.is_active
            and self.approved_by_id is not None
            and self.review_date >= timezone.localdate()
        )

    def posted_unchanged(self, *, text: str, language: str) -> bool:
        """True when `text` is this answer word for word (leading @handles and spacing
        aside) and the answer is pre-approved now: the one definition of an "unchanged
        library answer", which may skip approval layers."""
        return self.is_pre_approved and normalize_reply_text(text) == normalize_reply_text(
            self.text_for(language)
        )


class Draft(models.Model):
    """One version of the reply to a case. Versions are never edited, only added."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="drafts")
    version = models.PositiveIntegerField()
    text = models.TextField(_("reply"))
    language = models.CharField(_("language"), max_length=2, default="en")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drafts"
    )
    via = models.CharField(max_length=8, default="web")
    library_answer = models.ForeignKey(
        LibraryAnswer, null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    # True when the text is the library answer word for word and the answer was
    # pre-approved when the draft was written.
    library_unchanged = models.BooleanField(default=False)
    # When an SME edits a draft while approving, the edit is a new version that
    # points at the one it changed; the diff is computed from the pair.
    edited_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="edits"
    )
    # Answer privately (a Mastodon direct message) rather than with the question's
    # visibility: the officer's choice, kept by every later version of the reply.
    private_reply = models.BooleanField(_("answer privately"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="draft_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.case} v{self.version}"
