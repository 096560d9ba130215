"""Template helpers for the review pages and the case page's conversation panel."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from responder.inbox.models import Case
from responder.web.review_forms import CommentForm, ConsultationForm
from workflows.consultations import comment_participant, experts_for_consultation
from workflows.models import StepDecision
from workflows.review_selectors import case_comments, case_decisions, diff_html

register = template.Library()


@register.filter
def edit_diff(decision: StepDecision) -> SafeString | None:
    """The escaped word diff of an SME's edit (None if the decision changed nothing)."""
    edited = decision.edited_draft
    if edited is None or edited.edited_from is None:
        return None
    return diff_html(edited.edited_from.text, edited.text)


@register.inclusion_tag("workflows/review_case_panel.html", takes_context=True)
def case_conversation(context: template.Context, case: Case) -> dict[str, Any]:
    """Decisions (with SMEs' edits as diffs), the comment thread and, for officers,
    the comment and consultation forms. Include on the case page:
    `{% load review_tags %}{% case_conversation case %}`."""
    request = context.get("request")
    user = getattr(request, "user", None)
    can_comment = user is not None and comment_participant(case=case, user=user)
    return {
        "case": case,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "decisions": case_decisions(case=case),
        "comments": case_comments(case=case),
        "can_comment": can_comment,
        "comment_form": CommentForm(),
        "consult_form": ConsultationForm(experts=experts_for_consultation(case=case))
        if can_comment
        else None,
    }
