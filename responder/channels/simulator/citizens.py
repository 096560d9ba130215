"""Simulated citizens: questions about passports, in English and French, at a rate."""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING

from responder.channels.simulator.common import NAMES
from responder.channels.simulator.community import community_post

if TYPE_CHECKING:
    from responder.channels.simulator.state import SimState

QUESTIONS_EN = [
    "How long does a passport renewal take right now?",
    "My passport expires in two months, can I still travel to France?",
    "I lost my passport at the airport. What do I do?",
    "Can I renew my child's passport online?",
    "Is the urgent service available in Toronto this week?",
    "I applied 6 weeks ago and have heard nothing. Can you check my file?",
    "Do I need a guarantor for a simplified renewal?",
    "What photo size do you accept for the passport application?",
    "My name changed after marriage, which form should I use?",
    "Hi, is the passport office open on Saturday?",
]
QUESTIONS_FR = [
    "Combien de temps faut-il pour renouveler un passeport en ce moment ?",
    "Mon passeport expire dans deux mois, puis-je voyager en France ?",
    "J'ai perdu mon passeport à l'aéroport. Que dois-je faire ?",
    "Est-ce que je peux renouveler le passeport de mon enfant en ligne ?",
    "Le service urgent est-il offert à Montréal cette semaine ?",
    "J'ai fait ma demande il y a six semaines et je n'ai aucune nouvelle.",
    "Ai-je besoin d'un répondant pour un renouvellement simplifié ?",
    "Quelle taille de photo acceptez-vous pour la demande de passeport ?",
    "Bonjour, le bureau des passeports est-il ouvert le samedi ?",
]
# Citizens sometimes write personal information in a public post, usually while
# asking why their application is late (the numbers are made up; the checksums hold).
QUESTIONS_PERSONAL_EN = [
    "My application number is 2026-4481-22 and it's been 8 weeks. Can you check?",
    "Please call me back at 613-555-0142, I fly on Friday and nobody answers.",
    "I put my SIN 241 672 112 on the form by mistake, is that a problem?",
    "My passport AB123456 was stolen yesterday, what do I do?",
]
QUESTIONS_PERSONAL_FR = [
    "Mon numéro de dossier est PP-778812, toujours aucune nouvelle après 8 semaines.",
    "Rappelez-moi au 514 555 0199 svp, je pars lundi.",
    "J'ai écrit mon NAS 342 143 047 sur le formulaire, est-ce grave ?",
]
SERVERS = ["mastodon.example", "social.example.ca", "piaille.example", "sim.example"]


def citizen_question(rng: random.Random) -> dict[str, object]:
    """One realistic citizen post, as the /_sim/mentions control endpoint takes it."""
    username, display, lang = rng.choice(NAMES)
    server = rng.choice(SERVERS)
    acct = username if server == "sim.example" else f"{username}@{server}"
    if rng.random() < 0.15:
        text = rng.choice(QUESTIONS_PERSONAL_FR if lang == "fr" else QUESTIONS_PERSONAL_EN)
    else:
        text = rng.choice(QUESTIONS_FR if lang == "fr" else QUESTIONS_EN)
    tags: list[str] = []
    if rng.random() < 0.25:
        tags = ["passeport" if lang == "fr" else "passport"]
    return {
        "acct": acct,
        "display_name": display,
        "text": f"@passports {text}",
        # Some clients do not send a language, or send the wrong one.
        "lang": rng.choice([lang, lang, lang, None]),
        "visibility": rng.choice(["public"] * 8 + ["unlisted", "direct"]),
        "tags": tags,
    }


def citizens_run(state: SimState, per_minute: float, stopping: threading.Event) -> None:
    """Citizens act at `per_minute` on average: a question to us on Mastodon, or
    (the community's share of the time) a hashtag post on any of the three platforms."""

    rng = random.Random()
    interval = 60.0 / per_minute
    while not stopping.wait(rng.expovariate(1.0 / interval)):
        if rng.random() < state.community.share:
            community_post(state, rng)
        else:
            state.mention_create(citizen_question(rng))
