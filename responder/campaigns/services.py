"""Writes of the campaigns app: composing posts (into the approval engine), acting on
community posts (boost, favourite, mark as a question, ignore, undo), and the daily
follower snapshot."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.audit.services import audit_record
from responder.campaigns.models import (
    ActionKind,
    ActionStatus,
    BilingualMode,
    Campaign,
    CampaignPost,
    CampaignSettings,
    CommunityAction,
    FollowerSnapshot,
)
from responder.channels.connectors import connector_for
from responder.channels.connectors.base import TransportError
from responder.channels.models import PlatformAccount
from responder.errors import ConflictError, ValidationError
from responder.inbox import services as inbox
from responder.inbox.checks import outgoing_text
from responder.inbox.models import OUTGOING_SOURCE, Case, CaseLanguage, CloseReason
from responder.queueing import enqueue_on_commit
from workflows.submission import draft_submit


def image_type(data: bytes) -> str | None:
    """The image's type from its first bytes (what the browser said is not trusted)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class ImageUpload:
    data: bytes
    mime: str
    alt_en: str
    alt_fr: str


def bilingual_mode_for(*, department_id: int) -> str:
    mode = (
        CampaignSettings.objects.filter(department_id=department_id)
        .values_list("bilingual_mode", flat=True)
        .first()
    )
    return mode or BilingualMode.TWO_POSTS


def _threads(*, mode: str, texts_en: list[str], texts_fr: list[str]) -> list[list[str]]:
    texts_en = [t.strip() for t in texts_en if t.strip()]
    texts_fr = [t.strip() for t in texts_fr if t.strip()]
    if not texts_en or not texts_fr:
        raise ValidationError(_("Write the post in English and in French."))
    if mode == BilingualMode.ONE_POST:
        if len(texts_en) != len(texts_fr):
            raise ValidationError(
                _("A bilingual thread needs as many French posts as English ones.")
            )
        return [[f"{en}\n\n{fr}" for en, fr in zip(texts_en, texts_fr, strict=True)]]
    return [texts_en, texts_fr]


def _images(images: list[ImageUpload]) -> list[dict[str, str]]:
    stored = []
    for image in images:
        if not image.alt_en.strip() or not image.alt_fr.strip():
            raise ValidationError(_("Every image needs alt text in English and in French."))
        mime = image_type(image.data)
        if mime is None:
            raise ValidationError(_("Only PNG, JPEG, GIF or WebP images can be posted."))
        if len(image.data) > settings.CAMPAIGN_IMAGE_MAX_BYTES:
            raise ValidationError(_("The image is too large."))
        stored.append(
            {
                "data": base64.b64encode(image.data).decode("ascii"),
                "mime": mime,
                "alt_en": image.alt_en.strip(),
                "alt_fr": image.alt_fr.strip(),
            }
        )
    return stored


