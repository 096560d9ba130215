"""Incoming rules: typo-tolerant matching, versions, the preview, the editor pages and
who may use them, and classification on the streaming path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from responder.audit.models import AuditEvent
from responder.channels.connectors.base import Mention
from responder.channels.ingest import stream_mentions_store
from responder.errors import PermissionDenied, ValidationError
from responder.inbox.classify import Post, classifier_for
from responder.inbox.incoming_models import IncomingRule, IncomingRuleRevision
from responder.inbox.incoming_rules import RuleInput, incoming_rule_preview, incoming_rule_save
from responder.inbox.models import Case, Risk
from responder.testing.factories import TopicFactory
from tests.inbox.classification_helpers import demo_setup, ingest

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stolen_rule(team, **changes):
    topic = TopicFactory(slug="lost-stolen", department=team.department, sensitive=True)
    data = RuleInput(
        name="stolen",
        keywords_en="passport + stolen\nlost my passport",
        keywords_fr="passeport + volé",
        topic_ids=(topic.pk,),
        risk=Risk.SENSITIVE,
        priority="urgent",
    )
    rule = incoming_rule_save(actor=team.admin, department_id=team.department.pk, data=data)
    return rule, topic


@pytest.mark.parametrize(
    "text",
    [
        "My passport was STOLEN in Paris",
        "my pasport got stollen",
        "I lost my passport yesterday",
        "I lost my pasport yesterday",
        "Mon passeport a été volé",
        "on m'a vole mon passeport",
        "passeport volée hier soir",
    ],
)
def test_keywords_match_without_case_accents_or_a_typo(team, text):
    stolen_rule(team)
    result = classifier_for(department_id=team.department.pk).classify(
        Post(text=text, language="en")
    )
    assert [r["rule"] for r in result.reasons if r.get("topic")] == ["stolen"]
    assert (result.risk, result.priority) == (Risk.SENSITIVE, "urgent")


@pytest.mark.parametrize(
    "text",
    [
        "How long does a passport renewal take?",
        "I lost my luggage, not my passport... wait, no, I found it: the passport is fine",
        "I last saw my passport photo at the office",
    ],
)
def test_unrelated_or_too_different_words_do_not_match(team, text):
    stolen_rule(team)
    result = classifier_for(department_id=team.department.pk).classify(
        Post(text=text, language="en")
    )
    assert not [r for r in result.reasons if r.get("kind") == "rule"]


def test_each_save_is_a_new_version_with_a_snapshot_and_an_audit_event(team):
    rule, topic = stolen_rule(team)
    changed = incoming_rule_save(
        actor=team.admin,
        department_id=team.department.pk,
        rule_id=rule.pk,
        expected_version=1,
        data=RuleInput(name="stolen", keywords_en="stolen passport", topic_ids=(topic.pk,)),
    )
    assert changed.version == 2
    revisions = list(IncomingRuleRevision.objects.filter(rule=rule).order_by("version"))
    assert [r.version for r in revisions] == [1, 2]
    assert revisions[0].snapshot["keywords_fr"] == "passeport + volé"
    assert revisions[1].snapshot["keywords_fr"] == ""
    assert revisions[1].snapshot["topics"] == ["lost-stolen"]
    assert [e.action for e in AuditEvent.objects.filter(subject_type="incomingrule")] == [
        "incoming_rule.create",
        "incoming_rule.change",
    ]
    # A stale editor is refused.
    with pytest.raises(Exception, match="version 2"):
        incoming_rule_save(
            actor=team.admin,
            department_id=team.department.pk,
            rule_id=rule.pk,
            expected_version=1,
            data=RuleInput(name="stolen", keywords_en="x", topic_ids=(topic.pk,)),
        )


def test_only_the_departments_admins_may_save_and_a_rule_needs_criteria(team):
    with pytest.raises(PermissionDenied):
        incoming_rule_save(
            actor=team.officer,
            department_id=team.department.pk,
            data=RuleInput(name="x", keywords_en="fees", priority="high"),
        )
    with pytest.raises(ValidationError):
        incoming_rule_save(
            actor=team.admin,
            department_id=team.department.pk,
            data=RuleInput(name="x", priority="high"),
        )


def test_the_preview_counts_the_cases_of_the_last_500_it_would_tag(team):
    old = team.case(text="My passport was stolen last year")
    old.received_at = timezone.now() - dt.timedelta(days=30)
    old.save()
    for i in range(500):
        team.case(text=f"How long does a renewal take? ({i})" if i % 50 else "passport stolen!")
    rule, _topic = stolen_rule(team)
    preview = incoming_rule_preview(rule=rule)
    assert preview.looked_at == 500
    assert preview.count == 10  # the 501st (oldest) case is not looked at
    assert all("stolen" in m.text for m in preview.matches)


def test_the_editor_page_previews_before_saving_and_saves_in_french(team):
    topic = TopicFactory(slug="fees", department=team.department)
    team.case(text="How much does a passport cost?")
    team.case(text="Bonjour")
    client = client_for(team.admin)
    form = {
        "name": "Fees",
        "is_active": "on",
        "order": "10",
        "keywords_en": "cost\nhow much",
        "keywords_fr": "",
        "topics": [topic.pk],
        "priority": "",
        "risk": "",
        "action": "preview",
    }
    url = f"/settings/incoming-rules/new/?department={team.department.pk}"
    page = client.post(url, form)
    assert page.status_code == 200
    assert "This rule would have tagged 1 of the last 2 cases." in page.content.decode()
    assert not IncomingRule.objects.exists()

    saved = client.post(url, {**form, "action": "save"})
    rule = IncomingRule.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/settings/incoming-rules/{rule.pk}/"
    client.cookies["django_language"] = "fr"
    listing = client.get("/settings/incoming-rules/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Règles d’arrivée" in listing.content.decode()
    assert "Fees" in listing.content.decode()


def test_other_departments_admins_and_officers_may_not_use_the_editor(team):
    from responder.accounts.models import Role
    from responder.testing.factories import person

    rule, _topic = stolen_rule(team)
    other_admin = person(Role.ADMIN, team.outsider.memberships.get().department, username="bob")
    assert client_for(other_admin).get(f"/settings/incoming-rules/{rule.pk}/").status_code == 403
    assert client_for(team.officer).get("/settings/incoming-rules/").status_code == 403
    assert client_for(team.admin).get(f"/settings/incoming-rules/{rule.pk}/").status_code == 200


def test_the_stream_path_classifies_too(team):
    demo_setup(team)
    mention = Mention(
        external_id="stream-1",
        author_handle="citizen@mastodon.example",
        author_name="",
        author_external_id="1",
        text="J'ai perdu mon passeport à Lisbonne",
        url="https://mastodon.example/@c/1",
        created_at=timezone.now(),
    )
    [case_id] = stream_mentions_store(account_id=team.account.pk, mentions=[mention], errors=[])
    case = Case.objects.get(pk=case_id)
    assert "lost-stolen" in set(case.topics.values_list("slug", flat=True))
    assert case.auto_risk == Risk.SENSITIVE


def test_a_library_change_is_seen_by_the_next_batch(team):
    demo_setup(team)
    IncomingRule.objects.all().delete()
    [before] = ingest(team.account, [("Are dogs allowed inside?", "en")])
    assert not before.topics.exists()
    from responder.inbox.models import LibraryAnswer

    answer = LibraryAnswer.objects.get(title_en="Where to apply in person")
    answer.title_en = "Dogs allowed?"
    answer.text_en = "Only a service dog may come in with you."
    answer.save()
    [after] = ingest(team.account, [("Are dogs allowed inside?", "en")])
    assert list(after.topics.values_list("slug", flat=True)) == ["applying"]
    assert after.classification[0]["kind"] == "library"


def test_account_language_author_and_hashtag_criteria_and_a_low_priority(team):
    from responder.testing.factories import PlatformAccountFactory

    other_account = PlatformAccountFactory(department=team.department, handle="other")
    incoming_rule_save(
        actor=team.admin,
        department_id=team.department.pk,
        data=RuleInput(
            name="fan mail",
            account_id=team.account.pk,
            hashtag="#merci",
            language="fr",
            author_handle="@fan",
            priority="low",
        ),
    )
    classifier = classifier_for(department_id=team.department.pk)

    def priority(**post):
        base = {"text": "Bravo #Merci", "language": "fr", "account_id": team.account.pk}
        base.setdefault("author_handle", "fan@piaille.example")
        return classifier.classify(Post(**{**base, **post})).priority

    assert priority() == "low"
    assert priority(author_handle="someone@piaille.example") == "normal"
    assert priority(language="en") == "normal"
    assert priority(text="Bravo") == "normal"
    assert priority(account_id=other_account.pk) == "normal"
