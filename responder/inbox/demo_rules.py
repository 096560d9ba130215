"""The demo department's incoming rules (seed_demo loads them; the classification
tests use them with the demo library). Keyword syntax: see responder/inbox/classify.py."""

from __future__ import annotations

from typing import Any

from responder.accounts.models import Department, User
from responder.inbox.incoming_models import IncomingRule, Priority
from responder.inbox.incoming_rules import RuleInput, incoming_rule_save
from responder.inbox.models import Risk, Topic

# name, order, topic slugs, risk, priority, English keywords, French keywords
DEMO_RULES: list[tuple[str, int, list[str], str, str, list[str], list[str]]] = [
    (
        "Lost or stolen passport",
        10,
        ["lost-stolen"],
        Risk.SENSITIVE,
        Priority.URGENT,
        [
            "passport + stolen",
            "passport + stole",
            "passport + steal",
            "passport + lost",
            "passport + lose",
            "passport + losing",
            "passport + missing",
            "passport + theft",
            "passport + thief",
            "passport + robbed",
            "passport + pickpocket",
            "passport + can't find",
            "passport + cannot find",
            "passport + misplaced",
        ],
        [
            "passeport + volé",
            "passeport + voler",
            "passeport + perdu",
            "passeport + perte",
            "passeport + égaré",
            "passeport + disparu",
            "passeport + introuvable",
            "passeport + voleur",
            "passeport + cambriolage",
            "passeport + cambriolé",
            "passeport + retrouve plus",
            "passeport + trouve plus",
        ],
    ),
    (
        "Urgent travel",
        20,
        ["urgent-travel"],
        "",
        Priority.HIGH,
        [
            "urgent",
            "urgently",
            "emergency",
            "asap",
            "express",
            "fly tomorrow",
            "flying tomorrow",
            "flight tomorrow",
            "leaving tomorrow",
            "fly home",
            "flight + next week",
            "flight + in two days",
            "travel + this week",
            "travel + next week",
            "within 48 hours",
            "in 48 hours",
            "my flight",
            "trip + next week",
        ],
        [
            "urgent",
            "urgence",
            "express",
            "je pars",
            "mon vol",
            "départ + demain",
            "dans deux jours",
            "dans 2 jours",
            "dans 48 heures",
            "voyage + semaine prochaine",
            "voyage + bientôt",
            "pars + semaine prochaine",
        ],
    ),
    (
        "Processing times",
        30,
        ["processing-times"],
        "",
        "",
        [
            "how long",
            "processing time",
            "processing",
            "heard nothing",
            "no news",
            "still waiting",
            "weeks ago",
            "months ago",
            "application status",
            "status of my application",
            "check my file",
            "when will i get",
            "when will i receive",
            "delay",
            "delays",
        ],
        [
            "combien de temps",
            "délai",
            "délais",
            "traitement",
            "aucune nouvelle",
            "pas de nouvelles",
            "toujours rien",
            "toujours pas reçu",
            "il y a + semaines",
            "il y a + mois",
            "suivi de ma demande",
            "quand vais-je recevoir",
        ],
    ),
    (
        "Fees",
        40,
        ["fees"],
        "",
        "",
        [
            "how much",
            "cost",
            "costs",
            "fee",
            "fees",
            "price",
            "pay",
            "payment",
            "refund",
            "expensive",
        ],
        ["combien coûte", "coûte", "coût", "frais", "prix", "tarif", "payer", "paiement"],
    ),
    (
        "Children's passports",
        50,
        ["children"],
        "",
        "",
        [
            "child",
            "children",
            "kid",
            "kids",
            "my son",
            "my daughter",
            "baby",
            "newborn",
            "minor",
            "under 16",
        ],
        ["enfant", "enfants", "mon fils", "ma fille", "bébé", "nouveau-né", "mineur"],
    ),
    (
        "Renewal",
        60,
        ["renewal"],
        "",
        "",
        ["renew", "renewal", "renewing", "expired", "expire", "expiring", "expiry"],
        ["renouveler", "renouvellement", "renouvelle", "expiré", "périmé", "expiration"],
    ),
    (
        "Photos",
        70,
        ["photos"],
        "",
        "",
        ["photo", "photos", "picture", "pictures", "glasses", "photographer", "selfie"],
        ["photo", "photos", "lunettes", "photographe"],
    ),
    (
        "Name change",
        80,
        ["name-change"],
        "",
        "",
        [
            "name change",
            "change my name",
            "changed my name",
            "maiden name",
            "married name",
            "new name",
            "name + marriage",
            "name + married",
            "name + divorce",
        ],
        [
            "changement de nom",
            "changer de nom",
            "changer mon nom",
            "nom de jeune fille",
            "nouveau nom",
            "nom + mariage",
            "nom + divorce",
        ],
    ),
    (
        "Proof of citizenship",
        90,
        ["citizenship-proof"],
        "",
        "",
        ["citizenship", "birth certificate", "born abroad", "born outside"],
        ["citoyenneté", "certificat de naissance", "acte de naissance", "né à l'étranger"],
    ),
    (
        "Where and how to apply",
        100,
        ["applying"],
        "",
        "",
        [
            "where can i apply",
            "where do i apply",
            "how do i apply",
            "passport office",
            "office hours",
            "open on",
            "appointment",
            "in person",
            "by mail",
            "application form",
            "which form",
            "guarantor",
        ],
        [
            "où faire",
            "où présenter",
            "comment faire une demande",
            "bureau des passeports",
            "rendez-vous",
            "en personne",
            "par la poste",
            "ouvert",
            "heures d'ouverture",
            "formulaire",
            "répondant",
        ],
    ),
]


# The rules' French names (shown to French readers).
DEMO_RULE_NAMES_FR = {
    "Lost or stolen passport": "Passeport perdu ou volé",
    "Urgent travel": "Voyage urgent",
    "Processing times": "Délais de traitement",
    "Fees": "Frais",
    "Children's passports": "Passeports pour enfants",
    "Renewal": "Renouvellement",
    "Photos": "Photos",
    "Name change": "Changement de nom",
    "Proof of citizenship": "Preuve de citoyenneté",
    "Where and how to apply": "Où et comment présenter une demande",
}


def demo_rules_load(*, department: Department, actor: User) -> list[IncomingRule]:
    """Create the demo rules a department does not have yet (by name), through the
    rule editor's service. Rules an admin changed since are left alone."""
    topics = {t.slug: t.pk for t in Topic.objects.all()}
    existing = set(department.incoming_rules.values_list("name", flat=True))  # type: ignore[attr-defined]
    created = []
    for name, order, slugs, risk, priority, english, french in DEMO_RULES:
        if name in existing or any(slug not in topics for slug in slugs):
            continue
        data: dict[str, Any] = {
            "name": name,
            "name_fr": DEMO_RULE_NAMES_FR.get(name, ""),
            "order": order,
            "keywords_en": "\n".join(english),
            "keywords_fr": "\n".join(french),
            "topic_ids": tuple(topics[slug] for slug in slugs),
            "risk": str(risk),
            "priority": str(priority),
        }
        created.append(
            incoming_rule_save(
                actor=actor, department_id=department.pk, data=RuleInput(**data), via="system"
            )
        )
    return created
