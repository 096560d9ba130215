"""Labelled demo-style questions for classification at ingest: (text, language,
expected topic slug, or "" when no topic should be set).

Written like the simulator's and the demo's citizens: short, informal, with typos,
in English and French. The lost/stolen questions (LOST_STOLEN) must all route to the
sensitive policy."""

from __future__ import annotations

LOST_STOLEN: list[tuple[str, str, str]] = [
    ("@passports My passport was stolen in Paris, what do I do?", "en", "lost-stolen"),
    ("I lost my passport at the airport. What do I do?", "en", "lost-stolen"),
    ("my pasport got stollen on the train last night, help", "en", "lost-stolen"),
    ("Someone stole my passport from my hotel room in Rome", "en", "lost-stolen"),
    ("Can't find my passport anywhere and I travel in 3 weeks", "en", "lost-stolen"),
    ("I think I misplaced my passprt during the move. Is it still valid?", "en", "lost-stolen"),
    ("pickpocketed in Barcelona, wallet and passport gone, lost everything", "en", "lost-stolen"),
    ("How do I report a lost passport for my son?", "en", "lost-stolen"),
    ("Mon passeport a été volé à Lisbonne hier, que faire?", "fr", "lost-stolen"),
    ("J'ai perdu mon passeport à l'aéroport. Que dois-je faire ?", "fr", "lost-stolen"),
    ("on m'a vole mon passeport dans le métro", "fr", "lost-stolen"),
    ("Passeport égaré pendant le déménagement, je fais quoi?", "fr", "lost-stolen"),
    ("Je ne retrouve plus mon passport, je pars lundi", "fr", "lost-stolen"),
    ("mon pasport a disparu de mon sac", "fr", "lost-stolen"),
    ("Cambriolage chez moi, le passeport de ma fille a été volé", "fr", "lost-stolen"),
    ("Perte de passeport à l'étranger : qui contacter ?", "fr", "lost-stolen"),
]

OTHERS: list[tuple[str, str, str]] = [
    # processing times
    ("How long does a passport renewal take right now?", "en", "processing-times"),
    (
        "@passports how long does it take to get a passport by mail right now?",
        "en",
        "processing-times",
    ),
    (
        "I applied 6 weeks ago and have heard nothing. Can you check my file?",
        "en",
        "processing-times",
    ),
    (
        "Still waiting for my passport, what are the current processing times?",
        "en",
        "processing-times",
    ),
    ("Any delays at the moment? Sent my application in March", "en", "processing-times"),
    (
        "Combien de temps faut-il pour renouveler un passeport en ce moment ?",
        "fr",
        "processing-times",
    ),
    (
        "J'ai fait ma demande il y a six semaines et je n'ai aucune nouvelle.",
        "fr",
        "processing-times",
    ),
    ("Quels sont les délais de traitement actuels?", "fr", "processing-times"),
    # fees
    ("How much does an adult passport cost?", "en", "fees"),
    ("What are the fees for a 10 year passport?", "en", "fees"),
    ("Can I pay the passport fee by credit card?", "en", "fees"),
    ("@passports Bonjour, combien coûte un passeport pour mon fils de 8 ans?", "fr", "fees"),
    ("Quels sont les frais pour un passeport de 10 ans?", "fr", "fees"),
    ("Le prix du passeport a augmenté?", "fr", "fees"),
    # urgent travel
    ("Is the urgent service available in Toronto this week?", "en", "urgent-travel"),
    ("I fly tomorrow and my passport hasn't arrived!!", "en", "urgent-travel"),
    ("Emergency: family funeral abroad, need a passport asap", "en", "urgent-travel"),
    ("Do you offer express service? My trip is next week", "en", "urgent-travel"),
    ("Le service urgent est-il offert à Montréal cette semaine ?", "fr", "urgent-travel"),
    (
        "Je pars dans deux jours et mon passeport est expiré. Est-ce possible de l'avoir à temps?",
        "fr",
        "urgent-travel",
    ),
    ("C'est urgent, mon vol est vendredi", "fr", "urgent-travel"),
    # children
    ("Can I renew my child's passport online?", "en", "children"),
    ("Does my newborn baby need her own passport?", "en", "children"),
    ("What documents do I need for my daughter's first passport?", "en", "children"),
    ("Est-ce que je peux renouveler le passeport de mon enfant en ligne ?", "fr", "children"),
    ("Mon bébé a besoin d'un passeport pour aller en France?", "fr", "children"),
    # renewal
    (
        "@passports can I renew online or do I need to go in person? Mine expired last year.",
        "en",
        "renewal",
    ),
    ("My passport expires in two months, can I still travel to France?", "en", "renewal"),
    ("Do I need a guarantor for a simplified renewal?", "en", "renewal"),
    ("Ai-je besoin d'un répondant pour un renouvellement simplifié ?", "fr", "renewal"),
    ("Mon passeport est périmé depuis 2019, je dois refaire une demande?", "fr", "renewal"),
    # photos
    ("What photo size do you accept for the passport application?", "en", "photos"),
    ("Can I wear my glasses in the picture?", "en", "photos"),
    ("Quelle taille de photo acceptez-vous pour la demande de passeport ?", "fr", "photos"),
    ("Est-ce que je peux garder mes lunettes sur la photo?", "fr", "photos"),
    # name change
    ("My name changed after marriage, which form should I use?", "en", "name-change"),
    ("I got divorced and want my maiden name back on my passport", "en", "name-change"),
    (
        "Comment faire un changement de nom sur mon passeport après mon mariage?",
        "fr",
        "name-change",
    ),
    ("Je veux reprendre mon nom de jeune fille", "fr", "name-change"),
    # proof of citizenship
    ("What counts as proof of citizenship if I was born abroad?", "en", "citizenship-proof"),
    ("Is a birth certificate from Quebec enough?", "en", "citizenship-proof"),
    ("Quelle preuve de citoyenneté dois-je fournir?", "fr", "citizenship-proof"),
    ("Mon acte de naissance suffit-il?", "fr", "citizenship-proof"),
    # where and how to apply
    ("Hi, is the passport office open on Saturday?", "en", "applying"),
    ("Where can I apply in person in Ottawa?", "en", "applying"),
    ("Do I need an appointment at the passport office?", "en", "applying"),
    ("Bonjour, le bureau des passeports est-il ouvert le samedi ?", "fr", "applying"),
    ("Faut-il prendre rendez-vous pour déposer ma demande?", "fr", "applying"),
    ("Je peux envoyer ma demande par la poste?", "fr", "applying"),
    # negatives: nothing to classify
    ("@passports great job on the new website 👍", "en", ""),
    ("Thanks for the quick answer yesterday!", "en", ""),
    ("Happy Canada Day everyone 🇨🇦", "en", ""),
    ("Merci beaucoup pour votre aide!", "fr", ""),
    ("Bonne fin de semaine à toute l'équipe", "fr", ""),
    ("lol this account is actually helpful", "en", ""),
]

QUESTIONS = LOST_STOLEN + OTHERS
