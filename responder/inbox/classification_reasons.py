"""Why a case has its topics, risk and priority: the reasons stored at ingest
(Case.classification, see classify.py) as sentences for the case page and the API."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from responder.inbox.incoming_models import IncomingRule, Priority
from responder.inbox.models import Case, Risk, Topic
from responder.localized_names import localized


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def classification_lines(case: Case) -> list[str]:
    """One sentence per reason, in the active language."""
    reasons = [r for r in (case.classification or []) if isinstance(r, dict)]
    slugs = {r["topic"] for r in reasons if r.get("topic")}
    french = (get_language() or "en").startswith("fr")
    names = {
        t.slug: (t.name_fr if french else t.name_en) for t in Topic.objects.filter(slug__in=slugs)
    }
    # Rules are stored by their English name; French readers get the French one.
    rule_names: dict[str, str] = {}
    if french:
        rule_names = dict(
            IncomingRule.objects.filter(
                department_id=case.department_id,
                name__in={r["rule"] for r in reasons if r.get("rule")},
            ).values_list("name", "name_fr")
        )
    lines = []
    for reason in reasons:
        rule = reason.get("rule", "")
        rule = localized(rule, rule_names.get(rule, "")) if french else rule
        if reason.get("topic"):
            topic = names.get(reason["topic"], reason["topic"])
            if reason.get("kind") == "library":
                lines.append(
                    _("Topic “%(topic)s” set by library match %(score)s.")
                    % {"topic": topic, "score": number_format(reason.get("score", 0), 2)}
                )
            else:
                lines.append(
                    _("Topic “%(topic)s” set by rule “%(rule)s”.") % {"topic": topic, "rule": rule}
                )
        # A rule's reason also says what it raised.
        if reason.get("risk"):
            lines.append(
                _("Risk raised to %(risk)s by rule “%(rule)s”.")
                % {"risk": _label(Risk, reason["risk"]), "rule": rule}
            )
        if reason.get("priority"):
            lines.append(
                _("Priority set to %(priority)s by rule “%(rule)s”.")
                % {"priority": _label(Priority, reason["priority"]), "rule": rule}
            )
    return lines
