"""rows_update: many rows of one model saved in one UPDATE, read back from the database.

Each test runs both ways the helper writes: `unnest` arrays on PostgreSQL (the test
database), and Django's bulk_update, which it uses on any other database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount, PostAttempt
from responder.db import ids_reserve, rows_copy, rows_update
from responder.inbox.models import Case, Draft
from responder.testing.factories import CaseFactory, PlatformAccountFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture(params=["postgresql", "other"])
def vendor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The database vendor rows_update sees. "other" stands for any database but
    PostgreSQL: Django has no SQL of its own for a vendor by that name, so the
    bulk_update it builds still runs on the PostgreSQL server under the tests."""
    assert connection.vendor == "postgresql"
    if request.param != "postgresql":
        monkeypatch.setattr(connections["default"], "vendor", request.param)
    yield request.param


def update(vendor: str, objs: Sequence[Model], fields: Sequence[str]) -> None:
    """rows_update, checking it wrote with the statement meant for `vendor`: one UPDATE
    from arrays on PostgreSQL, bulk_update's CASE WHEN elsewhere."""
    with CaptureQueriesContext(connection) as queries:
        rows_update(objs, fields)
    (sql,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    if vendor == "postgresql":
        assert "unnest(" in sql and "CASE WHEN" not in sql
    else:
        assert "CASE WHEN" in sql and "unnest(" not in sql


def values(model: type[Model], pks: Sequence[int], *fields: str) -> list[tuple[Any, ...]]:
    by_pk = {row[0]: row[1:] for row in model._default_manager.values_list("pk", *fields)}
    return [by_pk[pk] for pk in pks]


def test_rows_get_their_own_value_of_a_varying_field_and_the_shared_one_of_a_constant(vendor):
    account = PlatformAccountFactory()
    cases = [CaseFactory(account=account) for _ in range(3)]
    neighbour = CaseFactory(account=account, reply_external_id="theirs")
    for n, case in enumerate(cases):
        case.reply_external_id = f"reply-{n}"
        case.reply_url = "https://mastodon.example/@passports/1"
        case.author_name = "changed but not listed"

    update(vendor, cases, ["reply_external_id", "reply_url"])

    pks = [c.pk for c in cases]
    assert values(Case, pks, "reply_external_id", "reply_url") == [
        (f"reply-{n}", "https://mastodon.example/@passports/1") for n in range(3)
    ]
    # Only the listed fields of the given rows were written.
    assert "changed but not listed" not in {n for (n,) in values(Case, pks, "author_name")}
    assert values(Case, [neighbour.pk], "reply_external_id", "reply_url") == [("theirs", "")]


def test_a_nullable_field_is_set_to_none_for_all_rows_or_for_some(vendor):
    officer = UserFactory()
    cases = [CaseFactory(owner=officer, claimed_at=T0, replied_at=T0) for _ in range(3)]
    for n, case in enumerate(cases):
        case.owner = None  # the same for all: NULL
        case.claimed_at = None
        # Varying, with a NULL among the values.
        case.replied_at = None if n == 1 else T0 + dt.timedelta(minutes=n)

    update(vendor, cases, ["owner", "claimed_at", "replied_at"])

    assert values(Case, [c.pk for c in cases], "owner_id", "claimed_at", "replied_at") == [
        (None, None, T0),
        (None, None, None),
        (None, None, T0 + dt.timedelta(minutes=2)),
    ]


def outbox_items(count: int) -> list[OutboxItem]:
    author = UserFactory()
    items = []
    for n in range(count):
        case = CaseFactory()
        draft = Draft.objects.create(case=case, version=1, text=f"Reply {n}", author=author)
        items.append(
            OutboxItem.objects.create(
                case=case,
                draft=draft,
                account=case.account,
                text=draft.text,
                in_reply_to_external_id=case.external_id,
                status=OutboxStatus.SENDING,
                sending_started_at=T0,
                last_error="timed out",
            )
        )
    return items


def test_recording_posts_saves_datetimes_to_the_microsecond_and_clears_the_rest(vendor):
    items = outbox_items(3)
    for n, item in enumerate(items):
        item.mark_sent(
            external_id=f"11{n}",
            url=f"https://mastodon.example/@passports/11{n}",
            at=T0 + dt.timedelta(seconds=n, microseconds=n),
        )

    fields = ["status", "external_id", "external_url", "sent_at", "sending_started_at"]
    update(vendor, items, [*fields, "last_error"])

    assert values(OutboxItem, [i.pk for i in items], *fields, "last_error") == [
        (
            "sent",
            f"11{n}",
            f"https://mastodon.example/@passports/11{n}",
            T0 + dt.timedelta(seconds=n, microseconds=n),
            None,
            "",
        )
        for n in range(3)
    ]


def test_closing_attempts_saves_a_shared_datetime_and_their_outcomes(vendor):
    items = outbox_items(2)
    attempts = [PostAttempt.objects.create(outbox_item=item, started_at=T0) for item in items]
    finished = timezone.now()
    for attempt, outcome in zip(attempts, ["sent", "found"], strict=True):
        attempt.outcome = outcome
        attempt.finished_at = finished

    update(vendor, attempts, ["outcome", "finished_at"])

    assert values(PostAttempt, [a.pk for a in attempts], "outcome", "finished_at") == [
        ("sent", finished),
        ("found", finished),
    ]


def test_json_values_are_saved_whole_varying_or_shared(vendor):
    accounts = [PlatformAccountFactory() for _ in range(3)]
    untouched = PlatformAccountFactory(hashtag_cursors={"keep": "me"})
    pks = [a.pk for a in accounts]
    cursors = [{"passports": "101"}, {"passports": "102", "taxes": None}, {}]
    for account, cursor in zip(accounts, cursors, strict=True):
        account.hashtag_cursors = cursor

    update(vendor, accounts, ["hashtag_cursors"])
    assert values(PlatformAccount, pks, "hashtag_cursors") == [(c,) for c in cursors]

    for account in accounts:
        account.hashtag_cursors = {"all": ["a", 1, True]}
    update(vendor, accounts, ["hashtag_cursors"])
    assert values(PlatformAccount, pks, "hashtag_cursors") == [({"all": ["a", 1, True]},)] * 3

    assert values(PlatformAccount, [untouched.pk], "hashtag_cursors") == [({"keep": "me"},)]


def test_no_rows_means_no_query(vendor, django_assert_num_queries):
    case = CaseFactory(reply_external_id="before")
    with django_assert_num_queries(0):
        rows_update([], ["reply_external_id"])
    assert values(Case, [case.pk], "reply_external_id") == [("before",)]


# --- rows_copy: new rows written with COPY (ingest's cases) --------------------------


def _twin_cases(account: PlatformAccount, prefix: str) -> list[Case]:
    """Unsaved cases with what ingest fills in: text a COPY must escape, JSON, choice
    values, nulls, aware datetimes, a parent."""
    parent = CaseFactory(account=account)
    return [
        Case(
            department_id=account.department_id,
            account=account,
            platform=account.platform,
            external_id=f"{prefix}-{n}",
            author_handle="amelie@mastodon.example",
            author_name="Amélie \\ O'Brien",
            text=f"Tab\there, line\nbreak, back\\slash, accents éà, emoji 😀, null-ish \\N {n}",
            language="fr",
            url="https://mastodon.example/@amelie/1",
            conversation_id=f"{prefix}-conv",
            in_reply_to_external_id="",
            parent_id=parent.pk if n else None,
            source="mention",
            received_at=T0 + dt.timedelta(minutes=n),
            auto_risk="sensitive",
            priority="urgent",
            classification=[{"kind": "rule", "rule": "Volé « vite »", "topic": "lost"}],
            pii_kinds=["phone"] if n else [],
            respond_by=T0 + dt.timedelta(hours=4) if n else None,
        )
        for n in range(3)
    ]


def test_rows_copy_writes_what_bulk_create_writes():
    account = PlatformAccountFactory()
    created = Case.objects.bulk_create(_twin_cases(account, "orm"))
    copied = _twin_cases(account, "copy")
    for case, pk in zip(copied, ids_reserve(Case, len(copied)), strict=True):
        case.pk = pk
    before = timezone.now()

    rows_copy(copied)

    skip = {"id", "external_id", "conversation_id", "parent", "created_at", "updated_at"}
    fields = [f.attname for f in Case._meta.concrete_fields if f.name not in skip]
    orm = values(Case, [c.pk for c in created], *fields)
    copy = values(Case, [c.pk for c in copied], *fields)
    assert copy == orm
    # Generated sort keys were computed by the database, and the text came back whole.
    assert values(Case, [copied[0].pk], "priority_rank", "text")[0][0] == 0
    assert "Tab\there, line\nbreak, back\\slash" in values(Case, [copied[0].pk], "text")[0][0]
    for created_at, updated_at in values(Case, [c.pk for c in copied], "created_at", "updated_at"):
        assert created_at >= before and updated_at >= before


def test_ids_reserve_gives_new_ascending_ids_that_inserts_never_reuse():
    account = PlatformAccountFactory()
    reserved = ids_reserve(Case, 5)
    assert reserved == sorted(reserved) and len(set(reserved)) == 5
    later = CaseFactory(account=account)
    assert later.pk > max(reserved)
    assert ids_reserve(Case, 0) == []
