"""Which approval layers a reply needs, and why: the one routing decision.

`route_for` answers for the submit service, the case page's approval preview and
library banner, the policy preview page and the API's route endpoint, so that they
can never disagree. Its inputs (topics, risk, whether the text is an unchanged
pre-approved library answer) are read here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from responder.accounts.models import User
from responder.inbox.models import (
    OUTGOING_SOURCE,
    Case,
    Draft,
    LibraryAnswer,
    Risk,
    risk_max,
)
from responder.localized_names import localized
from workflows.models import ApprovalPolicy, RoutingRule, RuleSubject
from workflows.services import layer_reviewers


@dataclass(frozen=True)
class RouteLayer:
    position: int
    name: str
    role: str
    approvals_required: int
    sla_minutes: int
    # Who could approve it: named reviewers, else the role's holders; never the author.
    reviewers: list[User] = field(default_factory=list)
    name_fr: str = ""

    @property
    def localized_name(self) -> str:
        return localized(self.name, self.name_fr)

    @property
    def reviewers_count(self) -> int:
        return len(self.reviewers)


@dataclass(frozen=True)
class Route:
    policy: ApprovalPolicy | None
    rule: RoutingRule | None
    reasons: list[str]
    layers: list[RouteLayer] = field(default_factory=list)
    risk: str = Risk.NORMAL
    library_answer: LibraryAnswer | None = None
    library_unchanged: bool = False

    @property
    def policy_name(self) -> str | None:
        return self.policy.localized_name if self.policy is not None else None

    @property
    def needs_approval(self) -> bool:
        return bool(self.layers)


def effective_risk(case: Case, *, sensitive_topic: bool | None = None) -> str:
    """The highest of the officer's risk, the automatic risk set at ingest, and the
    topics': a case tagged with a sensitive topic is sensitive whatever else says.
    `sensitive_topic`: whether it has one, when the caller already read its topics."""
    risk = risk_max(case.risk, case.auto_risk)
    if sensitive_topic is None:
        sensitive_topic = case.topics.filter(sensitive=True).exists()
    if risk != Risk.SENSITIVE and sensitive_topic:
        return Risk.SENSITIVE
    return risk


def rule_matches(
    rule: RoutingRule,
    *,
    case: Case,
    library_unchanged: bool,
    risk: str,
    topic_ids: set[int],
    campaign_id: int | None = None,
) -> bool:
    outgoing = case.source == OUTGOING_SOURCE
    if rule.subject == RuleSubject.REPLY and outgoing:
        return False
    if rule.subject == RuleSubject.OUTGOING and not outgoing:
        return False
    if rule.campaign_id is not None and rule.campaign_id != campaign_id:
        return False
    return (
        (rule.department_id is None or rule.department_id == case.department_id)
        and (rule.topic_id is None or rule.topic_id in topic_ids)
        and (not rule.risk or rule.risk == risk)
        and (not rule.platform or rule.platform == case.platform)
        and (rule.library_unchanged is None or rule.library_unchanged == library_unchanged)
    )


def campaign_of(case: Case) -> int | None:
    """The campaign of an outgoing post's case (read through the reverse relation the
    campaigns app declares, so workflows never imports it), else None."""
    if case.source != OUTGOING_SOURCE or case.pk is None:
        return None
    return (
        Case.objects.filter(pk=case.pk).values_list("campaign_post__campaign_id", flat=True).first()
    )


def _library_answer(case: Case, answer_id: int | None) -> LibraryAnswer | None:
    """An answer the case's department may use (its own or a shared one), or None."""
    if answer_id is None:
        return None
    return (
        LibraryAnswer.objects.filter(pk=answer_id, is_active=True)
        .filter(Q(department__isnull=True) | Q(department_id=case.department_id))
        .first()
    )


def _library_reasons(answer: LibraryAnswer | None, unchanged: bool) -> list[str]:
    if answer is None:
        return []
    if unchanged:
        return [_("The draft is an unchanged pre-approved library answer.")]
    if not answer.is_pre_approved:
        return [
            _(
                "Library answer “%(answer)s” is not pre-approved now, so the reply is "
                "reviewed like any other."
            )
            % {"answer": answer.title_en}
        ]
    return [
        _("The text differs from library answer “%(answer)s”, so it is reviewed like any other.")
        % {"answer": answer.title_en}
    ]


def _layers(policy: ApprovalPolicy, *, case: Case, author_id: int | None) -> list[RouteLayer]:

    return [
        RouteLayer(
            position=layer.position,
            name=layer.name,
            name_fr=layer.name_fr,
            role=layer.reviewer_role,
            approvals_required=layer.approvals_required,
            sla_minutes=layer.sla_minutes,
            reviewers=[r for r in layer_reviewers(layer=layer, case=case) if r.pk != author_id],
        )
        for layer in policy.layers.order_by("position").select_related("reviewer_department")
    ]


def route_for(
    *,
    case: Case,
    draft_text: str,
    language: str | None = None,
    library_answer: LibraryAnswer | None = None,
    library_answer_id: int | None = None,
    author_id: int | None = None,
) -> Route:
    """The approval policy, its layers and the reasons for the reply `draft_text` to
    `case`, were it submitted now. The first active rule (by priority) whose criteria
    all match decides. `library_answer` (or its id) is the answer the text came from;
    the text counts as unchanged only while that answer is pre-approved and the text is
    it word for word. `author_id` is left out of the layers' reviewers."""
    language = language if language in ("en", "fr") else None
    language = language or (case.language if case.language in ("en", "fr") else "en")
    if library_answer is None:
        library_answer = _library_answer(case, library_answer_id)
    unchanged = bool(
        library_answer and library_answer.posted_unchanged(text=draft_text, language=language)
    )
    topics = list(case.topics.values_list("id", "sensitive"))
    topic_ids = {topic_id for topic_id, _sensitive in topics}
    risk = effective_risk(case, sensitive_topic=any(sensitive for _id, sensitive in topics))
    rules = RoutingRule.objects.filter(is_active=True, policy__is_active=True).select_related(
        "policy", "topic", "department"
    )
    campaign_id = campaign_of(case)
    for rule in rules:
        if not rule_matches(
            rule,
            case=case,
            library_unchanged=unchanged,
            risk=risk,
            topic_ids=topic_ids,
            campaign_id=campaign_id,
        ):
            continue
        reasons = [
            _("Rule “%(rule)s” (priority %(priority)s) matched.")
            % {"rule": rule.localized_name, "priority": rule.priority}
        ]
        reasons += _library_reasons(library_answer, unchanged)
        if rule.risk:
            reasons.append(_("Risk is %(risk)s.") % {"risk": Risk(risk).label})
        return Route(
            policy=rule.policy,
            rule=rule,
            reasons=reasons,
            layers=_layers(rule.policy, case=case, author_id=author_id),
            risk=risk,
            library_answer=library_answer,
            library_unchanged=unchanged,
        )
    return Route(
        policy=None,
        rule=None,
        reasons=[
            _("No routing rule matches this case."),
            *_library_reasons(library_answer, unchanged),
        ],
        risk=risk,
        library_answer=library_answer,
        library_unchanged=unchanged,
    )


def policy_resolve(*, case: Case, draft: Draft | None) -> Route:
    """route_for for a saved draft (or none): kept for callers written before it."""
    if draft is None:
        return route_for(case=case, draft_text="")
    return route_for(
        case=case,
        draft_text=draft.text,
        language=draft.language,
        library_answer=draft.library_answer,
        author_id=draft.author_id,
    )
