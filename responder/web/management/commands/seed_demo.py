"""Loads the demo data `make run` starts with. Safe to run again: nothing is
duplicated, and what an admin changed since is left alone (only the demo people's
password is set back to the demo password, so the printed logins always work).

    python manage.py seed_demo [--no-cases]
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from responder.accounts.models import Department, Membership, Role, User
from responder.channels.account_safety import platform_account_validate
from responder.channels.models import AfterHoursNotice, PlatformAccount
from responder.errors import ValidationError
from responder.inbox.classify import case_topics_link, cases_classify
from responder.inbox.demo_rules import demo_rules_load
from responder.inbox.models import Case, LibraryAnswer, Platform, Topic
from responder.web.demo_data import LIBRARY, LIBRARY_EXAMPLES, TOPICS
from workflows.models import ApprovalPolicy, RoutingRule
from workflows.policy_services import policy_create, policy_layers_save, rules_save
from workflows.validation import LayerSpec, RuleSpec, rule_spec_from

DEFAULT_DEMO_PASSWORD = "passports-demo"


def demo_password() -> str:
    """The password of every demo person: DEMO_PASSWORD, or the default."""
    return os.environ.get("DEMO_PASSWORD", "").strip() or DEFAULT_DEMO_PASSWORD


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: str
    language: str
    superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@passports.example.gc.ca"


DEMO_PEOPLE = [
    DemoPerson("officer", "Olivia", "Tremblay", Role.OFFICER, "en"),
    DemoPerson("sme1", "Samuel", "Nguyen", Role.SME, "en"),
    DemoPerson("sme2", "Sophie", "Gagnon", Role.SME, "fr"),
    DemoPerson("director", "Diane", "Martin", Role.APPROVER, "en"),
    DemoPerson("admin", "Alex", "Morin", Role.ADMIN, "en", superuser=True),
]

DEPARTMENT = {"slug": "passports", "name": "Passport Program / Programme de passeport"}

# slug, English name, French name, sensitive
CASES = [
    (
        "demo-1",
        "jmacdonald@mastodon.example",
        "Jordan MacDonald",
        "en",
        12,
        "@passports how long does it take to get a passport by mail right now?",
        "",
    ),
    (
        "demo-2",
        "marie.t@piaille.example",
        "Marie Tremblay",
        "fr",
        25,
        "@passports Bonjour, combien coûte un passeport pour mon fils de 8 ans?",
        "",
    ),
    (
        "demo-3",
        "raj_travels@mastodon.example",
        "Raj Patel",
        "en",
        40,
        "@passports my passport was stolen in Lisbon yesterday and I fly home Friday. "
        "What do I do??",
        "lost-stolen",
    ),
    (
        "demo-4",
        "lucie.b@mastodon.example",
        "Lucie Bouchard",
        "fr",
        65,
        "@passports Je pars dans deux jours et mon passeport est expiré. Est-ce possible "
        "de l'avoir à temps?",
        "",
    ),
    (
        "demo-5",
        "sam.k@mastodon.example",
        "Sam Kowalski",
        "en",
        130,
        "@passports can I renew online or do I need to go in person? Mine expired last year.",
        "",
    ),
    (
        "demo-6",
        "noodle_fan@mastodon.example",
        "",
        "en",
        200,
        "@passports great job on the new website 👍",
        "",
    ),
]

POLICIES: list[dict[str, Any]] = [
    {
        "name": "Pre-approved answer",
        "name_fr": "Réponse préapprouvée",
        "description": "An unchanged answer from the library: posted without approval.",
        "layers": [],
        "rule": {
            "name": "Unchanged library answer",
            "name_fr": "Réponse de la bibliothèque inchangée",
            "priority": 10,
            "library_unchanged": True,
        },
    },
    {
        "name": "Sensitive answer",
        "name_fr": "Réponse délicate",
        "description": "Sensitive topics: a subject-matter expert, then the director.",
        "layers": [
            {"name": "Subject-matter expert", "role": Role.SME, "sla": 60, "delegate": True},
            {"name": "Director", "role": Role.APPROVER, "sla": 120, "delegate": False},
        ],
        "rule": {"name": "Sensitive", "name_fr": "Délicat", "priority": 20, "risk": "sensitive"},
    },
    {
        "name": "New answer",
        "name_fr": "Nouvelle réponse",
        "description": "A new or edited answer: one subject-matter expert vouches for it.",
        "layers": [
            {"name": "Subject-matter expert", "role": Role.SME, "sla": 120, "delegate": True},
        ],
        "rule": {"name": "Everything else", "name_fr": "Tout le reste", "priority": 100},
    },
]


LAYER_NAMES_FR = {"Subject-matter expert": "Expert du domaine", "Director": "Direction"}

AFTER_HOURS = {
    "name": "After-hours notice",
    "name_fr": "Avis hors des heures de bureau",
    "text_en": (
        "Thank you for your message. Our team is away right now; we answer on working "
        "days from 9:00 to 17:00 (Eastern time)."
    ),
    "text_fr": (
        "Merci de votre message. Notre équipe est absente en ce moment; nous répondons "
        "les jours ouvrables de 9 h à 17 h (heure de l'Est)."
    ),
}


class Command(BaseCommand):
    help = "Load the demo department, people, policies, answer library, account and cases."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-cases", action="store_true", help="Do not create the demo cases.")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            department = self._department()
            people = self._people(department)
            topics = self._topics(department)
            account = self._account(department)
            self._policies(actor=people["admin"], delegate=people["director"])
            # The demo shows the after-hours notice switched on (off by default).
            AfterHoursNotice.objects.get_or_create(
                department=department, defaults={"enabled": True, **AFTER_HOURS}
            )
            self._library(department=department, topics=topics, admin=people["admin"])
            demo_rules_load(department=department, actor=people["admin"])
            if not options["no_cases"]:
                self._cases(account=account, topics=topics)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(DEMO_PEOPLE)} people, {len(TOPICS)} topics, "
                f"{len(LIBRARY)} library answers, "
                f"{ApprovalPolicy.objects.count()} policies, "
                f"{Case.objects.filter(account=account).count()} cases."
            )
        )

    def _department(self) -> Department:
        department, _ = Department.objects.get_or_create(
            slug=DEPARTMENT["slug"], defaults={"name": DEPARTMENT["name"], "retention_days": 365}
        )
        return department

    def _people(self, department: Department) -> dict[str, User]:
        password = demo_password()
        people: dict[str, User] = {}
        for spec in DEMO_PEOPLE:
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": spec.email,
                    "language": spec.language,
                    "is_staff": spec.superuser,
                    "is_superuser": spec.superuser,
                },
            )
            if created or not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(user=user, department=department, role=spec.role)
            people[spec.username] = user
        return people

    def _topics(self, department: Department) -> dict[str, Topic]:
        topics: dict[str, Topic] = {}
        for slug, name_en, name_fr, sensitive in TOPICS:
            topics[slug], _ = Topic.objects.get_or_create(
                slug=slug,
                defaults={
                    "name_en": name_en,
                    "name_fr": name_fr,
                    "department": department,
                    "sensitive": sensitive,
                },
            )
        return topics

    def _account(self, department: Department) -> PlatformAccount:
        # The same rule as the admin's: the simulator's host must be allow-listed
        # (PLATFORM_HOST_ALLOWLIST; its host by default outside production).
        platform_account_validate(base_url=settings.SIMULATOR_URL, credentials_env="")
        account, _ = PlatformAccount.objects.get_or_create(  # type: ignore[misc]
            platform=Platform.MASTODON,
            base_url=settings.SIMULATOR_URL,
            handle="passports",
            defaults={
                "name": "Passport Program (simulator)",
                "department": department,
                # The simulator accepts this token (its --token / SIMULATOR_TOKEN).
                "credentials": {
                    "access_token": os.environ.get("SIMULATOR_TOKEN", "").strip() or "sim-token"
                },
                "poll_interval_seconds": 10,
            },
        )
        return account

    def _policies(self, *, actor: User, delegate: User) -> None:
        """Through the policy editor's services, so each change is validated, versioned
        and audited like an admin's."""
        new_rules: list[RuleSpec] = []
        for spec in POLICIES:
            policy = ApprovalPolicy.objects.filter(name=spec["name"]).first()
            if policy is None:
                policy = policy_create(
                    actor=actor,
                    name=spec["name"],
                    name_fr=spec["name_fr"],
                    description=spec["description"],
                )
                if spec["layers"]:
                    policy_layers_save(
                        policy_id=policy.pk,
                        actor=actor,
                        layers=[
                            LayerSpec(
                                name=layer["name"],
                                name_fr=LAYER_NAMES_FR[layer["name"]],
                                reviewer_role=layer["role"],
                                sla_minutes=layer["sla"],
                                delegate_id=delegate.pk if layer["delegate"] else None,
                            )
                            for layer in spec["layers"]
                        ],
                    )
            rule = spec["rule"]
            if not RoutingRule.objects.filter(policy=policy, name=rule["name"]).exists():
                new_rules.append(RuleSpec(policy_id=policy.pk, **rule))
        if new_rules:
            existing = [rule_spec_from(r) for r in RoutingRule.objects.all()]
            try:
                rules_save(actor=actor, rules=existing + new_rules)
            except ValidationError as exc:
                self.stderr.write(f"Demo routing rules not added: {exc}")

    def _library(self, *, department: Department, topics: dict[str, Topic], admin: User) -> None:
        review_date = timezone.localdate() + dt.timedelta(days=365)
        for slug, title_en, title_fr, text_en, text_fr in LIBRARY:
            LibraryAnswer.objects.get_or_create(
                title_en=title_en,
                defaults={
                    "topic": topics[slug],
                    "department": department,
                    "title_fr": title_fr,
                    "text_en": text_en,
                    "text_fr": text_fr,
                    "examples_en": LIBRARY_EXAMPLES[title_en][0],
                    "examples_fr": LIBRARY_EXAMPLES[title_en][1],
                    "review_date": review_date,
                    "approved_by": admin,
                    "approved_at": timezone.now(),
                    "owner": admin,
                },
            )

    def _cases(self, *, account: PlatformAccount, topics: dict[str, Topic]) -> None:
        """Until the connectors ingest from the simulator, a few questions to work on."""
        now = timezone.now()
        base = settings.SIMULATOR_URL.rstrip("/")
        known = set(Case.objects.filter(account=account).values_list("external_id", flat=True))
        new = [
            Case(
                account=account,
                external_id=external_id,
                department=account.department,
                platform=account.platform,
                author_handle=handle,
                author_name=name,
                text=text,
                language=language,
                url=f"{base}/@{handle.split('@')[0]}/{external_id}",
                received_at=now - dt.timedelta(minutes=minutes),
                source="mention",
            )
            for external_id, handle, name, language, minutes, text, _topic in CASES
            if external_id not in known
        ]
        # Classified like an ingested case: the incoming rules and the library.
        topic_ids = cases_classify(department_id=account.department_id, cases=new)
        for case in new:
            case.save()
        case_topics_link(pairs=[(c.pk, t) for c, t in zip(new, topic_ids, strict=True)])
