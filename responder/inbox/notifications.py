"""In-app notifications (the bell): written after commit by the services that know
the event (case transitions here, comments in workflows), read by the header's count
and the notifications page. A person may also get each kind by e-mail."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from responder.accounts.models import User
from responder.inbox.models import Case
from responder.inbox.notification_models import (
    EMAIL_BY_DEFAULT,
    Notification,
    NotificationKind,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

# Case transitions that tell the case's owner (who did not do it themselves).
_OWNER_KINDS = {
    "request_changes": NotificationKind.CHANGES_REQUESTED,
    "approve": NotificationKind.APPROVED,
    "mark_replied": NotificationKind.POSTED,
    "fail_post": NotificationKind.FAILED,
}


def email_kinds(*, user_id: int) -> set[str]:
    """The kinds this person also wants by e-mail."""
    kinds = (
        NotificationPreference.objects.filter(user_id=user_id)
        .values_list("email_kinds", flat=True)
        .first()
    )
    return set(EMAIL_BY_DEFAULT) if kinds is None else set(kinds)


def email_kinds_save(*, user: User, kinds: Iterable[str]) -> set[str]:
    """Keep which kinds `user` also gets by e-mail (unknown kinds are ignored)."""
    chosen = sorted(set(kinds) & set(NotificationKind.values))
    NotificationPreference.objects.update_or_create(user=user, defaults={"email_kinds": chosen})
    return set(chosen)


def wants_email(*, user_id: int, kind: str) -> bool:
    return kind in email_kinds(user_id=user_id)


@dataclass(frozen=True)
class Pending:
    """Notifications of one kind on one case, to write after commit."""

    recipient_ids: tuple[int, ...]
    kind: str
    case_id: int
    actor_id: int | None
    email: bool = True


def notify(
    *,
    recipient_ids: Iterable[int | None],
    kind: str,
    case_id: int,
    actor_id: int | None,
    email: bool = True,
) -> None:
    """After the current transaction commits, add a notification of `kind` on the case
    for each recipient (never the actor), and e-mail those who want this kind
    (`email=False`: the caller's own e-mail already goes out, see workflows)."""
    notify_many(
        pending=[
            pending_for(
                recipient_ids=recipient_ids,
                kind=kind,
                case_id=case_id,
                actor_id=actor_id,
                email=email,
            )
        ]
    )


def pending_for(
    *,
    recipient_ids: Iterable[int | None],
    kind: str,
    case_id: int,
    actor_id: int | None,
    email: bool = True,
) -> Pending:
    recipients = tuple(sorted({r for r in recipient_ids if r is not None and r != actor_id}))
    return Pending(
        recipient_ids=recipients, kind=kind, case_id=case_id, actor_id=actor_id, email=email
    )


def notify_many(*, pending: Iterable[Pending]) -> None:
    """`notify` for many cases at once (a batch of transitions, such as the posts a
    posting worker records together): after commit, one INSERT and one look at the
    recipients' e-mail choices for the lot, then the e-mails that are wanted."""
    items = [p for p in pending if p.recipient_ids]
    if not items:
        return

    def write() -> None:
        created = Notification.objects.bulk_create(
            Notification(recipient_id=r, kind=p.kind, case_id=p.case_id, actor_id=p.actor_id)
            for p in items
            for r in p.recipient_ids
        )
        _bell_forget({r for p in items for r in p.recipient_ids})
        emailing = [n for n, p in zip(created, _expanded(items), strict=True) if p.email]
        if not emailing:
            return
        choices = dict(
            NotificationPreference.objects.filter(
                user_id__in={n.recipient_id for n in emailing}
            ).values_list("user_id", "email_kinds")
        )
        for notification in emailing:
            kinds = choices.get(notification.recipient_id)
            wanted = set(EMAIL_BY_DEFAULT) if kinds is None else set(kinds)
            if notification.kind in wanted:
                _email(notification.pk)

    transaction.on_commit(write)


def _expanded(items: list[Pending]) -> list[Pending]:
    """Each item once per recipient, in the order `notify_many` writes them."""
    return [p for p in items for _r in p.recipient_ids]


def _email(notification_id: int) -> None:
    """One e-mail for a notification whose kind its recipient asked for by e-mail."""
    notification = (
        Notification.objects.select_related("recipient", "case", "actor")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return
    person = notification.recipient
    if not person.is_active or not person.email:
        return
    if not wants_email(user_id=person.pk, kind=notification.kind):
        return
    with translation.override(person.language or settings.LANGUAGE_CODE):
        context = {
            "notification": notification,
            "label": NotificationKind(notification.kind).label,
            "case_link": f"{settings.SITE_URL}/cases/{notification.case_id}/",
        }
        subject = " ".join(
            f"{NotificationKind(notification.kind).label} (#{notification.case_id})".split()
        )
        body = render_to_string("email/notification.txt", context)
    try:
        send_mail(subject, body, None, [person.email])
    except Exception:  # a mail server down must not undo what happened on the case
        logger.exception("notification e-mail %s not sent", notification_id)


def notify_transition(
    *, case: Case, name: str, actor: Any, action: str | None, kwargs: Any
) -> None:
    """The notifications a case transition gives (inbox.transitions.case_transition)."""
    notify_many(
        pending=transition_pending(case=case, name=name, actor=actor, action=action, kwargs=kwargs)
    )


def transition_pending(
    *, case: Case, name: str, actor: Any, action: str | None, kwargs: Any
) -> list[Pending]:
    """What `notify_transition` writes, for a batch to write together."""
    actor_id = getattr(actor, "pk", None)
    if action == "case.assign":
        assignee = kwargs.get("user")
        return [
            pending_for(
                recipient_ids=[getattr(assignee, "pk", None)],
                kind=NotificationKind.ASSIGNED,
                case_id=case.pk,
                actor_id=actor_id,
            )
        ]
    kind = _OWNER_KINDS.get(name)
    if kind is None:
        return []
    return [
        pending_for(
            recipient_ids=[case.owner_id],
            kind=kind,
            case_id=case.pk,
            actor_id=actor_id,
            # changes requested already has its e-mail (workflows.notifications)
            email=kind != NotificationKind.CHANGES_REQUESTED,
        )
    ]


_MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


def mentioned_users(*, text: str) -> list[int]:
    """The ids of the active people whose username is @mentioned in `text`."""
    names = {m.rstrip(".") for m in _MENTION.findall(text)}
    if not names:
        return []
    return list(
        User.objects.filter(username__in=names, is_active=True).values_list("pk", flat=True)
    )


# --- reads -----------------------------------------------------------------------------


# The bell counts at most this many unread notifications (and shows "99+").
BELL_CAP = 100
# How long a cached bell count may live. Every write of this module forgets the
# count it changes, so this only bounds a count read just before a concurrent write
# committed (or rows removed by something else, such as a deleted case).
BELL_TTL_SECONDS = 30


def bell_cache_key(user_id: int) -> str:
    return f"bell:{user_id}"


def _bell_forget(user_ids: Iterable[int]) -> None:
    """Forget the cached counts now and again after commit: a count computed by a
    page between the two (still seeing the old rows) is not kept."""
    keys = [bell_cache_key(pk) for pk in user_ids]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


@functools.cache
def _unread_sql() -> str:
    """The miss's count, written out: compiling the same sliced queryset through the
    ORM cost four times what PostgreSQL took to run it (bench/notifications_bench.py).
    Only the model's table and column names go in the text."""
    q = connection.ops.quote_name
    return (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {q(Notification._meta.db_table)}"  # noqa: S608
        f" WHERE {q('recipient_id')} = %s AND {q('read_at')} IS NULL"
        f" LIMIT {int(BELL_CAP)}) AS capped"
    )


def unread_count(*, user_id: int) -> int:
    """The bell's number, at most BELL_CAP, asked on every page: kept in the cache
    (Redis) for BELL_TTL_SECONDS and forgotten by every write below, so that most
    pages ask Redis rather than PostgreSQL (bench/notifications_bench.py). On a miss
    it counts at most BELL_CAP entries of the partial index notification_unread_idx,
    whatever the person's backlog."""
    key = bell_cache_key(user_id)
    cached = cache.get(key)
    if cached is not None:
        return int(cached)
    with connection.cursor() as cursor:
        cursor.execute(_unread_sql(), [user_id])
        count = int(cursor.fetchone()[0])
    cache.set(key, count, BELL_TTL_SECONDS)
    return count


def notifications_for(*, user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user_id).select_related("case", "actor")


def notification_read(*, user_id: int, notification_id: int) -> Notification | None:
    """Mark one of this person's notifications read; None if it is not theirs."""
    notification = Notification.objects.filter(pk=notification_id, recipient_id=user_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _bell_forget([user_id])
    return notification


def notifications_read_all(*, user_id: int) -> int:
    changed = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    _bell_forget([user_id])
    return changed
