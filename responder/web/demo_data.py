"""The demo's answer library and topics, in English and French (seed_demo loads them;
the benches reuse them)."""

from __future__ import annotations

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
    (
        "applying",
        "Personal information posted publicly",
        "Renseignements personnels publiés",
        "For your privacy, please don't post personal information such as your file or "
        "social insurance number. We've sent you a private message to help with your file.",
        "Pour protéger votre vie privée, ne publiez pas de renseignements personnels comme "
        "votre numéro de dossier ou d'assurance sociale. Nous vous avons écrit en privé.",
    ),
]

# Example questions an admin added to each demo answer (English title -> one question
# a line in English, then in French): suggestions count their words toward the answer.
LIBRARY_EXAMPLES: dict[str, tuple[str, str]] = {
    "Processing times": (
        "How long does it take to get a passport?\nHow long is the wait?\n"
        "When will my passport arrive?\nHow long does renewing take?",
        "Combien de temps faut-il pour avoir un passeport?\nQuel est le délai d'attente?\n"
        "Quand vais-je recevoir mon passeport?",
    ),
    "Passport fees": (
        "How much does a passport cost?\nWhat is the price?\nHow much do I pay?",
        "Quel est le coût d'un passeport?\nCombien dois-je payer?\nQuel est le tarif?",
    ),
    "Urgent and express service": (
        "Can I get my passport faster?\nIs there a rush service?\nI need it quickly.",
        "Puis-je avoir mon passeport vite?\nY a-t-il un service plus rapide?",
    ),
    "Travelling within 48 hours": (
        "I fly tomorrow and have no valid passport.\nMy trip is in two days.",
        "Je pars demain sans passeport valide.\nMon vol est dans deux jours.",
    ),
    "Lost or stolen passport": (
        "I lost my passport.\nI misplaced my passport and can't find it.\n"
        "Someone stole my passport.",
        "J'ai perdu ou égaré mon passeport.\nMon passeport a disparu.",
    ),
    "Children's passports": (
        "Does my child need a passport?\nPassport for my kid, daughter, son or baby.",
        "Mon enfant a-t-il besoin d'un passeport?\nPasseport pour ma fille, mon fils ou mon bébé.",
    ),
    "Can I renew my passport?": (
        "Can I renew my expired passport?\nAm I eligible for renewal?",
        "Puis-je renouveler mon passeport?\nSuis-je admissible au renouvellement?",
    ),
    "Passport photos": (
        "Can I wear glasses in the photo?\nWhat are the picture rules?\n"
        "Can I smile or wear a hat in the picture?\nCan I take the photo myself?",
        "Puis-je porter des lunettes sur la photo?\nQuelles sont les règles pour les photos?\n"
        "Puis-je sourire sur la photo?",
    ),
    "Changing the name on a passport": (
        "I got married and changed my surname.\nHow do I update my last name?",
        "Je me suis marié et mon nom a changé.\nComment modifier mon nom de famille?",
    ),
    "Proof of Canadian citizenship": (
        "What proves I am a Canadian citizen?\nWhich documents do I need for a first passport?",
        "Quel document prouve que je suis citoyen canadien?\nQuels documents fournir?",
    ),
    "Applying by mail": (
        "Can I send my application by post?\nWhere do I mail the form?",
        "Puis-je envoyer ma demande par courrier?\nOù poster le formulaire?",
    ),
    "Where to apply in person": (
        "Where is the nearest passport office?\nWhere can I go to apply?",
        "Où est le bureau des passeports le plus proche?\nOù aller pour faire une demande?",
    ),
    # Suggested when a citizen posted their numbers publicly (personal information).
    "Personal information posted publicly": (
        "Here is my application number, can you check it?\nMy SIN is in my post",
        "Voici mon numéro de dossier, pouvez-vous vérifier?\nMon NAS est dans mon message",
    ),
}

# external id, handle, name, language, minutes ago, text, topic slug or ""
