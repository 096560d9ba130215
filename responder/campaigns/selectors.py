"""Reads of the campaigns app: the campaign list, its posts, calendar, community posts
(keyset-paged like the inbox) and figures. The HTML pages and the CSV read these."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Min, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from responder.accounts import authz
from responder.accounts.models import User
from responder.campaigns.models import (
    ActionKind,
    ActionStatus,
    Campaign,
    CampaignPost,
    CommunityAction,
    FollowerSnapshot,
)
from responder.channels.models import OutboxItem, OutboxStatus, ReplyEngagement
from responder.db import datetime_param, datetime_read, sql_in, sql_in_params
from responder.inbox.hashtag_models import CaseHashtag
from responder.inbox.hashtags import hashtags_normal, with_hashtags_q
from responder.inbox.models import OUTGOING_SOURCE, Case, CaseState, Platform
from workflows.models import ApprovalStep

COMMUNITY_PAGE_SIZE = 50


def campaigns_for(*, user: User) -> QuerySet[Campaign]:
    departments = authz.departments_where(user)
    campaigns = Campaign.objects.select_related("department", "owner")
    if departments is None:
        return campaigns
    return campaigns.filter(department_id__in=departments)


@dataclass
class PostRow:
    post: CampaignPost
    state: str
    state_label: str
    sent: list[OutboxItem] = field(default_factory=list)
    pending: int = 0
    first_text: str = ""
    # A stalled thread: its failed posts (with the platform's words) hold the rest.
    failed: list[OutboxItem] = field(default_factory=list)
    cancelled: int = 0

    @property
    def when(self) -> dt.datetime | None:
        if self.sent:
            return self.sent[0].sent_at
        return self.post.scheduled_for


_WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)
_STALLED = (OutboxStatus.FAILED, OutboxStatus.NEEDS_ATTENTION)


def campaign_posts(*, campaign: Campaign) -> list[PostRow]:
    """The campaign's posts (one per account), scheduled and published, by time."""
    posts = list(
        CampaignPost.objects.filter(campaign=campaign)
        .select_related("account", "case")
        .order_by("scheduled_for", "id")
    )
    items: dict[int, list[OutboxItem]] = defaultdict(list)
    for item in OutboxItem.objects.filter(case_id__in=[p.case_id for p in posts]).order_by("id"):
        items[item.case_id].append(item)
    rows = []
    for post in posts:
        its = items.get(post.case_id, [])
        draft_text = post.case.drafts.order_by("-version").values_list("text", flat=True).first()
        rows.append(
            PostRow(
                post=post,
                state=post.case.state,
                state_label=post.case.get_state_display(),
                sent=[i for i in its if i.status == OutboxStatus.SENT],
                pending=sum(1 for i in its if i.status in _WAITING),
                failed=[i for i in its if i.status in _STALLED],
                cancelled=sum(1 for i in its if i.status == OutboxStatus.CANCELLED),
                first_text=(draft_text or "").split("\n")[0][:140],
            )
        )
    rows.sort(key=lambda r: (r.when is None, r.when or timezone.now(), r.post.pk))
    return rows


@dataclass(frozen=True)
class CalendarEntry:
    when: dt.datetime
    account: str
    platform: str
    status: str  # scheduled | published | in_review | failed
    text: str
    url: str = ""
    error: str = ""


def campaign_calendar(*, campaign: Campaign) -> list[tuple[dt.date, list[CalendarEntry]]]:
    """Scheduled and published posts, per day (local time), then per account."""
    days: dict[dt.date, list[CalendarEntry]] = defaultdict(list)
    for row in campaign_posts(campaign=campaign):
        if row.sent:
            for item in row.sent:
                assert item.sent_at is not None
                days[timezone.localdate(item.sent_at)].append(
                    CalendarEntry(
                        when=item.sent_at,
                        account=str(row.post.account),
                        platform=row.post.account.platform,
                        status="published",
                        text=item.text[:140],
                        url=item.external_url,
                    )
                )
        for item in row.failed:  # a stalled thread shows where it stopped, and why
            days[timezone.localdate(item.not_before or item.created_at)].append(
                CalendarEntry(
                    when=item.not_before or item.created_at,
                    account=str(row.post.account),
                    platform=row.post.account.platform,
                    status="failed",
                    text=item.text[:140],
                    error=item.last_error,
                )
            )
        if (
            not row.sent
            and not row.failed
            and row.post.scheduled_for is not None
            and row.state != CaseState.CLOSED
        ):
            days[timezone.localdate(row.post.scheduled_for)].append(
                CalendarEntry(
                    when=row.post.scheduled_for,
                    account=str(row.post.account),
                    platform=row.post.account.platform,
                    status="scheduled" if row.state != CaseState.IN_REVIEW else "in_review",
                    text=row.first_text,
                )
            )
    return [
        (day, sorted(entries, key=lambda e: (e.account, e.when)))
        for day, entries in sorted(days.items())
    ]


