"""A stalled campaign thread: one of its posts failed, so the posts after it wait.
The owner (or an officer of the campaign) retries it, which puts the failed posts
back in line with the same idempotency key (the thread then goes on in order), or
cancels what is left of it. Both audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.audit.services import audit_record
from responder.campaigns.models import CampaignPost
from responder.channels.models import OutboxItem, OutboxStatus
from responder.channels.services import outbox_retry
from responder.errors import ConflictError, ValidationError
from responder.fsm import status_transition
from responder.inbox.models import CaseState
from responder.inbox.transitions import case_lock, case_transition

STALLED = [OutboxStatus.FAILED, OutboxStatus.NEEDS_ATTENTION]


def _post_locked(*, campaign_id: int, post_id: int, actor: User) -> CampaignPost:
    post = (
        CampaignPost.objects.select_related("campaign")
        .filter(pk=post_id, campaign_id=campaign_id)
        .first()
    )
    if post is None:
        raise ValidationError(_("There is no such post in this campaign."))
    authz.require(actor, Action.CAMPAIGN_WORK, post.campaign)
    return post


def campaign_thread_retry(*, campaign_id: int, post_id: int, actor: User, via: str) -> int:
    """Put the post's failed rows back in line (same idempotency keys); the posts
    waiting behind them follow in order once each is out. Returns how many rows."""
    with transaction.atomic():
        post = _post_locked(campaign_id=campaign_id, post_id=post_id, actor=actor)
        case = case_lock(case_id=post.case_id)
        failed = OutboxItem.objects.filter(case_id=case.pk, status__in=STALLED).count()
        if not failed:
            raise ConflictError(_("Nothing of this post has failed."), code="nothing_to_retry")
        if case.state == CaseState.POST_FAILED:  # its first post failed
            case = case_transition(case=case, name="retry", actor=actor, via=via)
        for _n in range(failed):
            outbox_retry(case=case, actor=actor, via=via)
        audit_record(
            action="campaign.thread_retry",
            via=via,
            actor=actor,
            case=case,
            subject=post,
            details={"campaign": campaign_id, "rows": failed},
        )
        return failed


def campaign_thread_cancel(*, campaign_id: int, post_id: int, actor: User, via: str) -> int:
    """Cancel what is left of the post (failed and waiting rows; a row being posted
    right now is left to finish). Returns how many rows were cancelled."""
    with transaction.atomic():
        post = _post_locked(campaign_id=campaign_id, post_id=post_id, actor=actor)
        case = case_lock(case_id=post.case_id)
        rows = list(
            OutboxItem.objects.select_for_update()
            .filter(case_id=case.pk, status__in=[*STALLED, OutboxStatus.PENDING])
            .order_by("id")
        )
        if not rows:
            raise ConflictError(_("Nothing of this post is left to cancel."), code="nothing_left")
        note = _("Cancelled by %(name)s.") % {"name": actor.get_full_name() or actor.username}
        for row in rows:
            status_transition(
                obj=row,
                name="cancel",
                prefix="outbox",
                actor=actor,
                via=via,
                fields=["sending_started_at", "last_error"],
                error=note,
            )
        audit_record(
            action="campaign.thread_cancel",
            via=via,
            actor=actor,
            case=case,
            subject=post,
            details={"campaign": campaign_id, "rows": len(rows)},
        )
        return len(rows)
