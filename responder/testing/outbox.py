"""Approved replies waiting in the outbox, made the way users make them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from responder.channels.models import OutboxItem, OutboxStatus
from responder.fsm import status_transition
from responder.inbox import services as inbox
from responder.inbox.models import Case
from responder.inbox.transitions import case_lock, case_transition
from responder.testing.factories import CaseFactory, answer_from_library
from workflows import submission


def approved_reply(
    team: Any, account: Any, simulator: Any, *, n: int = 0, text: str | None = None
) -> OutboxItem:
    """A citizen asks on the simulator; an officer answers with the unchanged library
    answer (zero approval layers), so the reply is approved and in the outbox."""
    acct = f"citizen{n}@mastodon.example"
    asked = simulator.post_mention(text=f"How long does a renewal take? ({n})", acct=acct)
    case = CaseFactory(
        account=account,
        department=team.department,
        external_id=asked["status_id"],
        author_handle=acct,
        url=asked["url"],
    )
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    if text is None:
        inbox.draft_save(
            case_id=case.pk,
            actor=team.officer,
            via="web",
            text=team.answer.text_en,
            library_answer_id=team.answer.pk,
        )
    else:
        inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text=text)
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return OutboxItem.objects.get(case=case)


def approved_replies_bulk(
    team: Any, account: Any, simulator: Any, count: int, *, start: int = 0
) -> list[int]:
    """Many approved replies at once (fault test, bench): the citizens' posts in one
    control call, then the same services per case. `start` numbers the citizens, so
    several batches on one simulator do not repeat one another."""
    asked = simulator.post_mentions(
        [
            {
                "text": f"Question {i}: how long does a renewal take?",
                "acct": f"c{i}@mastodon.example",
            }
            for i in range(start, start + count)
        ]
    )
    ids = []
    for i, mention in zip(range(start, start + count), asked, strict=True):
        case = CaseFactory(
            account=account,
            department=team.department,
            external_id=mention["status_id"],
            author_handle=f"c{i}@mastodon.example",
            url=mention["url"],
        )
        answer_from_library(team, case)
        ids.append(case.pk)
    return ids


def platform_refused(
    simulator: Any, case_id: int, *, status: int = 422, message: str = "Text too long"
) -> OutboxItem:
    """The platform refuses an approved reply for good, through the real path: the
    case's account speaks to the simulator, which answers `status` to the post, and
    the posting service records it (an attempt with the platform's words, the row
    failed, the case post_failed)."""
    from responder.channels.models import PlatformAccount
    from responder.channels.posting import outbox_item_send

    item = OutboxItem.objects.select_related("case").get(case_id=case_id)
    PlatformAccount.objects.filter(pk=item.case.account_id).update(
        platform="mastodon",
        base_url=simulator.url,
        credentials={"access_token": simulator.token},
    )
    simulator.fault(status=status, path_prefix="/api/v1/statuses", method="POST", message=message)
    outbox_item_send(outbox_item_id=item.pk)
    item.refresh_from_db()
    return item


def reply_posted(*, case_id: int, external_id: str = "posted-1") -> Case:
    """Record an approved case's reply as posted without a platform, through the
    transitions the posting service makes (the outbox row mark_sent; the case
    start_posting, then mark_replied), each audited. For tests about what follows a
    posted reply (retention, the library); the posting itself is tested against the
    simulator."""
    now = timezone.now()
    url = f"https://mastodon.example/@passports/{external_id}"
    with transaction.atomic():
        case = case_lock(case_id=case_id)
        item = OutboxItem.objects.select_for_update().get(case_id=case_id)
        status_transition(
            obj=item,
            name="mark_sent",
            prefix="outbox",
            actor=None,
            via="system",
            fields=["external_id", "external_url", "sent_at", "sending_started_at", "last_error"],
            external_id=external_id,
            url=url,
            at=now,
        )
        case_transition(case=case, name="start_posting", actor=None, via="system")
        return case_transition(
            case=case,
            name="mark_replied",
            actor=None,
            via="system",
            external_id=external_id,
            url=url,
        )


def reply_failed(
    item: OutboxItem, *, status: str = OutboxStatus.FAILED, error: str = "refused"
) -> OutboxItem:
    """Move a pending reply to `status` through its transitions, as the posting
    service does on the platform's answer: failed (send, then fail) or
    needs_attention (hold). The case is left as it is."""
    with transaction.atomic():
        item = OutboxItem.objects.select_for_update().get(pk=item.pk)
        if status == OutboxStatus.FAILED:
            status_transition(
                obj=item,
                name="send",
                prefix="outbox",
                actor=None,
                via="system",
                fields=["sending_started_at", "attempts"],
                now=timezone.now(),
            )
            name = "fail"
        elif status == OutboxStatus.NEEDS_ATTENTION:
            name = "hold"
        else:
            raise ValueError(f"not a failed status: {status}")
        status_transition(
            obj=item,
            name=name,
            prefix="outbox",
            actor=None,
            via="system",
            fields=["sending_started_at", "last_error"],
            error=error,
        )
    return item