# --- the community -----------------------------------------------------------------------


def community_cases(*, campaign: Campaign) -> QuerySet[Case]:
    """Posts under the campaign's hashtags on its accounts (not our own posts)."""
    return (
        Case.objects.filter(
            department_id=campaign.department_id, account__in=campaign.accounts.all()
        )
        .exclude(source=OUTGOING_SOURCE)
        .filter(with_hashtags_q(campaign.tags))
    )


@dataclass(slots=True, frozen=True)
class CommunityPost:
    """One community post as the hashtag view lists it: the columns it shows, read as
    a row. A plain object rather than a Case instance, as the inbox's rows are
    (responder/web/inbox_selectors/page.py): fifty model instances, and the ORM
    compiling the query, cost several times what PostgreSQL takes to run it."""

    id: int
    department_id: int
    platform: str
    author_handle: str
    text: str
    received_at: dt.datetime

    @property
    def pk(self) -> int:
        return self.id

    def get_platform_display(self) -> str:
        return str(Platform(self.platform).label)


@dataclass
class CommunityPage:
    cases: list[CommunityPost]
    actions: dict[int, list[CommunityAction]]
    older: str | None


def _cursor(post: CommunityPost) -> str:
    return f"{post.received_at.isoformat()}_{post.pk}"


def _parse_cursor(value: str | None) -> tuple[dt.datetime, int] | None:
    if not value or "_" not in value:
        return None
    when, _sep, pk = value.rpartition("_")
    try:
        return dt.datetime.fromisoformat(when), int(pk)
    except ValueError:
        return None


# community_cases() as SQL, for the page read all day: the same posts (its tests hold
# the two to it), read along the (department, received) index with an indexed hashtag
# probe per case. Only table names from the models go in the text; every value is a
# parameter.
_COMMUNITY_SQL = f"""
    SELECT c.id, c.department_id, c.platform, c.author_handle, c.text, c.received_at
    FROM {Case._meta.db_table} c
    WHERE c.department_id = %s
      AND c.account_id IN (SELECT a.platformaccount_id
                           FROM {Campaign.accounts.through._meta.db_table} a
                           WHERE a.campaign_id = %s)
      AND c.source <> %s
      AND EXISTS (SELECT 1 FROM {CaseHashtag._meta.db_table} h
                  WHERE h.case_id = c.id AND {{tags}})
      {{below}}
    ORDER BY c.received_at DESC, c.id DESC
    LIMIT %s
"""  # noqa: S608 (table names from the models; values are parameters)
_BELOW = "AND (c.received_at < %s OR (c.received_at = %s AND c.id < %s))"
_ACTIONS_SQL = f"""
    SELECT * FROM {CommunityAction._meta.db_table}
    WHERE campaign_id = %s AND {{cases}} AND status <> %s
    ORDER BY id
"""  # noqa: S608


def community_page(
    *, campaign: Campaign, before: str | None = None, limit: int = COMMUNITY_PAGE_SIZE
) -> CommunityPage:
    """One page of community posts, newest first, below the cursor `before`: keyset
    paging on (received, id), like the inbox, never OFFSET. Only the columns the list
    shows: no account (its credentials are decrypted on load), no JSON to decode.
    Written for PostgreSQL and SQLite (make run's database) alike (responder/db.py)."""
    tags = hashtags_normal(campaign.tags)
    if not tags:
        return CommunityPage(cases=[], actions={}, older=None)
    params: list[Any] = [
        campaign.department_id,
        campaign.pk,
        OUTGOING_SOURCE,
        *sql_in_params(tags),
    ]
    below = ""
    cursor = _parse_cursor(before)
    if cursor is not None:
        when = datetime_param(cursor[0])
        params += [when, when, cursor[1]]
        below = _BELOW
    params.append(limit + 1)
    sql = _COMMUNITY_SQL.format(tags=sql_in("h.tag", len(tags)), below=below)
    with connection.cursor() as db:
        db.execute(sql, params)
        rows = [
            CommunityPost(pk, department, platform, handle, text, datetime_read(at))
            for pk, department, platform, handle, text, at in db.fetchall()
        ]
    older = _cursor(rows[limit - 1]) if len(rows) > limit else None
    rows = rows[:limit]
    actions: dict[int, list[CommunityAction]] = defaultdict(list)
    if rows:
        ids = [r.id for r in rows]
        for action in CommunityAction.objects.raw(
            _ACTIONS_SQL.format(cases=sql_in("case_id", len(ids))),
            [campaign.pk, *sql_in_params(ids), ActionStatus.UNDONE],
        ):
            actions[action.case_id].append(action)
    return CommunityPage(cases=rows, actions=dict(actions), older=older)


