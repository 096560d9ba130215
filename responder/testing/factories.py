from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from responder.accounts.models import Department, Membership, Role, User
from responder.channels.models import PlatformAccount
from responder.inbox.hashtags import case_hashtags_store
from responder.inbox.models import Case, LibraryAnswer, Topic
from workflows import submission
from workflows.models import ApprovalLayer, ApprovalPolicy, RoutingRule


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"dept-{n}")
    # Tests post at once unless they test the undo hold (production's default is 10 s).
    undo_hold_seconds = 0


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gc.ca")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def roles(
        self, create: bool, extracted: list[tuple[str, Department]] | None, **kw: object
    ) -> None:
        for role, department in extracted or []:
            Membership.objects.create(user=self, department=department, role=role)
        if create:
            self.save()


def person(role: str, department: Department, **kwargs: object) -> User:
    return UserFactory(roles=[(role, department)], **kwargs)


class PlatformAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformAccount

    platform = "mastodon"
    name = "Passport Office"
    handle = factory.Sequence(lambda n: f"passports{n}")
    department = factory.SubFactory(DepartmentFactory)
    base_url = "http://127.0.0.1:9"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case
        # The hashtags hook writes its own rows; the case needs no second save.
        skip_postgeneration_save = True

    account = factory.SubFactory(PlatformAccountFactory)
    department = factory.SelfAttribute("account.department")
    platform = factory.SelfAttribute("account.platform")
    external_id = factory.Sequence(lambda n: f"{100000 + n}")
    author_handle = factory.Sequence(lambda n: f"citizen{n}@mastodon.example")
    author_name = factory.Faker("name")
    text = "How long does a passport renewal take?"
    language = "en"
    url = factory.LazyAttribute(lambda c: f"https://mastodon.example/@x/{c.external_id}")

    @factory.post_generation
    def hashtags(obj: Case, create: bool, extracted: object, **kwargs: object) -> None:
        # What ingest records with each case (responder/inbox/hashtags.py).
        if create:
            case_hashtags_store(cases=[(obj.pk, obj.text)])


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    name_fr = factory.Sequence(lambda n: f"Sujet {n}")


class LibraryAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LibraryAnswer

    title_en = "Processing times"
    title_fr = "Délais de traitement"
    text_en = "Standard processing takes 10 business days. Check canada.ca/passports for details."
    text_fr = "Le traitement standard prend 10 jours ouvrables. Voir canada.ca/passeports."
    review_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=180))
    approved_by = factory.SubFactory(UserFactory)
    approved_at = factory.LazyFunction(timezone.now)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalPolicy

    name = factory.Sequence(lambda n: f"Policy {n}")


def layer(
    policy: ApprovalPolicy, position: int, role: str = Role.SME, **kwargs: object
) -> ApprovalLayer:
    return ApprovalLayer.objects.create(
        policy=policy,
        position=position,
        name=kwargs.pop("name", f"Layer {position}"),
        reviewer_role=role,
        **kwargs,
    )


def rule(policy: ApprovalPolicy, priority: int, **kwargs: object) -> RoutingRule:
    return RoutingRule.objects.create(
        policy=policy, priority=priority, name=kwargs.pop("name", f"rule {priority}"), **kwargs
    )


def answer_from_library(team: object, case: Case) -> None:
    """The team's officer claims `case` and submits the team's library answer unchanged:
    zero approval layers, so the reply is approved and in the outbox. `team` is any
    object with `officer` and `answer` (the tests' Team, the posting bench's)."""
    from responder.inbox import services as inbox

    officer, answer = team.officer, team.answer  # type: ignore[attr-defined]
    inbox.case_claim(case_id=case.pk, actor=officer, via="web")
    inbox.draft_save(
        case_id=case.pk,
        actor=officer,
        via="web",
        text=answer.text_en,
        library_answer_id=answer.pk,
    )
    submission.draft_submit(case_id=case.pk, actor=officer, via="web")


def submitted_in_new_words(team: object, case: Case, text: str = "New words.") -> object:
    """The team's officer claims `case`, writes `text` (not from the library) and
    submits it; returns the approval step now open (the first layer's)."""
    from responder.inbox import services as inbox
    from workflows.models import ApprovalStep, StepStatus

    officer = team.officer  # type: ignore[attr-defined]
    inbox.case_claim(case_id=case.pk, actor=officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=officer, via="web", text=text)
    submission.draft_submit(case_id=case.pk, actor=officer, via="web")
    return ApprovalStep.objects.get(case=case, status=StepStatus.OPEN)
