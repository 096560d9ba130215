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
from responder.channels.models import PlatformAccount
from responder.errors import ValidationError
from responder.inbox.classify import case_topics_link, cases_classify
from responder.inbox.demo_rules import demo_rules_load
from responder.inbox.models import Case, LibraryAnswer, Platform, Topic
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
TOPICS = [
    ("processing-times", "Processing times", "Délais de traitement", False),
    ("fees", "Fees", "Frais", False),
    ("urgent-travel", "Urgent travel", "Voyage urgent", False),
    ("lost-stolen", "Lost or stolen passport", "Passeport perdu ou volé", True),
    ("children", "Children's passports", "Passeports pour enfants", False),
    ("renewal", "Renewal", "Renouvellement", False),
    ("photos", "Passport photos", "Photos de passeport", False),
    ("name-change", "Name change", "Changement de nom", False),
    ("citizenship-proof", "Proof of citizenship", "Preuve de citoyenneté", False),
    ("applying", "Where and how to apply", "Où et comment présenter une demande", False),
]

# topic slug, English title, French title, English text, French text
LIBRARY = [
    (
        "processing-times",
        "Processing times",
        "Délais de traitement",
        "Standard processing takes 10 business days when you apply in person at a passport "
        "office, and 20 business days by mail, plus mailing time. Current times: "
        "https://www.canada.ca/passport",
        "Le traitement standard prend 10 jours ouvrables si vous présentez votre demande en "
        "personne dans un bureau des passeports, et 20 jours ouvrables par la poste, plus le "
        "délai postal. Délais actuels : https://www.canada.ca/passeport",
    ),
    (
        "fees",
        "Passport fees",
        "Frais de passeport",
        "An adult passport costs $120 for 5 years or $160 for 10 years; a child's passport "
        "(under 16) costs $57. Express and urgent service cost extra. Full list: "
        "https://www.canada.ca/passport",
        "Un passeport pour adulte coûte 120 $ pour 5 ans ou 160 $ pour 10 ans; un passeport "
        "pour enfant (moins de 16 ans) coûte 57 $. Les services express et urgent sont en "
        "sus. Liste complète : https://www.canada.ca/passeport",
    ),
    (
        "urgent-travel",
        "Urgent and express service",
        "Services urgent et express",
        "If you must travel soon, a passport office can offer urgent service (ready by the "
        "end of the next business day) or express service (2 to 9 business days). Bring "
        "proof of travel. Offices: https://www.canada.ca/passport",
        "Si vous devez voyager bientôt, un bureau des passeports peut offrir le service urgent "
        "(prêt à la fin du jour ouvrable suivant) ou express (2 à 9 jours ouvrables). "
        "Apportez une preuve de voyage. Bureaux : https://www.canada.ca/passeport",
    ),
    (
        "urgent-travel",
        "Travelling within 48 hours",
        "Voyage dans les 48 heures",
        "Travelling in the next 48 hours? Go to a Service Canada passport office as early as "
        "possible with your completed application, photos, proof of citizenship and proof "
        "of travel. Please do not share personal details here.",
        "Vous partez dans les 48 prochaines heures? Rendez-vous tôt dans un bureau des "
        "passeports de Service Canada avec votre demande remplie, vos photos, votre preuve de "
        "citoyenneté et une preuve de voyage. Ne partagez pas de renseignements personnels ici.",
    ),
    (
        "lost-stolen",
        "Lost or stolen passport",
        "Passeport perdu ou volé",
        "Report a lost or stolen passport right away: to the police if stolen, and to us by "
        "filling in form PPTC 203. Your passport is then cancelled and cannot be used. "
        "Details: https://www.canada.ca/passport",
        "Signalez tout de suite un passeport perdu ou volé : à la police s'il a été volé, et à "
        "nous au moyen du formulaire PPTC 203. Il sera annulé et ne pourra plus servir. "
        "Détails : https://www.canada.ca/passeport",
    ),
    (
        "children",
        "Children's passports",
        "Passeports pour enfants",
        "Every child needs their own passport. A child's passport (under 16) is valid for "
        "up to 5 years. A parent or legal guardian applies for the child and signs the "
        "form. Details: https://www.canada.ca/passport",
        "Chaque enfant doit avoir son propre passeport. Le passeport d'un enfant (moins de "
        "16 ans) est valide jusqu'à 5 ans. Un parent ou tuteur légal présente la demande et "
        "signe le formulaire. Détails : https://www.canada.ca/passeport",
    ),
    (
        "renewal",
        "Can I renew my passport?",
        "Puis-je renouveler mon passeport?",
        "You can use the simpler renewal form if your passport was issued when you were 16 "
        "or older, in the last 15 years, and is not damaged, lost or stolen. Otherwise, "
        "apply for a new one. Check: https://www.canada.ca/passport",
        "Vous pouvez utiliser le formulaire de renouvellement simplifié si votre passeport a "
        "été délivré quand vous aviez 16 ans ou plus, il y a moins de 15 ans, et qu'il n'est "
        "ni endommagé, ni perdu, ni volé. Vérifiez : https://www.canada.ca/passeport",
    ),
    (
        "photos",
        "Passport photos",
        "Photos de passeport",
        "You need 2 identical photos, 50 mm wide by 70 mm high, taken in the last 6 months "
        "by a commercial photographer, with a neutral expression and a plain white or light "
        "background. Specs: https://www.canada.ca/passport",
        "Il vous faut 2 photos identiques de 50 mm sur 70 mm, prises il y a moins de 6 mois "
        "par un photographe commercial, avec une expression neutre sur fond blanc ou clair "
        "uni. Normes : https://www.canada.ca/passeport",
    ),
    (
        "name-change",
        "Changing the name on a passport",
        "Changer le nom sur un passeport",
        "A passport cannot be changed. After a legal name change, apply for a new passport "
        "and include proof of the change, such as a marriage certificate or a name change "
        "certificate. Details: https://www.canada.ca/passport",
        "Un passeport ne peut pas être modifié. Après un changement de nom légal, demandez "
        "un nouveau passeport avec une preuve du changement, comme un certificat de mariage "
        "ou de changement de nom. Détails : https://www.canada.ca/passeport",
    ),
    (
        "citizenship-proof",
        "Proof of Canadian citizenship",
        "Preuve de citoyenneté canadienne",
        "For a first passport, send your original proof of citizenship: a birth certificate "
        "from a Canadian province or territory, or a citizenship certificate. It is returned "
        "to you. Details: https://www.canada.ca/passport",
        "Pour un premier passeport, envoyez votre preuve de citoyenneté originale : un acte "
        "de naissance d'une province ou d'un territoire du Canada, ou un certificat de "
        "citoyenneté. Il vous sera retourné. Détails : https://www.canada.ca/passeport",
    ),
    (
        "applying",
        "Applying by mail",
        "Présenter une demande par la poste",
        "You can mail your application from Canada to the address on the form. Use a "
        "trackable service and allow 20 business days plus mailing time. Forms: "
        "https://www.canada.ca/passport",
        "Au Canada, vous pouvez envoyer votre demande par la poste à l'adresse indiquée sur "
        "le formulaire. Utilisez un service avec suivi et prévoyez 20 jours ouvrables plus le "
        "délai postal. Formulaires : https://www.canada.ca/passeport",
    ),
    (
        "applying",
        "Where to apply in person",
        "Où présenter une demande en personne",
        "You can apply in person at a Service Canada passport office or at many Service "
        "Canada Centres. Find the nearest one and its hours: https://www.canada.ca/passport",
        "Vous pouvez présenter une demande en personne dans un bureau des passeports de "
        "Service Canada ou dans de nombreux Centres Service Canada. Trouvez le plus proche et "
        "ses heures : https://www.canada.ca/passeport",
    ),
]

# external id, handle, name, language, minutes ago, text, topic slug or ""
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
        "description": "An unchanged answer from the library: posted without approval.",
        "layers": [],
        "rule": {"name": "Unchanged library answer", "priority": 10, "library_unchanged": True},
    },
    {
        "name": "Sensitive answer",
        "description": "Sensitive topics: a subject-matter expert, then the director.",
        "layers": [
            {"name": "Subject-matter expert", "role": Role.SME, "sla": 60, "delegate": True},
            {"name": "Director", "role": Role.APPROVER, "sla": 120, "delegate": False},
        ],
        "rule": {"name": "Sensitive", "priority": 20, "risk": "sensitive"},
    },
    {
        "name": "New answer",
        "description": "A new or edited answer: one subject-matter expert vouches for it.",
        "layers": [
            {"name": "Subject-matter expert", "role": Role.SME, "sla": 120, "delegate": True},
        ],
        "rule": {"name": "Everything else", "priority": 100},
    },
]


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
                    actor=actor, name=spec["name"], description=spec["description"]
                )
                if spec["layers"]:
                    policy_layers_save(
                        policy_id=policy.pk,
                        actor=actor,
                        layers=[
                            LayerSpec(
                                name=layer["name"],
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
