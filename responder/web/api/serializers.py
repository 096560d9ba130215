"""API shapes of cases, drafts, approval steps, the library and the audit trail.

Output serializers are read-only views of what the selectors load (no queries of
their own). Input serializers only check the shape of a request (types, lengths,
known choices); the rules live in the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from responder.accounts.models import Department, Language, Role, User
from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem, PlatformAccount
from responder.inbox.models import Case, CloseReason, Draft, LibraryAnswer, Risk, Topic
from responder.inbox.pii import PiiKind
from responder.inbox.selectors import MAX_ID
from responder.web.api.pii_fields import MaskedTextField
from workflows.models import ApprovalStep, Decision, StepDecision

# Longest reply we store; platforms allow far less, this only stops abuse.
MAX_REPLY_LENGTH = 10_000
MAX_NOTE_LENGTH = 2_000
# A client says which version of a case it saw; the database column is a 4-byte int.
MAX_VERSION = 2**31 - 1


# --- output ---------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer[PlatformAccount]):
    class Meta:
        model = PlatformAccount
        fields = ["id", "platform", "handle", "name"]
        read_only_fields = fields


class TopicSerializer(serializers.ModelSerializer[Topic]):
    class Meta:
        model = Topic
        fields = ["id", "slug", "name_en", "name_fr", "department", "sensitive"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer[Case]):
    """A case as the inbox lists it."""

    department = DepartmentSerializer(read_only=True)
    account = AccountSerializer(read_only=True)
    owner = PersonSerializer(read_only=True, allow_null=True)
    topics = TopicSerializer(many=True, read_only=True)
    # Blank-able values are declared here: read-only model fields lose allow_blank, and
    # the schema would then claim that "" is no valid value.
    post_url = serializers.CharField(
        source="url", read_only=True, help_text=_("The citizen's post.")
    )
    reply_url = serializers.CharField(read_only=True, help_text=_("Our reply, once posted."))
    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices, allow_blank=True, read_only=True
    )
    text = MaskedTextField()
    visibility = serializers.CharField(
        read_only=True, help_text=_("public, unlisted, private (followers only) or direct.")
    )
    pii_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=PiiKind.choices),
        read_only=True,
        help_text=_("The kinds of personal information found in the post at ingest."),
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "state",
            "version",
            "department",
            "account",
            "platform",
            "external_id",
            "author_handle",
            "author_name",
            "text",
            "visibility",
            "pii_kinds",
            "language",
            "post_url",
            "received_at",
            "topics",
            "risk",
            "auto_risk",
            "priority",
            "classification",
            "owner",
            "claimed_at",
            "close_reason",
            "reply_url",
            "replied_at",
            "updated_at",
        ]
        read_only_fields = fields


class DraftSerializer(serializers.ModelSerializer[Draft]):
    author = PersonSerializer(read_only=True)
    edited_from_version = serializers.IntegerField(
        source="edited_from.version", read_only=True, allow_null=True
    )

    class Meta:
        model = Draft
        fields = [
            "id",
            "version",
            "text",
            "language",
            "author",
            "via",
            "library_answer",
            "library_unchanged",
            "private_reply",
            "edited_from_version",
            "created_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer[StepDecision]):
    reviewer = PersonSerializer(read_only=True)
    edited_draft_version = serializers.IntegerField(
        source="edited_draft.version", read_only=True, allow_null=True
    )

    class Meta:
        model = StepDecision
        fields = [
            "id",
            "reviewer",
            "decision",
            "comment",
            "edited_draft_version",
            "via",
            "created_at",
        ]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer[ApprovalStep]):
    """One approval layer of one submission, with the decisions taken on it."""

    case = serializers.IntegerField(source="case_id", read_only=True)
    draft = serializers.IntegerField(source="draft_id", read_only=True)
    draft_version = serializers.IntegerField(source="draft.version", read_only=True)
    reviewers = PersonSerializer(many=True, read_only=True)
    delegate = PersonSerializer(read_only=True, allow_null=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalStep
        fields = [
            "id",
            "case",
            "draft",
            "draft_version",
            "round",
            "position",
            "name",
            "name_fr",
            "policy_name",
            "policy_name_fr",
            "policy_version",
            "status",
            "approvals_required",
            "sla_minutes",
            "reviewers",
            "delegate",
            "opened_at",
            "due_at",
            "decided_at",
            "reminded_at",
            "escalated_at",
            "decisions",
        ]
        read_only_fields = fields


class StepDetailSerializer(StepSerializer):
    """A step with what the reviewer decides on: the question and the draft."""

    case_summary = CaseSerializer(source="case", read_only=True)
    draft_detail = DraftSerializer(source="draft", read_only=True)

    class Meta(StepSerializer.Meta):
        fields = [*StepSerializer.Meta.fields, "case_summary", "draft_detail"]
        read_only_fields = fields


@extend_schema_field({"type": "object", "additionalProperties": True})
class DetailsField(serializers.JSONField):
    pass


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = PersonSerializer(read_only=True, allow_null=True)
    details = DetailsField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "via",
            "action",
            "from_state",
            "to_state",
            "subject_type",
            "subject_id",
            "details",
        ]
        read_only_fields = fields


class OutboxSerializer(serializers.ModelSerializer[OutboxItem]):
    external_url = serializers.CharField(read_only=True)

    class Meta:
        model = OutboxItem
        fields = [
            "id",
            "kind",
            "status",
            "text",
            "attempts",
            "next_attempt_at",
            # Not posted before then: a scheduled post, or a reply's undo hold (undo-send).
            "not_before",
            "external_id",
            "external_url",
            "last_error",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    """A case with its drafts, approval steps, audit trail and outbox replies.

    Expects the prefetches of web.api.case_detail.case_detail."""

    parent_case = serializers.IntegerField(
        source="parent_id",
        read_only=True,
        allow_null=True,
        help_text=_("The earlier case of the same conversation, if any."),
    )
    drafts = DraftSerializer(many=True, read_only=True)
    approval_steps = StepSerializer(many=True, read_only=True)
    audit_events = AuditEventSerializer(many=True, read_only=True)
    outbox = OutboxSerializer(source="outbox_items", many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "close_note",
            "conversation_id",
            "parent_case",
            "reply_external_id",
            "first_response_at",
            "legal_hold",
            "drafts",
            "approval_steps",
            "audit_events",
            "outbox",
        ]
        read_only_fields = fields


class LibraryAnswerSerializer(serializers.ModelSerializer[LibraryAnswer]):
    """A pre-approved answer; `title` and `text` are in the language asked for."""

    topic: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    title = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    pre_approved = serializers.BooleanField(source="is_pre_approved", read_only=True)

    class Meta:
        model = LibraryAnswer
        fields = [
            "id",
            "topic",
            "department",
            "title",
            "text",
            "title_en",
            "title_fr",
            "text_en",
            "text_fr",
            "review_date",
            "pre_approved",
            "times_used",
        ]
        read_only_fields = fields

    def _language(self) -> str:
        return str(self.context.get("language") or "en")

    def get_title(self, answer: LibraryAnswer) -> str:
        return answer.title_for(self._language())

    def get_text(self, answer: LibraryAnswer) -> str:
        return answer.text_for(self._language())


class RoleInDepartmentSerializer(serializers.Serializer[Any]):
    department = DepartmentSerializer()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    language = serializers.ChoiceField(choices=Language.choices)
    is_superuser = serializers.BooleanField()
    departments = RoleInDepartmentSerializer(many=True)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text=_("Send as: Authorization: Token <token>"))


class ErrorSerializer(serializers.Serializer[Any]):
    """Every refusal: 403, 404, 409 (and 400 when it is not about one field)."""

    detail = serializers.CharField()
    code = serializers.CharField()


# --- input ----------------------------------------------------------------------------


class VersionedInput(serializers.Serializer[Any]):
    expected_version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_VERSION,
        help_text=_(
            "The case version you saw. If the case changed since, the action is refused "
            "with 409 (code stale)."
        ),
    )


class TakeOverInput(VersionedInput):
    reason = serializers.CharField(max_length=MAX_NOTE_LENGTH)


class DraftInput(VersionedInput):
    text = serializers.CharField(max_length=MAX_REPLY_LENGTH)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    library_answer = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("The library answer the text starts from, if any."),
    )
    private = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Answer privately (a direct message; Mastodon only)."),
    )


class SubmitInput(VersionedInput):
    acknowledge_public = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "The citizen's post has personal information and the reply is public: "
            "confirm a public reply is right (else 409, code public_reply_to_personal)."
        ),
    )


class CloseInput(VersionedInput):
    reason = serializers.ChoiceField(choices=CloseReason.choices)
    note = serializers.CharField(max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True)


class TagInput(VersionedInput):
    topics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=50,
        help_text=_("Topic ids; replaces the case's topics."),
    )
    risk = serializers.ChoiceField(choices=Risk.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "topics" not in attrs and "risk" not in attrs:
            raise serializers.ValidationError(_("Give topics, a risk, or both."))
        return attrs


class RiskInput(VersionedInput):
    risk = serializers.ChoiceField(choices=Risk.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_("Needed when the risk is lower than the case's current risk."),
    )


class DecideInput(VersionedInput):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True)
    edited_text = serializers.CharField(
        max_length=MAX_REPLY_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("The reply as you edited it (decision edit_approve)."),
    )


def me_data(user: User | AnonymousUser) -> dict[str, Any]:
    """The caller and their roles per department, shaped for MeSerializer."""
    by_department: dict[int, dict[str, Any]] = {}
    for membership in user.memberships.select_related("department").order_by(  # type: ignore[union-attr]
        "department__name", "role"
    ):
        entry = by_department.setdefault(
            membership.department_id,
            {"department": membership.department, "roles": []},
        )
        entry["roles"].append(membership.role)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": str(user),
        "email": getattr(user, "email", ""),
        "language": getattr(user, "language", "en"),
        "is_superuser": user.is_superuser,
        "departments": list(by_department.values()),
    }
