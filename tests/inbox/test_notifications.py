"""In-app notifications (#14): assigning, changes requested, approved, a mention;
read and unread; e-mail only for the kinds a person ticked."""

from __future__ import annotations

import pytest
from django.test import Client

from responder.inbox import services as inbox
from responder.inbox.notification_models import Notification, NotificationKind
from responder.inbox.notifications import email_kinds_save, unread_count
from responder.testing.factories import submitted_in_new_words
from tests.workflows.mailsink import smtp  # noqa: F401  (the fixture)
from workflows.consultations import comment_add
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_assigning_a_case_notifies_the_assignee_once_and_not_by_email(
    team, request, django_capture_on_commit_callbacks
):
    smtp_sink = request.getfixturevalue("smtp")
    case = team.case()
    with django_capture_on_commit_callbacks(execute=True):
        inbox.case_assign(case_id=case.pk, actor=team.admin, assignee=team.officer, via="web")
    assert _kinds(team.officer) == [NotificationKind.ASSIGNED]
    assert unread_count(user_id=team.officer.pk) == 1
    assert _kinds(team.admin) == []  # never the one who did it
    assert smtp_sink.to(team.officer.email) == []  # assignment e-mails are off by default


def test_a_ticked_kind_also_comes_by_email(team, request, django_capture_on_commit_callbacks):
    smtp_sink = request.getfixturevalue("smtp")
    email_kinds_save(user=team.officer, kinds=[NotificationKind.ASSIGNED])
    case = team.case()
    with django_capture_on_commit_callbacks(execute=True):
        inbox.case_assign(case_id=case.pk, actor=team.admin, assignee=team.officer, via="web")
    (message,) = smtp_sink.wait_for(team.officer.email)
    assert f"/cases/{case.pk}/" in message.get_body(preferencelist=("plain",)).get_content()


def test_changes_requested_then_approved_reach_the_owner(team, django_capture_on_commit_callbacks):
    case = team.case()
    with django_capture_on_commit_callbacks(execute=True):
        step = submitted_in_new_words(team, case)
        approval_decide(
            step_id=step.pk,
            reviewer=team.sme,
            decision="request_changes",
            via="web",
            comment="Add the link.",
        )
    assert _kinds(team.officer) == [NotificationKind.CHANGES_REQUESTED]
    other = team.case()
    with django_capture_on_commit_callbacks(execute=True):
        step = submitted_in_new_words(team, other, text="New words, see canada.ca.")
        approval_decide(step_id=step.pk, reviewer=team.sme, decision="approve", via="web")
    assert NotificationKind.APPROVED in _kinds(team.officer)


def test_a_comment_mentioning_someone_notifies_them(team, django_capture_on_commit_callbacks):
    case = team.case()
    with django_capture_on_commit_callbacks(execute=True):
        step = submitted_in_new_words(team, case)
        comment_add(
            case_id=case.pk,
            author=team.officer,
            via="web",
            text=f"@{team.sme2.username} could you look too? @nobody-here",
        )
    assert _kinds(team.sme2) == [NotificationKind.MENTIONED]
    assert step.pk


def test_the_bell_counts_and_opening_marks_read(team, django_capture_on_commit_callbacks):
    case = team.case()
    with django_capture_on_commit_callbacks(execute=True):
        inbox.case_assign(case_id=case.pk, actor=team.admin, assignee=team.officer, via="web")
    client = Client()
    client.force_login(team.officer)
    page = client.get("/notifications/")
    assert 'data-unread="1"' in page.content.decode()
    notification = Notification.objects.get(recipient=team.officer)
    response = client.post(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == f"/cases/{case.pk}/"
    assert unread_count(user_id=team.officer.pk) == 0
    # Someone else's notification is not found.
    other = Client()
    other.force_login(team.officer2)
    assert other.post(f"/notifications/{notification.pk}/open/").status_code == 404


def test_preferences_page_saves_the_ticked_kinds(team):
    client = Client()
    client.force_login(team.officer)
    client.post("/notifications/preferences/", {"email_kinds": ["approved", "posted"]})
    page = client.get("/notifications/preferences/").content.decode()
    assert 'value="approved" checked' in page.replace('id="id_email_kinds_3" ', "") or (
        page.count("checked") == 2
    )


def test_unticking_changes_requested_keeps_it_to_the_bell(
    team, request, django_capture_on_commit_callbacks
):
    smtp_sink = request.getfixturevalue("smtp")
    email_kinds_save(user=team.officer, kinds=[])
    case = team.case()
    with django_capture_on_commit_callbacks(execute=True):
        step = submitted_in_new_words(team, case)
        approval_decide(
            step_id=step.pk,
            reviewer=team.sme,
            decision="request_changes",
            via="web",
            comment="Add the link.",
        )
    from workflows.tasks import changes_requested_notify

    changes_requested_notify(step.pk)  # the task the decision queued, run here
    assert _kinds(team.officer) == [NotificationKind.CHANGES_REQUESTED]
    assert smtp_sink.to(team.officer.email) == []
    # Ticked again (the default), the same task sends it.
    email_kinds_save(user=team.officer, kinds=[NotificationKind.CHANGES_REQUESTED])
    changes_requested_notify(step.pk)
    smtp_sink.wait_for(team.officer.email)


def test_the_bells_kept_count_follows_every_change(team, django_capture_on_commit_callbacks):
    """The bell's count is kept in the cache between pages (bench/notifications_bench.py);
    a new notification, opening one and "mark all read" each show at once."""
    first, second = team.case(), team.case()
    client = Client()
    client.force_login(team.officer)
    assert 'data-unread="0"' in client.get("/notifications/").content.decode()  # kept: 0
    with django_capture_on_commit_callbacks(execute=True):
        inbox.case_assign(case_id=first.pk, actor=team.admin, assignee=team.officer, via="web")
    assert 'data-unread="1"' in client.get("/notifications/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        inbox.case_assign(case_id=second.pk, actor=team.admin, assignee=team.officer, via="web")
    assert 'data-unread="2"' in client.get("/notifications/").content.decode()
    opened = Notification.objects.filter(recipient=team.officer, case=first).get()
    client.post(f"/notifications/{opened.pk}/open/")
    assert 'data-unread="1"' in client.get("/notifications/").content.decode()
    client.post("/notifications/read-all/")
    assert 'data-unread="0"' in client.get("/notifications/").content.decode()
    # Another person's count is their own.
    assert unread_count(user_id=team.officer2.pk) == 0


def test_the_bell_stops_at_99_plus_and_counts_down_as_they_are_read(team) -> None:
    from responder.inbox.notifications import notification_read

    case = team.case()
    Notification.objects.bulk_create(
        Notification(recipient=team.officer, kind=NotificationKind.ASSIGNED, case=case)
        for _ in range(101)
    )
    client = Client()
    client.force_login(team.officer)
    # Written in bulk, behind the notification services' back: the count is new here.
    assert unread_count(user_id=team.officer.pk) == 100
    assert 'data-unread="100">99+ unread<' in client.get("/").content.decode()
    for notification in Notification.objects.filter(recipient=team.officer)[:2]:
        notification_read(user_id=team.officer.pk, notification_id=notification.pk)
    assert unread_count(user_id=team.officer.pk) == 99
    assert 'data-unread="99">99 unread<' in client.get("/").content.decode()
    assert unread_count(user_id=team.officer2.pk) == 0
