"""The demo data `make run` loads: complete, safe to load twice, and usable."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from responder.accounts.models import Department, Membership, User
from responder.channels.models import AfterHoursNotice, OutboxItem, PlatformAccount
from responder.inbox import services
from responder.inbox.incoming_models import IncomingRule
from responder.inbox.models import Case, CaseState, LibraryAnswer, Topic
from workflows import submission
from workflows.models import ApprovalLayer, ApprovalPolicy, ApprovalStep, RoutingRule

pytestmark = pytest.mark.django_db

COUNTED: list[type[Model]] = [
    Department,
    User,
    Membership,
    Topic,
    LibraryAnswer,
    ApprovalPolicy,
    ApprovalLayer,
    RoutingRule,
    IncomingRule,
    PlatformAccount,
    Case,
]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_loading_the_demo_twice_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-1")
    seed()
    first = counts()
    output = seed()

    assert counts() == first
    assert "Demo data ready" in output
    assert first["Department"] == 1
    assert first["LibraryAnswer"] >= 12
    assert first["ApprovalPolicy"] == 3
    assert first["Case"] >= 5
    assert set(User.objects.values_list("username", flat=True)) == {
        "officer",
        "sme1",
        "sme2",
        "director",
        "admin",
    }
    assert User.objects.get(username="sme2").language == "fr"
    assert {c.language for c in Case.objects.all()} == {"en", "fr"}
    layers = {p.name: p.layers.count() for p in ApprovalPolicy.objects.all()}
    assert layers == {"Pre-approved answer": 0, "New answer": 1, "Sensitive answer": 2}
    answer = LibraryAnswer.objects.get(title_en="Processing times")
    assert answer.is_pre_approved
    assert answer.text_fr and answer.text_en != answer.text_fr


def test_the_demo_names_its_policies_layers_and_rules_in_french_and_sends_the_notice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-1")
    seed("--no-cases")

    for model in (ApprovalPolicy, ApprovalLayer, RoutingRule, IncomingRule):
        assert not model.objects.filter(name_fr="").exists(), model.__name__
    assert ApprovalLayer.objects.filter(name_fr="Expert du domaine").exists()
    notice = AfterHoursNotice.objects.get()
    assert notice.enabled and notice.text_en and notice.text_fr and notice.name_fr


def test_without_cases_the_inbox_starts_empty() -> None:
    seed("--no-cases")

    assert Case.objects.count() == 0
    assert LibraryAnswer.objects.count() >= 12


def test_the_demo_officer_can_sign_in_with_the_demo_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "first-password")
    seed()
    monkeypatch.setenv("DEMO_PASSWORD", "printed-password")
    seed()  # a changed DEMO_PASSWORD applies on the next run, as the launcher prints it

    client = Client()
    response = client.post(
        reverse("login"), {"username": "officer", "password": "printed-password"}
    )

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(User.objects.get(username="officer").pk)
    assert not Client().login(username="officer", password="first-password")


def test_demo_policies_route_each_kind_of_reply_to_its_layers() -> None:
    seed()
    officer = User.objects.get(username="officer")
    answer = LibraryAnswer.objects.get(title_en="Processing times")
    plain = Case.objects.get(external_id="demo-1")
    lost = Case.objects.get(external_id="demo-3")

    # An unchanged pre-approved answer goes straight to the outbox.
    services.case_claim(case_id=plain.pk, actor=officer, via="web")
    services.draft_save(
        case_id=plain.pk,
        actor=officer,
        via="web",
        text=answer.text_en,
        library_answer_id=answer.pk,
    )
    submission.draft_submit(case_id=plain.pk, actor=officer, via="web")
    assert Case.objects.get(pk=plain.pk).state == CaseState.APPROVED
    assert OutboxItem.objects.filter(case=plain).count() == 1
    assert not ApprovalStep.objects.filter(case=plain).exists()

    # The lost-passport question is sensitive: an SME, then the director.
    assert lost.topics.filter(sensitive=True).exists()
    services.case_claim(case_id=lost.pk, actor=officer, via="web")
    services.draft_save(
        case_id=lost.pk, actor=officer, via="web", text="Please report it to the police first."
    )
    submission.draft_submit(case_id=lost.pk, actor=officer, via="web")
    steps = list(ApprovalStep.objects.filter(case=lost).order_by("position"))
    assert [s.name for s in steps] == ["Subject-matter expert", "Director"]
    assert {u.username for u in steps[0].reviewers.all()} == {"sme1", "sme2"}
    assert steps[0].delegate == User.objects.get(username="director")
    assert [u.username for u in steps[1].reviewers.all()] == ["director"]


def test_demo_questions_arrive_classified_and_the_stolen_passport_is_sensitive() -> None:
    from workflows.routing import policy_resolve

    seed()
    assert IncomingRule.objects.filter(department__slug="passports").count() == 10
    cases = list(Case.objects.filter(department__slug="passports"))
    with_topic = [c for c in cases if c.topics.exists()]
    assert len(with_topic) >= len(cases) - 1  # all but the compliment
    stolen = Case.objects.get(external_id="demo-3")
    # "... stolen in Lisbon yesterday and I fly home Friday"
    assert set(stolen.topics.values_list("slug", flat=True)) == {"lost-stolen", "urgent-travel"}
    assert stolen.priority == "urgent"
    assert policy_resolve(case=stolen, draft=None).policy.name == "Sensitive answer"
