"""Password reset in Responder's own look and both languages, or off (issue #16)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from responder.accounts.models import Role
from responder.testing.factories import DepartmentFactory, person
from tests.workflows.mailsink import smtp  # noqa: F401

pytestmark = pytest.mark.django_db

RESET_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/reset/[^\s\"'<>]+/")
NEW_PASSWORD = "a-brand-new-passphrase-42"


def test_a_forgotten_password_is_reset_by_email_in_the_sites_look(smtp):  # noqa: F811
    officer = person(Role.OFFICER, DepartmentFactory(), username="olivia")
    client = Client()

    login = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in login

    form = client.get("/accounts/password_reset/")
    page = form.content.decode()
    assert form.status_code == 200
    assert 'class="site-header"' in page and "Django administration" not in page
    assert "Reset your password" in page

    sent = client.post("/accounts/password_reset/", {"email": officer.email})
    assert sent.status_code == 302
    done = client.get(sent["Location"]).content.decode()
    assert "Check your email" in done and 'class="site-header"' in done

    message = smtp.wait_for(officer.email)[0]
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = RESET_LINK.search(body)
    assert link, body
    assert "Responder" in str(message["Subject"])

    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    confirm = client.get(f"/{path}", follow=True)
    page = confirm.content.decode()
    assert 'class="site-header"' in page and "Choose a new password" in page
    changed = client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is set" in changed.content.decode()

    again = Client().post("/accounts/login/", {"username": "olivia", "password": NEW_PASSWORD})
    assert again.status_code == 302


def test_the_reset_pages_and_email_are_in_french(smtp):  # noqa: F811
    officer = person(Role.OFFICER, DepartmentFactory(), username="francois", language="fr")
    client = Client(headers={"accept-language": "fr"})
    page = client.get("/accounts/password_reset/").content.decode()
    assert "Réinitialiser votre mot de passe" in page

    client.post("/accounts/password_reset/", {"email": officer.email})
    message = smtp.wait_for(officer.email)[0]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Choisissez un nouveau mot de passe" in body
    assert "Réinitialisation du mot de passe" in str(message["Subject"])


def test_no_reset_when_local_passwords_are_off(settings, smtp):  # noqa: F811
    settings.LOCAL_PASSWORDS = False
    officer = person(Role.OFFICER, DepartmentFactory(), username="olivia")
    client = Client()
    assert "password_reset" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.post("/accounts/password_reset/", {"email": officer.email}).status_code == 404
    assert client.get("/accounts/reset/MQ/set-password/").status_code == 404
    assert smtp.to(officer.email) == []
