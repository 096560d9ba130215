"""Writes and reads of incoming rules: save (versioned, audited) and preview.

Every save keeps a revision row with a JSON snapshot of the rule as saved, like the
approval policies' PolicyRevision (workflows/policy_services.py `policy_revise`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.audit.services import audit_record
from responder.channels.models import PlatformAccount
from responder.errors import ConflictError, PermissionDenied, ValidationError
from responder.inbox.classify import Post, rule_compile
from responder.inbox.incoming_models import IncomingRule, IncomingRuleRevision, Priority
from responder.inbox.keywords import WordIndex, keyword_lines, post_fold, words
from responder.inbox.models import Case, Risk, Topic
from responder.inbox.pii import pii_find_for, pii_mask

PREVIEW_CASES = 500


def user_may_edit_rules(*, user: User, department_id: int) -> bool:
    """Incoming rules are a department's settings: its admins (and site admins) edit them."""
    return authz.may(user, Action.DEPARTMENT_ADMIN, department_id)


def incoming_rule_snapshot(rule: IncomingRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "name_fr": rule.name_fr,
        "department": rule.department_id,
        "is_active": rule.is_active,
        "order": rule.order,
        "keywords_en": rule.keywords_en,
        "keywords_fr": rule.keywords_fr,
        "account": rule.account_id,
        "hashtag": rule.hashtag,
        "language": rule.language,
        "author_handle": rule.author_handle,
        "topics": sorted(rule.topics.values_list("slug", flat=True)),
        "risk": rule.risk,
        "priority": rule.priority,
    }


@dataclass(frozen=True)
class RuleInput:
    """What an admin typed into the rule editor (already cleaned by the form)."""

    name: str
    is_active: bool = True
    order: int = 100
    name_fr: str = ""
    keywords_en: str = ""
    keywords_fr: str = ""
    account_id: int | None = None
    hashtag: str = ""
    language: str = ""
    author_handle: str = ""
    topic_ids: tuple[int, ...] = ()
    risk: str = ""
    priority: str = ""


def _validate(*, department_id: int, data: RuleInput) -> list[Topic]:
    if not data.name.strip():
        raise ValidationError(_("Give the rule a name."))
    if data.risk and data.risk not in (Risk.NORMAL, Risk.SENSITIVE):
        raise ValidationError(_("Unknown risk level: %(risk)s.") % {"risk": data.risk})
    if data.priority and data.priority not in Priority.values:
        raise ValidationError(_("Unknown priority: %(priority)s.") % {"priority": data.priority})
    has_keywords = bool(keyword_lines(data.keywords_en) or keyword_lines(data.keywords_fr))
    criteria = [has_keywords, data.account_id, data.hashtag, data.author_handle]
    if not any(criteria):
        raise ValidationError(
            _("Give at least one keyword, account, hashtag or author: a rule needs criteria.")
        )
    topics = list(
        Topic.objects.filter(pk__in=data.topic_ids).filter(
            Q(department_id=department_id) | Q(department__isnull=True)
        )
    )
    if len(topics) != len(set(data.topic_ids)):
        raise ValidationError(_("Choose topics of this department."))
    if not (topics or data.risk or data.priority):
        raise ValidationError(_("Say what the rule does: topics, risk or priority."))
    if (
        data.account_id is not None
        and not PlatformAccount.objects.filter(
            pk=data.account_id, department_id=department_id
        ).exists()
    ):
        raise ValidationError(_("Choose an account of this department."))
    return topics


def incoming_rule_save(
    *,
    actor: User,
    department_id: int,
    data: RuleInput,
    rule_id: int | None = None,
    expected_version: int | None = None,
    via: str = "web",
) -> IncomingRule:
    """Create (rule_id None) or change a department's incoming rule: validated,
    versioned (a revision with a snapshot) and audited, in one transaction."""
    if not user_may_edit_rules(user=actor, department_id=department_id):
        raise PermissionDenied(_("Only this department's admins may change its incoming rules."))
    with transaction.atomic():
        if rule_id is None:
            rule = IncomingRule(department_id=department_id)
            action = "incoming_rule.create"
        else:
            try:
                rule = IncomingRule.objects.select_for_update().get(
                    pk=rule_id, department_id=department_id
                )
            except IncomingRule.DoesNotExist:
                raise ConflictError(_("This rule does not exist."), code="not_found") from None
            if expected_version is not None and rule.version != expected_version:
                raise ConflictError(
                    _("Someone changed this rule since you opened it (now version %(v)s).")
                    % {"v": rule.version},
                    code="stale",
                )
            action = "incoming_rule.change"
        others = IncomingRule.objects.exclude(pk=rule.pk) if rule.pk else IncomingRule.objects
        if others.filter(department_id=department_id, name=data.name.strip()).exists():
            raise ValidationError(_("Another rule of this department has this name."))
        topics = _validate(department_id=department_id, data=data)
        for name in (
            "is_active",
            "order",
            "keywords_en",
            "keywords_fr",
            "account_id",
            "language",
            "risk",
            "priority",
        ):
            setattr(rule, name, getattr(data, name))
        rule.name = data.name.strip()
        rule.name_fr = data.name_fr.strip()
        rule.hashtag = data.hashtag.strip().lstrip("#")
        rule.author_handle = data.author_handle.strip().lstrip("@")
        rule.version += 1
        rule.save()
        rule.topics.set(topics)
        snapshot = incoming_rule_snapshot(rule)
        IncomingRuleRevision.objects.create(
            rule=rule,
            department_id=department_id,
            rule_name=rule.name,
            version=rule.version,
            action=action,
            actor=actor,
            snapshot=snapshot,
        )
        audit_record(
            action=action,
            via=via,
            actor=actor,
            subject=rule,
            details={"rule": rule.name, "version": rule.version, "snapshot": snapshot},
        )
    return rule


# --- preview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewMatch:
    case_id: int
    text: str
    keyword: str


@dataclass(frozen=True)
class RulePreview:
    looked_at: int
    matches: list[PreviewMatch]

    @property
    def count(self) -> int:
        return len(self.matches)


def incoming_rule_preview(
    *, rule: IncomingRule, topics: list[Topic] | None = None, limit: int = PREVIEW_CASES
) -> RulePreview:
    """Which of the department's last `limit` cases the rule (saved or not) would
    have tagged. Only its criteria are tried; nothing is written."""
    compiled = rule_compile(rule, topics=topics or [])
    vocabulary = {w for line in compiled.lines for group in line.groups for w in group}
    index = WordIndex(vocabulary)
    rows = list(
        Case.objects.filter(department_id=rule.department_id)
        .order_by("-received_at", "-id")
        .values_list("id", "text", "language", "account_id", "author_handle")[:limit]
    )
    matches = []
    for pk, text, language, account_id, handle in rows:
        post = Post(text=text, language=language, account_id=account_id, author_handle=handle)
        matched = compiled.criteria_match(
            post, [index.lookup(w) for w in words(post_fold(text), folded=True)]
        )
        if matched is not False:
            keyword = "" if matched is True else matched.text  # type: ignore[union-attr]
            # Shown to the admin: masked like every other place a citizen's text appears.
            shown = pii_mask(text, pii_find_for(text, department=rule.department))
            matches.append(PreviewMatch(case_id=pk, text=shown, keyword=keyword))
    return RulePreview(looked_at=len(rows), matches=matches)
