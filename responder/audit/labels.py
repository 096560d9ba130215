"""What each audit action is called on the pages people read.

The audit log stores a stable code per event ("case.claim"); people read these labels,
in their own language. Every action the code writes has one here (a test checks it),
so no page ever shows a bare code.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

AUDIT_ACTION_LABELS: dict[str, Promise] = {
    # A case's life (the state machine's transitions are "case.<transition>").
    "case.ingested": _("Received from the platform"),
    "case.claim": _("Claimed"),
    "case.release": _("Released"),
    "case.take_over": _("Taken over"),
    "case.assign": _("Assigned"),
    "case.submit": _("Submitted"),
    "case.approve": _("Approved"),
    "case.request_changes": _("Sent back"),
    "case.withdraw": _("Withdrawn"),
    "case.close": _("Closed"),
    "case.reopen": _("Reopened"),
    "case.start_posting": _("Posting started"),
    "case.mark_replied": _("Reply posted"),
    "case.fail_post": _("Posting failed"),
    "case.retry": _("Posting retried"),
    "case.revise": _("Taken back to change the refused reply"),
    "case.tag": _("Topics or risk changed"),
    "case.risk": _("Risk changed"),
    "case.comment": _("Comment"),
    "case.record_exported": _("Record exported"),
    "case.personal_data_removed": _("Personal data removed"),
    # Drafts and approvals.
    "draft.save": _("Draft saved"),
    "approval.approve": _("Approval given"),
    "approval.request_changes": _("Changes requested by a reviewer"),
    "approval.remind": _("Reminder sent to the reviewers"),
    "approval.escalate": _("Escalated to the delegate"),
    "approval.reviewer_removed": _("Reviewer removed after a role change"),
    "consultation.request": _("Another department consulted"),
    "consultation.reply": _("Consultation answered"),
    # Administration.
    "policy.create": _("Approval policy created"),
    "policy.update": _("Approval policy changed"),
    "policy.layers_change": _("Approval layers changed"),
    "policy.rules_change": _("Routing rules changed"),
    "library.approve": _("Library answer approved"),
    "library.promote": _("Answer added to the library"),
    "library.renew": _("Library answer renewed"),
    "analytics.case_list_exported": _("Case list exported"),
    # Campaigns.
    "campaign.post_compose": _("Campaign post composed"),
    "campaign.community_boost": _("Community post boosted (held)"),
    "campaign.community_favourite": _("Community post favourited (held)"),
    "campaign.community_question": _("Community post marked as a question"),
    "campaign.community_ignore": _("Community post ignored"),
    "campaign.community_undo": _("Boost or favourite undone"),
    "campaign.community_send": _("Boost or favourite sent to the platform"),
}


def audit_action_label(action: str) -> str:
    """The action's label in the active language; an unknown code as it is."""
    label = AUDIT_ACTION_LABELS.get(action)
    return str(label) if label is not None else action
