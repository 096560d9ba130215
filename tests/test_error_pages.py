"""Refusals and errors are pages people can read, in their language, with a way on."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings
from django.views.defaults import server_error


def test_a_refused_page_says_why_in_the_house_style(client, team):
    client.force_login(team.officer)
    response = client.get("/analytics/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your account cannot open this page" in html
    assert "Only admins may see analytics and exports." in html
    assert 'href="/"' in html and "Go to the inbox" in html
    assert "app.css" in html  # the site's look, not a bare "403 Forbidden"

    client.cookies["django_language"] = "fr"  # the header's switch
    french = client.get("/analytics/").content.decode()
    assert "Votre compte ne peut pas ouvrir cette page" in french


@override_settings(DEBUG=False)
def test_a_missing_case_is_a_page_not_found(client, team):
    client.force_login(team.officer)
    response = client.get("/cases/987654321/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_server_error_renders_without_a_request_context(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_an_expired_form_explains_itself():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
