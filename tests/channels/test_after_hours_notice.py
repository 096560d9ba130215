"""The after-hours notice (#14): outside the department's business hours a mention
gets the department's automatic, pre-approved reply, in the case's language, at most
once per citizen per platform account per day, posted through the outbox exactly once;
inside business hours nothing. Real simulator over HTTP, time travel for the clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from responder.accounts.models import Holiday
from responder.audit.models import AuditEvent
from responder.channels.ingest import account_poll
from responder.channels.models import AfterHoursNotice, OutboxItem, OutboxKind, OutboxStatus
from responder.channels.posting import outbox_item_send
from responder.inbox.models import Case, CaseState

pytestmark = pytest.mark.django_db

TORONTO = zoneinfo.ZoneInfo("America/Toronto")
EN = "Thanks for writing. Our office is closed; we answer from 9:00 on working days."
FR = "Merci de votre message. Le bureau est fermé; nous répondons dès 9 h les jours ouvrables."


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """November 2026 in Toronto: the 25th is a Wednesday."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TORONTO)


@pytest.fixture
def notice(team, mastodon_account):
    team.department.timezone = "America/Toronto"
    team.department.save()
    return AfterHoursNotice.objects.create(
        department=team.department,
        enabled=True,
        name="After-hours notice",
        name_fr="Avis hors des heures",
        text_en=EN,
        text_fr=FR,
    )


def mention_at(simulator, account, moment: dt.datetime, *, acct: str, text: str, lang: str = "en"):
    """A citizen writes at `moment` and we poll: the new case."""
    with time_machine.travel(moment, tick=False):
        posted = simulator.post_mention(text, lang=lang, acct=acct)
        account_poll(account_id=account.pk)
    return Case.objects.get(account=account, external_id=posted["status_id"])


def notices() -> list[OutboxItem]:
    return list(OutboxItem.objects.filter(kind=OutboxKind.NOTICE).order_by("pk"))


def test_inside_business_hours_nothing_is_posted(notice, mastodon_account, simulator):
    mention_at(
        simulator, mastodon_account, at(25, 10), acct="alice@mastodon.example", text="Hours?"
    )
    assert notices() == []


def test_outside_hours_one_notice_once_a_day_per_citizen_then_again_the_next_day(
    notice, mastodon_account, simulator
):
    evening = mention_at(
        simulator, mastodon_account, at(25, 20), acct="alice@mastodon.example", text="Hours?"
    )
    (item,) = notices()
    assert item.case == evening and item.draft is None
    assert item.text == f"@alice@mastodon.example {EN}"

    # Posted through the outbox exactly once; the case still waits for its answer.
    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT
    assert outbox_item_send(outbox_item_id=item.pk) == "skipped"
    (post,) = simulator.posts()
    assert post["in_reply_to_id"] == evening.external_id
    assert post["idempotency_key"] == str(item.idempotency_key)
    evening.refresh_from_db()
    assert evening.state == CaseState.NEW and evening.first_response_at is None
    assert AuditEvent.objects.filter(case=evening, action="case.after_hours_notice").count() == 1

    # A second mention the same evening: nothing more for Alice; Bob gets his own.
    mention_at(simulator, mastodon_account, at(25, 23), acct="alice@mastodon.example", text="?")
    assert len(notices()) == 1
    mention_at(simulator, mastodon_account, at(25, 23, 30), acct="bob@mastodon.example", text="?")
    assert len(notices()) == 2

    # The next morning, before the office opens: Alice gets one again.
    mention_at(simulator, mastodon_account, at(26, 7), acct="alice@mastodon.example", text="??")
    assert len(notices()) == 3


def test_the_notice_follows_the_cases_language(notice, mastodon_account, simulator):
    case = mention_at(
        simulator,
        mastodon_account,
        at(28, 11),  # a Saturday
        acct="chloe@mastodon.example",
        text="Bonjour, quelles sont vos heures d'ouverture pour les passeports ?",
        lang="fr",
    )
    (item,) = notices()
    assert case.language == "fr"
    assert item.text == f"@chloe@mastodon.example {FR}"


def test_a_holiday_counts_as_after_hours(notice, mastodon_account, simulator):
    Holiday.objects.create(department=None, date=dt.date(2026, 11, 25), name="Day off")
    mention_at(simulator, mastodon_account, at(25, 10), acct="alice@mastodon.example", text="?")
    assert len(notices()) == 1


def test_switched_off_by_default_and_when_switched_off(team, mastodon_account, simulator):
    assert AfterHoursNotice._meta.get_field("enabled").default is False
    AfterHoursNotice.objects.create(department=team.department, text_en=EN, text_fr=FR)
    mention_at(simulator, mastodon_account, at(25, 20), acct="alice@mastodon.example", text="?")
    assert notices() == []


def test_queueing_again_for_the_same_cases_queues_nothing(notice, mastodon_account, simulator):
    from django.db import transaction

    from responder.channels.after_hours import after_hours_notices_queue
    from responder.channels.models import PlatformAccount

    case = mention_at(
        simulator, mastodon_account, at(25, 20), acct="alice@mastodon.example", text="?"
    )
    with time_machine.travel(at(25, 21), tick=False), transaction.atomic():
        locked = PlatformAccount.objects.select_for_update().get(pk=mastodon_account.pk)
        again = after_hours_notices_queue(account=locked, case_ids=[case.pk], now=at(25, 21))
    assert again == [] and len(notices()) == 1
