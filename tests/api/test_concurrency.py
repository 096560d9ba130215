"""A double click over the API: two claims at the same moment, on real connections."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from responder.audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_officers_claiming_at_once_one_wins_the_other_gets_409(team, api_as):
    case = team.case()
    clients = [api_as(team.officer), api_as(team.officer2)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def claim(client: APIClient) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(client.post(f"/api/v1/cases/{case.pk}/claim/").status_code)
        finally:
            connection.close()  # each thread has its own connection to PostgreSQL

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200, 409]
    assert AuditEvent.objects.filter(case=case, action="case.claim").count() == 1
    case.refresh_from_db()
    assert case.owner in (team.officer, team.officer2)
    assert case.version == 2
