"""`{{ code|label:"kind" }}`: a stored code as people read it, in their language.

Records and exports keep the codes ("in_review", "case.claim", "email"); pages show
the labels. Kinds: action (audit actions), via, state, step_status, decision,
platform.
"""

from __future__ import annotations

from django import template
from django.db.models import TextChoices

from responder.audit.labels import audit_action_label
from responder.audit.models import Via
from responder.inbox.models import CaseState, Platform
from workflows.models import Decision, StepStatus

register = template.Library()

CHOICES: dict[str, type[TextChoices]] = {
    "via": Via,
    "state": CaseState,
    "step_status": StepStatus,
    "decision": Decision,
    "platform": Platform,
}


@register.filter
def label(code: object, kind: str) -> str:
    if code in (None, ""):
        return ""
    value = str(code)
    if kind == "action":
        return audit_action_label(value)
    choices = CHOICES.get(kind)
    if choices is None:
        raise template.TemplateSyntaxError(f"label: unknown kind {kind!r}")
    try:
        return str(choices(value).label)
    except ValueError:
        return value
