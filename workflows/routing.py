"""Which approval policy a case and draft get, and why."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from responder.inbox.models import Case, Draft, Risk, risk_max
from workflows.models import ApprovalPolicy, RoutingRule


@dataclass(frozen=True)
class Route:
    policy: ApprovalPolicy | None
    rule: RoutingRule | None
    reasons: list[str]


def effective_risk(case: Case) -> str:
    """The highest of the officer's risk, the automatic risk set at ingest, and the
    topics': a case tagged with a sensitive topic is sensitive whatever else says."""
    risk = risk_max(case.risk, case.auto_risk)
    if risk != Risk.SENSITIVE and case.topics.filter(sensitive=True).exists():
        return Risk.SENSITIVE
    return risk


def rule_matches(
    rule: RoutingRule, *, case: Case, library_unchanged: bool, risk: str, topic_ids: set[int]
) -> bool:
    return (
        (rule.department_id is None or rule.department_id == case.department_id)
        and (rule.topic_id is None or rule.topic_id in topic_ids)
        and (not rule.risk or rule.risk == risk)
        and (not rule.platform or rule.platform == case.platform)
        and (rule.library_unchanged is None or rule.library_unchanged == library_unchanged)
    )


def policy_resolve(*, case: Case, draft: Draft | None) -> Route:
    """The first active rule (by priority) whose criteria all match decides."""
    library_unchanged = bool(draft and draft.library_unchanged)
    risk = effective_risk(case)
    topic_ids = set(case.topics.values_list("id", flat=True))
    rules = RoutingRule.objects.filter(is_active=True, policy__is_active=True).select_related(
        "policy", "topic", "department"
    )
    for rule in rules:
        if rule_matches(
            rule, case=case, library_unchanged=library_unchanged, risk=risk, topic_ids=topic_ids
        ):
            reasons = [
                _("Rule “%(rule)s” (priority %(priority)s) matched.")
                % {"rule": rule.name, "priority": rule.priority}
            ]
            if rule.library_unchanged:
                reasons.append(_("The draft is an unchanged pre-approved library answer."))
            if rule.risk:
                reasons.append(_("Risk is %(risk)s.") % {"risk": Risk(risk).label})
            return Route(policy=rule.policy, rule=rule, reasons=reasons)
    return Route(policy=None, rule=None, reasons=[_("No routing rule matches this case.")])