def campaign_post_compose(
    *,
    campaign_id: int,
    actor: User,
    via: str,
    account_ids: list[int],
    texts_en: list[str],
    texts_fr: list[str],
    scheduled_for: dt.datetime | None = None,
    images: list[ImageUpload] | None = None,
) -> list[CampaignPost]:
    """Compose a post or thread in English and French for some of the campaign's
    accounts, and submit it for approval: one outgoing case per account, with the same
    outgoing checks (per post, per platform), routing and approval steps as a reply.
    Posted once per account when approved, not before `scheduled_for`. All or nothing."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        authz.require(actor, Action.CAMPAIGN_WORK, campaign)
        if scheduled_for is not None and scheduled_for <= timezone.now():
            raise ValidationError(_("Choose a time in the future, or post when approved."))
        accounts = list(campaign.accounts.filter(pk__in=account_ids, is_active=True))
        if not accounts or len(accounts) != len(set(account_ids)):
            raise ValidationError(_("Choose one or more of the campaign's accounts."))
        mode = bilingual_mode_for(department_id=campaign.department_id)
        text = outgoing_text(_threads(mode=mode, texts_en=texts_en, texts_fr=texts_fr))
        stored = _images(images or [])
        group = uuid.uuid4()
        posts = []
        for account in accounts:
            posts.append(
                _compose_one(
                    campaign=campaign,
                    account=account,
                    actor=actor,
                    via=via,
                    text=text,
                    mode=mode,
                    group=group,
                    scheduled_for=scheduled_for,
                    images=stored,
                )
            )
        return posts


def _compose_one(
    *,
    campaign: Campaign,
    account: PlatformAccount,
    actor: User,
    via: str,
    text: str,
    mode: str,
    group: uuid.UUID,
    scheduled_for: dt.datetime | None,
    images: list[dict[str, str]],
) -> CampaignPost:
    case = Case.objects.create(
        department_id=campaign.department_id,
        account=account,
        platform=account.platform,
        external_id=f"outgoing-{uuid.uuid4()}",
        author_handle=account.handle,
        author_name=account.name,
        text=_("Campaign post: %(campaign)s") % {"campaign": campaign.name_en},
        language=CaseLanguage.OTHER,
        source=OUTGOING_SOURCE,
    )
    post = CampaignPost.objects.create(
        campaign=campaign,
        account=account,
        case=case,
        group=group,
        bilingual_mode=mode,
        scheduled_for=scheduled_for,
        images=images,
        created_by=actor,
    )
    audit_record(
        action="campaign.post_compose",
        via=via,
        actor=actor,
        case=case,
        subject=post,
        details={
            "campaign": campaign.pk,
            "account": account.pk,
            "scheduled_for": scheduled_for.isoformat() if scheduled_for else None,
            "images": len(images),
        },
    )
    # The officer's own path, unchanged: claim, draft, submit (checks, routing, steps).
    inbox.case_claim(case_id=case.pk, actor=actor, via=via)
    inbox.draft_save(case_id=case.pk, actor=actor, via=via, text=text, language="en")
    draft_submit(case_id=case.pk, actor=actor, via=via)
    return post


# --- the community ----------------------------------------------------------------------


def community_act(
    *, campaign_id: int, case_id: int, actor: User, via: str, kind: str
) -> CommunityAction:
    """Boost or favourite a community post (held for COMMUNITY_HOLD_SECONDS, undoable
    until sent; no approval layer), mark it as a question, or ignore it (closed)."""
    if kind not in ActionKind.values:
        raise ValidationError(_("Unknown action."))
    with transaction.atomic():
        campaign = Campaign.objects.get(pk=campaign_id)
        authz.require(actor, Action.CAMPAIGN_WORK, campaign)
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if (
            case is None
            or case.department_id != campaign.department_id
            or case.source == OUTGOING_SOURCE
        ):
            raise ValidationError(_("This post is not one of the campaign's community posts."))
        if kind == ActionKind.IGNORE:
            inbox.case_close(
                case_id=case.pk, actor=actor, via=via, reason=CloseReason.NO_ANSWER_NEEDED
            )
        engaging = kind in (ActionKind.BOOST, ActionKind.FAVOURITE)
        if (
            engaging
            and CommunityAction.objects.filter(
                case=case,
                kind=kind,
                status__in=[ActionStatus.HELD, ActionStatus.SENDING, ActionStatus.DONE],
            ).exists()
        ):
            raise ConflictError(_("This was already done."), code="already_done")
        now = timezone.now()
        hold = dt.timedelta(seconds=settings.COMMUNITY_HOLD_SECONDS)
        action = CommunityAction.objects.create(
            campaign=campaign,
            case=case,
            kind=kind,
            actor=actor,
            due_at=now + hold if engaging else None,
        )
        if not engaging:
            action.mark_done()
            action.save()
        audit_record(
            action=f"campaign.community_{kind}",
            via=via,
            actor=actor,
            case=case,
            subject=action,
            details={"campaign": campaign.pk},
        )
        if engaging:
            enqueue_on_commit(
                "responder.campaigns.tasks.community_action_send",
                action.pk,
                countdown=hold.total_seconds(),
            )
        return action


def community_undo(*, campaign_id: int, action_id: int, actor: User, via: str) -> CommunityAction:
    """Undo a boost or favourite still held: it never reaches the platform."""
    with transaction.atomic():
        action = (
            CommunityAction.objects.select_for_update(of=("self",))
            .select_related("campaign", "case")
            .filter(pk=action_id, campaign_id=campaign_id)
            .first()
        )
        if action is None:
            raise ValidationError(_("There is no such boost or favourite to undo."))
        authz.require(actor, Action.CAMPAIGN_WORK, action.campaign)
        if action.status != ActionStatus.HELD:
            raise ConflictError(
                _("Too late to undo: it was already sent to the platform."), code="too_late"
            )
        action.undo()
        action.save()
        audit_record(
            action="campaign.community_undo",
            via=via,
            actor=actor,
            case=action.case,
            subject=action,
            details={"kind": action.kind},
        )
        return action


# How long a boost or favourite may stay "sending" (a worker died mid-call) before the
# sweep sends it again; doing either twice is harmless on every platform.
SENDING_LEASE = dt.timedelta(minutes=5)


def community_action_send(*, action_id: int) -> str:
    """Send a held boost or favourite once its hold is over (never before). No
    transaction is open during the platform call. Returns the action's status, or
    "skipped" when it is not ours to send now."""

    now = timezone.now()
    with transaction.atomic():
        action = (
            CommunityAction.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("case__account")
            .filter(pk=action_id)
            .first()
        )
        if action is None or action.due_at is None or action.due_at > now:
            return "skipped"
        if action.status == ActionStatus.HELD:
            action.start_sending()
        elif action.status != ActionStatus.SENDING:
            return "skipped"
        # The lease: another sweep leaves it alone until then.
        action.due_at = now + SENDING_LEASE
        action.save()
    account = action.case.account
    external_id = action.case.external_id
    connector = connector_for(account)
    try:
        if action.kind == ActionKind.BOOST:
            connector.boost(external_id=external_id)
        else:
            connector.favourite(external_id=external_id)
        error: TransportError | None = None
    except TransportError as exc:
        error = exc
    finally:
        connector.close()
    with transaction.atomic():
        action = CommunityAction.objects.select_for_update().get(pk=action_id)
        if action.status != ActionStatus.SENDING:
            return str(action.status)
        if error is None:
            action.mark_done()
        elif error.permanent:
            action.fail(error=error.message)
        else:
            action.back_off(
                error=error.message,
                until=error.retry_at or timezone.now() + dt.timedelta(minutes=1),
            )
        action.save()
        audit_record(
            action="campaign.community_send",
            via="system",
            case=action.case,
            subject=action,
            details={"kind": action.kind, "status": action.status},
        )
        return str(action.status)


def community_actions_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Boosts and favourites whose hold is over (or whose sender died): for the sweep."""
    now = now or timezone.now()
    return list(
        CommunityAction.objects.filter(
            status__in=[ActionStatus.HELD, ActionStatus.SENDING], due_at__lte=now
        )
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def follower_snapshot_take(*, account_id: int, day: dt.date | None = None) -> FollowerSnapshot:
    """Today's follower count of one campaign account, as the platform reports it
    (taken again the same day: the latest count wins)."""

    account = PlatformAccount.objects.get(pk=account_id)
    connector = connector_for(account)
    try:
        stats = connector.account_stats()
    finally:
        connector.close()
    snapshot, _created = FollowerSnapshot.objects.update_or_create(
        account=account,
        day=day or timezone.localdate(),
        defaults={"followers": stats.followers},
    )
    return snapshot


def campaign_accounts_active(*, day: dt.date | None = None) -> list[int]:
    """Accounts of the campaigns running on `day` (default today)."""
    day = day or timezone.localdate()
    return sorted(
        set(
            Campaign.objects.filter(starts_on__lte=day, ends_on__gte=day).values_list(
                "accounts", flat=True
            )
        )
        - {None}
    )
