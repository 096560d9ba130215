"""Emails about approval steps. (Signed review links arrive with the email-approval work.)"""

from __future__ import annotations

from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from workflows.models import ApprovalStep


def step_opened_send(*, step_id: int) -> int:
    step = ApprovalStep.objects.select_related("case", "draft").get(pk=step_id)
    sent = 0
    for reviewer in step.reviewers.filter(is_active=True).exclude(email=""):
        with translation.override(reviewer.language):
            subject = _("Reply to approve: case #%(id)s") % {"id": step.case_id}
            body = _(
                "A reply is waiting for your approval (%(layer)s).\n\nQuestion:\n%(q)s\n\n"
                "Draft reply:\n%(d)s\n"
            ) % {"layer": step.name, "q": step.case.text, "d": step.draft.text}
        sent += send_mail(subject, body, None, [reviewer.email])
    return sent


def changes_requested_send(*, step_id: int) -> int:
    step = ApprovalStep.objects.select_related("case__owner").get(pk=step_id)
    owner = step.case.owner
    if owner is None or not owner.email:
        return 0
    decision = step.decisions.order_by("-created_at").first()
    with translation.override(owner.language):
        subject = _("Changes requested on case #%(id)s") % {"id": step.case_id}
        body = _("%(who)s asked for changes:\n\n%(comment)s\n") % {
            "who": decision.reviewer if decision else "",
            "comment": decision.comment if decision else "",
        }
    return send_mail(subject, body, None, [owner.email])
