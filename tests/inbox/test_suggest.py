"""Library suggestions and search: the right answer comes first, in the case's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from responder.inbox.suggest import library_search, suggest_answers, tokens
from responder.testing.factories import DepartmentFactory, LibraryAnswerFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(team):
    photos = LibraryAnswerFactory(
        title_en="Passport photos",
        title_fr="Photos de passeport",
        text_en="Your passport photo must be 50 mm by 70 mm, taken in the last 6 months.",
        text_fr="La photo de passeport doit mesurer 50 mm sur 70 mm et dater de moins de 6 mois.",
        approved_by=team.admin,
    )
    lost = LibraryAnswerFactory(
        title_en="Lost or stolen passport",
        title_fr="Passeport perdu ou volé",
        text_en="Report a lost or stolen passport to the police and to us right away.",
        text_fr="Déclarez tout de suite un passeport perdu ou volé à la police et à nous.",
        approved_by=team.admin,
    )
    fees = LibraryAnswerFactory(
        title_en="Fees",
        title_fr="Frais",
        text_en="An adult passport costs 160 dollars for 10 years.",
        text_fr="Un passeport adulte coûte 160 dollars pour 10 ans.",
        approved_by=team.admin,
    )
    return {"times": team.answer, "photos": photos, "lost": lost, "fees": fees}


def test_best_match_first_in_english(team, library):
    case = team.case(text="Hi! What size must the photos be for my passport?")
    suggestions = suggest_answers(case=case)
    assert suggestions[0].answer == library["photos"]


def test_best_match_first_in_french(team, library):
    case = team.case(text="J'ai perdu mon passeport, on me l'a volé. Que faire?", language="fr")
    assert suggest_answers(case=case)[0].answer == library["lost"]
    # The other language is one click away: the same question against English texts.
    english = suggest_answers(case=case, language="en")
    assert all(s.answer.text_en for s in english)


def test_processing_time_question_finds_processing_times(team, library):
    case = team.case(text="How long does processing take? It's been 8 business days.")
    assert suggest_answers(case=case)[0].answer == library["times"]


def test_topic_match_breaks_a_tie(team, library):
    topic = TopicFactory(name_en="Fees")
    library["fees"].topic = topic
    library["fees"].save()
    case = team.case(text="A question about something unrelated entirely.")
    case.topics.add(topic)
    first = suggest_answers(case=case)[0]
    assert first.answer == library["fees"] and first.topic_match


def test_no_suggestion_for_an_unrelated_post(team, library):
    case = team.case(text="Bonjour tout le monde")
    assert suggest_answers(case=case, language="en") == []


def test_other_departments_answers_and_retired_ones_are_left_out(team, library):
    other = LibraryAnswerFactory(
        title_en="Passport photos for taxes",
        text_en="Passport photo size for tax forms",
        department=DepartmentFactory(slug="elsewhere"),
    )
    retired = LibraryAnswerFactory(
        title_en="Old photo rules", text_en="Photo size", is_active=False
    )
    case = team.case(text="What size must passport photos be?")
    found = {s.answer for s in suggest_answers(case=case, limit=10)}
    assert other not in found and retired not in found
    assert library["photos"] in found


def test_search_matches_every_word_in_either_language(team, library):
    ids = [team.department.pk]
    assert list(library_search(query="volé", department_ids=ids)) == [library["lost"]]
    assert list(library_search(query="passport photo", department_ids=ids)) == [library["photos"]]
    assert list(library_search(query="no-such-word", department_ids=ids)) == []


def test_past_review_answers_are_still_found_but_not_pre_approved(team, library):
    library["fees"].review_date = timezone.localdate() - dt.timedelta(days=1)
    library["fees"].save()
    found = list(library_search(query="160", department_ids=[team.department.pk]))
    assert found == [library["fees"]] and not found[0].is_pre_approved


def test_tokens_fold_accents_and_drop_small_words():
    # Snowball's French stemmer, on the folded words.
    assert tokens("Délai de traitement des passeports", "fr") == ["del", "trait", "passeport"]
    assert tokens("délais", "fr") == tokens("Délai", "fr")
    assert tokens("@jo https://x.ca How are the passports?", "en") == ["passport"]


def test_snowball_stems_join_a_words_forms():
    assert tokens("renewal renewing renewed", "en") == ["renew"] * 3
    assert len(set(tokens("renouveler renouvellement", "fr"))) == 1
