"""Opportunities on the campaign page: the questions the community raised that are
not answered yet, and the community's most engaged posts under the campaign's
hashtags that we have not acknowledged (no reply, boost or favourite from us, not
set aside as ignored). Engagement is what we saw: the community's replies to the
post among the posts we received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from responder.campaigns.models import ActionKind, ActionStatus, Campaign, CommunityAction
from responder.campaigns.selectors import community_cases
from responder.channels.models import OutboxItem
from responder.inbox.models import Case, CaseState

# Community posts of the last days are read (a week of posts, not the whole history).
RECENT = dt.timedelta(days=7)
LIMIT = 10


@dataclass
class Opportunities:
    unanswered: Sequence[Case]
    engaged: Sequence[Case]  # each with .community_replies


def campaign_opportunities(*, campaign: Campaign, now: dt.datetime | None = None) -> Opportunities:
    now = now or timezone.now()
    marked = CommunityAction.objects.filter(
        campaign=campaign, kind=ActionKind.QUESTION, status=ActionStatus.DONE
    ).values("case_id")
    unanswered = list(
        Case.objects.filter(pk__in=marked, first_response_at__isnull=True)
        .exclude(state=CaseState.CLOSED)
        .order_by("received_at")[:LIMIT]
    )
    acknowledged = CommunityAction.objects.filter(
        case_id=OuterRef("pk"),
        kind__in=[ActionKind.BOOST, ActionKind.FAVOURITE],
        status__in=[ActionStatus.HELD, ActionStatus.SENDING, ActionStatus.DONE],
    )
    replied = OutboxItem.objects.filter(case_id=OuterRef("pk"))
    engaged = list(
        community_cases(campaign=campaign)
        .filter(received_at__gte=now - RECENT, first_response_at__isnull=True)
        .exclude(state=CaseState.CLOSED)
        .exclude(pk__in=marked)
        .filter(~Exists(acknowledged), ~Exists(replied))
        .annotate(community_replies=Count("followups", filter=~Q(followups__source="outgoing")))
        .filter(community_replies__gt=0)
        .order_by("-community_replies", "-received_at", "-id")[:LIMIT]
    )
    return Opportunities(unanswered=unanswered, engaged=engaged)
