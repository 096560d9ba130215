"""Paraphrased citizens' questions, each with the demo library answer (seed_demo's
LIBRARY, by English title) that answers it. Written as citizens write, not from the
answers' words; the demo's example questions (seed_demo LIBRARY_EXAMPLES) are other
sentences. Used by tests/inbox/test_suggest_quality.py."""

from __future__ import annotations

TIMES = "Processing times"
FEES = "Passport fees"
URGENT = "Urgent and express service"
FORTY8 = "Travelling within 48 hours"
LOST = "Lost or stolen passport"
CHILD = "Children's passports"
RENEW = "Can I renew my passport?"
PHOTO = "Passport photos"
NAME = "Changing the name on a passport"
PROOF = "Proof of Canadian citizenship"
MAIL = "Applying by mail"
INPERSON = "Where to apply in person"

LABELLED: list[tuple[str, str, str]] = [
    # (language, question, expected answer's English title)
    ("en", "How long does a renewal take?", TIMES),
    ("en", "Can I wear my glasses in the picture?", PHOTO),
    ("en", "How many days until I get my passport back?", TIMES),
    ("en", "I applied three weeks ago, when will my passport arrive?", TIMES),
    ("en", "What's the wait time for a new passport these days?", TIMES),
    ("en", "How much is a passport for a grown-up?", FEES),
    ("en", "What does it cost to get a passport?", FEES),
    ("en", "Is the 10 year passport more expensive than the 5 year one?", FEES),
    ("en", "What's the price of a passport?", FEES),
    ("en", "I need my passport quickly, can you speed it up?", URGENT),
    ("en", "Is there a rush option for passports?", URGENT),
    ("en", "Can I pay extra to get my passport faster?", URGENT),
    ("en", "My flight leaves tomorrow and I have no passport, help!", FORTY8),
    ("en", "I leave in two days and just noticed my passport expired", FORTY8),
    ("en", "I dropped my passport somewhere on the train, what now?", LOST),
    ("en", "Someone took my wallet with my passport in it", LOST),
    ("en", "I can't find my passport anywhere", LOST),
    ("en", "My bag was stolen with my passport, who do I tell?", LOST),
    ("en", "Does my baby need a passport of her own?", CHILD),
    ("en", "How do I get a passport for my son?", CHILD),
    ("en", "Can my kid travel on my passport?", CHILD),
    ("en", "My passport expires next month, can I just renew it?", RENEW),
    ("en", "Am I allowed to use the renewal form?", RENEW),
    ("en", "Is it possible to renew instead of applying from scratch?", RENEW),
    ("en", "What size should my photos be?", PHOTO),
    ("en", "Can I take my passport picture at home with my phone?", PHOTO),
    ("en", "Can I smile in my passport photo?", PHOTO),
    ("en", "I got married, how do I update my passport?", NAME),
    ("en", "My last name changed after my divorce, what do I do with my passport?", NAME),
    ("en", "Can you fix my surname on my passport?", NAME),
    ("en", "What documents prove I'm Canadian for my first passport?", PROOF),
    ("en", "Do I have to send my birth certificate?", PROOF),
    ("en", "Will I get my citizenship certificate back?", PROOF),
    ("en", "Can I post my application instead of going in?", MAIL),
    ("en", "Where do I mail my passport forms?", MAIL),
    ("en", "Which office can I visit to apply?", INPERSON),
    ("en", "Is there a passport office near me?", INPERSON),
    ("en", "Can I apply at a Service Canada Centre?", INPERSON),
    ("fr", "Combien de temps prend un renouvellement?", TIMES),
    ("fr", "Dans combien de jours vais-je recevoir mon passeport?", TIMES),
    ("fr", "Quel est le délai pour obtenir un passeport en ce moment?", TIMES),
    ("fr", "Combien coûte un passeport pour un adulte?", FEES),
    ("fr", "Quel est le prix d'un passeport de 10 ans?", FEES),
    ("fr", "C'est combien pour le passeport?", FEES),
    ("fr", "J'ai besoin de mon passeport très vite, est-ce possible?", URGENT),
    ("fr", "Existe-t-il un service accéléré pour les passeports?", URGENT),
    ("fr", "Mon avion part demain et je n'ai pas de passeport!", FORTY8),
    ("fr", "Je voyage dans deux jours, que dois-je faire pour mon passeport?", FORTY8),
    ("fr", "On m'a volé mon sac avec mon passeport dedans", LOST),
    ("fr", "J'ai égaré mon passeport, que faire?", LOST),
    ("fr", "Je ne retrouve plus mon passeport", LOST),
    ("fr", "Mon bébé a-t-il besoin de son propre passeport?", CHILD),
    ("fr", "Comment obtenir un passeport pour ma fille de 6 ans?", CHILD),
    ("fr", "Est-ce que je peux renouveler mon passeport expiré?", RENEW),
    ("fr", "Ai-je le droit d'utiliser le formulaire de renouvellement?", RENEW),
    ("fr", "Puis-je porter mes lunettes sur la photo?", PHOTO),
    ("fr", "Quelle taille doivent avoir les photos?", PHOTO),
    ("fr", "Le sourire est-il permis sur les photos?", PHOTO),
    ("fr", "Je me suis mariée, comment changer mon nom de famille sur mon passeport?", NAME),
    ("fr", "Mon nom a changé, dois-je refaire mon passeport?", NAME),
    ("fr", "Quels documents prouvent que je suis canadien?", PROOF),
    ("fr", "Dois-je envoyer mon acte de naissance original?", PROOF),
    ("fr", "Est-ce que je peux faire ma demande par la poste?", MAIL),
    ("fr", "À quelle adresse poster mon formulaire de passeport?", MAIL),
    ("fr", "Où puis-je aller pour faire ma demande en personne?", INPERSON),
    ("fr", "Y a-t-il un bureau des passeports près de chez moi?", INPERSON),
]
