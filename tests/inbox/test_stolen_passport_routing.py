"""Issue #11 item 6, reproduced: "My passport was stolen in Paris…" went to the one-SME
policy until the officer ticked the *Lost or stolen* topic by hand, although the
library suggestions had already ranked that topic first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from responder.channels.ingest import account_poll
from responder.inbox.models import Case, LibraryAnswer, Topic
from workflows.routing import policy_resolve

pytestmark = pytest.mark.django_db


def test_a_stolen_passport_mention_routes_to_the_sensitive_policy_without_a_tick(
    team, simulator, mastodon_account
):
    lost = Topic.objects.create(
        slug="lost-stolen",
        name_en="Lost or stolen passport",
        name_fr="Passeport perdu ou volé",
        department=team.department,
        sensitive=True,
    )
    LibraryAnswer.objects.create(
        topic=lost,
        department=team.department,
        title_en="Lost or stolen passport",
        title_fr="Passeport perdu ou volé",
        text_en="Report a lost or stolen passport to the police and to us right away.",
        text_fr="Déclarez tout de suite un passeport perdu ou volé à la police et à nous.",
        review_date=timezone.localdate() + dt.timedelta(days=365),
        approved_by=team.admin,
    )
    simulator.post_mention("My passport was stolen in Paris… what do I do now?", lang="en")

    outcome = account_poll(account_id=mastodon_account.pk)

    case = Case.objects.get(pk=outcome.new_case_ids[0])
    assert list(case.topics.values_list("slug", flat=True)) == ["lost-stolen"]
    assert policy_resolve(case=case, draft=None).policy.name == "Sensitive answer"