# --- figures ------------------------------------------------------------------------------


@dataclass
class CampaignFigures:
    # account, text, favourites, boosts, replies, quotes, impressions (None: the
    # platform does not give them), url
    posts: list[tuple[str, str, int, int, int, int | None, int | None, str]]
    followers: list[tuple[str, str, int]]  # day, account, followers
    volume: list[tuple[str, int, int]]  # day, posts, from new voices
    questions: int
    answered: int
    median_response_minutes: float | None
    boosts: int
    favourites: int
    # Median minutes campaign posts spent in approval steps (opened to decided).
    median_approval_minutes: float | None = None
    # Questions raised and not answered yet: the first opportunities.
    unanswered: list[Case] = field(default_factory=list)


def _hashtag_volume(*, campaign: Campaign) -> list[tuple[str, int, int]]:
    """Community posts under the campaign's hashtags per day, and how many of them came
    from authors the department had not heard from before: (day, posts, new voices)."""
    community = community_cases(campaign=campaign)
    per_day = (
        community.annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    first_seen = dict(
        Case.objects.filter(department_id=campaign.department_id)
        .exclude(source=OUTGOING_SOURCE)
        .values("author_handle")
        .annotate(first=Min("received_at"))
        .filter(author_handle__in=community.values("author_handle"))
        .values_list("author_handle", "first")
    )
    new_voices: dict[dt.date, int] = defaultdict(int)
    for handle, received in community.values_list("author_handle", "received_at"):
        if first_seen.get(handle) == received:
            new_voices[timezone.localdate(received)] += 1
    return [(row["day"].isoformat(), row["n"], new_voices.get(row["day"], 0)) for row in per_day]


def campaign_figures(*, campaign: Campaign) -> CampaignFigures:
    """Engagement per published post (as last read from the platforms), followers per
    account per day, hashtag volume per day (and posts by authors not seen before),
    the questions the community's posts raised and how fast they were answered."""
    case_ids = CampaignPost.objects.filter(campaign=campaign).values("case_id")
    sent = (
        OutboxItem.objects.filter(case_id__in=case_ids, status=OutboxStatus.SENT)
        .select_related("account")
        .order_by("sent_at", "id")
    )
    engagement = {e.outbox_item_id: e for e in ReplyEngagement.objects.filter(outbox_item__in=sent)}
    posts = []
    for item in sent:
        e = engagement.get(item.pk)
        posts.append(
            (
                str(item.account),
                item.text[:80],
                e.favourites if e else 0,
                e.boosts if e else 0,
                e.replies if e else 0,
                e.quotes if e else None,
                e.impressions if e else None,
                item.external_url,
            )
        )
    followers = [
        (s.day.isoformat(), str(s.account), s.followers)
        for s in FollowerSnapshot.objects.filter(account__in=campaign.accounts.all())
        .select_related("account")
        .order_by("day", "account_id")
    ]
    volume = _hashtag_volume(campaign=campaign)
    marked = CommunityAction.objects.filter(
        campaign=campaign, kind=ActionKind.QUESTION, status=ActionStatus.DONE
    ).values("case_id")
    questions = Case.objects.filter(pk__in=marked)
    answered = list(
        questions.filter(first_response_at__isnull=False).values_list(
            "received_at", "first_response_at"
        )
    )
    minutes = sorted(
        (done - asked).total_seconds() / 60 for asked, done in answered if done is not None
    )
    median = minutes[len(minutes) // 2] if minutes else None
    done = CommunityAction.objects.filter(campaign=campaign, status=ActionStatus.DONE)
    spent = sorted(
        (decided - opened).total_seconds() / 60
        for opened, decided in ApprovalStep.objects.filter(
            case_id__in=case_ids, opened_at__isnull=False, decided_at__isnull=False
        ).values_list("opened_at", "decided_at")
        if opened is not None and decided is not None
    )
    return CampaignFigures(
        posts=posts,
        followers=followers,
        volume=volume,
        questions=questions.count(),
        answered=len(answered),
        median_response_minutes=median,
        boosts=done.filter(kind=ActionKind.BOOST).count(),
        favourites=done.filter(kind=ActionKind.FAVOURITE).count(),
        median_approval_minutes=spent[len(spent) // 2] if spent else None,
        unanswered=list(
            questions.filter(first_response_at__isnull=True)
            .exclude(state=CaseState.CLOSED)
            .order_by("received_at")[:20]
        ),
    )
