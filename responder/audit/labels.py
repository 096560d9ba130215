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
    "case.pii_reveal": _("Personal information revealed"),
    "case.pii_redact": _("Personal information removed from the stored text"),
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
    "case.undo_submit": _("Sending undone: back to the draft"),
    "case.undo_approve": _("Approval undone: back in review"),
    "case.close_undo": _("Close undone: reopened"),
    "case.tag": _("Topics or risk changed"),
    "case.risk": _("Risk changed"),
    "case.priority": _("Priority changed"),
    "case.after_hours_notice": _("After-hours notice queued"),
    "case.comment": _("Comment"),
    "case.record_exported": _("Record exported"),
    "case.personal_data_removed": _("Personal data removed"),
    "case.legal_hold_set": _("Legal hold set"),
    "case.legal_hold_lifted": _("Legal hold lifted"),
    # Drafts and approvals.
    "draft.save": _("Draft saved"),
    "approval.approve": _("Approval given"),
    "approval.request_changes": _("Changes requested by a reviewer"),
    "approval.remind": _("Reminder sent to the reviewers"),
    "approval.escalate": _("Escalated to the delegate"),
    "approval.reviewer_removed": _("Reviewer removed after a role change"),
    # An approval step's own pipeline ("step.<transition>", workflows.models.ApprovalStep).
    "step.open": _("Approval layer opened"),
    "step.approve": _("Approval layer approved"),
    "step.request_changes": _("Approval layer sent the draft back"),
    "step.cancel": _("Approval layer cancelled"),
    "step.undo_approve": _("Approval layer's approval undone"),
    # An outbox reply's pipeline ("outbox.<transition>", channels.models.OutboxItem).
    "outbox.send": _("Reply being posted"),
    "outbox.defer": _("Reply waiting for the platform's rate limit"),
    "outbox.release": _("Reply put back in line unsent"),
    "outbox.back_off": _("Reply to be posted again later"),
    "outbox.hold": _("Reply waiting for a person"),
    "outbox.fail": _("Reply refused by the platform"),
    "outbox.mark_sent": _("Reply posted on the platform"),
    "outbox.retry": _("Reply put back in line to post again"),
    "outbox.undo": _("Reply undone before it was posted"),
    "outbox.cancel": _("Post cancelled: it will not be posted"),
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
    # Sign-in, people and roles, records.
    "auth.sign_in": _("Signed in"),
    "auth.sign_in_failed": _("Sign-in failed"),
    "auth.sign_out": _("Signed out"),
    "membership.create": _("Role given"),
    "membership.update": _("Role changed"),
    "membership.delete": _("Role removed"),
    "audit.exported": _("Audit log exported"),
    # Campaigns.
    "campaign.post_compose": _("Campaign post composed"),
    "campaign.thread_retry": _("Stalled campaign thread retried"),
    "campaign.thread_cancel": _("Rest of a stalled campaign thread cancelled"),
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
