"""Thin Celery tasks: take ids, call one function, own the retry policy.

Every task is safe to run twice: emails are recorded (EmailNotice) before they are
sent, and the SLA sweep stamps each step once.
"""

from __future__ import annotations

import smtplib
from dataclasses import asdict

from celery import shared_task

from workflows.escalation import sla_sweep_run
from workflows.notifications import (
    changes_requested_send,
    comment_added_send,
    consultation_send,
    response_reminder_send,
    step_escalated_send,
    step_opened_send,
    step_reminder_send,
    step_unroutable_send,
)
from workflows.response_reminders import response_reminders_run

# An unreachable or failing mail server is worth retrying (a refused address is
# handled in notifications). Emails already sent are not sent again on retry.
_MAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "max_retries": 8,
}


@shared_task(acks_late=True, ignore_result=True, **_MAIL_RETRY)
def step_opened_notify(step_id: int) -> None:
    """Email each reviewer of a newly opened approval step, with their own link."""

    step_opened_send(step_id=step_id)


@shared_task(acks_late=True, ignore_result=True, **_MAIL_RETRY)
def changes_requested_notify(step_id: int) -> None:
    """Tell the officer that a reviewer sent the draft back."""

    changes_requested_send(step_id=step_id)


@shared_task(acks_late=True, ignore_result=True, **_MAIL_RETRY)
def step_reminder_notify(step_id: int) -> None:
    """Remind the reviewers who have not decided that the step is nearly due."""

    step_reminder_send(step_id=step_id)


@shared_task(acks_late=True, ignore_result=True, **_MAIL_RETRY)
def step_escalated_notify(step_id: int) -> None:
    """Send the layer's delegate their own link to an overdue step."""

    step_escalated_send(step_id=step_id)


@shared_task(acks_late=True, ignore_result=True, **_MAIL_RETRY)
def step_unroutable_notify(step_id: int) -> None:
    """Tell the site admins that nobody is left who may decide an approval step."""

    step_unroutable_send(step_id=step_id)


@shared_task(acks_late=True, ignore_result=True, **_MAIL_RETRY)
def consultation_notify(consultation_id: int) -> None:
    """Ask an expert of another department for input, with a comment-only link."""

    consultation_send(consultation_id=consultation_id)


@shared_task(acks_late=True, ignore_result=True, **_MAIL_RETRY)
def comment_added_notify(comment_id: int) -> None:
    """Tell the other side of a case's conversation about a new comment."""

    comment_added_send(comment_id=comment_id)


@shared_task(acks_late=True, ignore_result=True, **_MAIL_RETRY)
def response_reminder_notify(case_id: int) -> None:
    """Remind the owner (or the queue) that a case's first response is due."""

    response_reminder_send(case_id=case_id)


@shared_task(acks_late=True, ignore_result=True, time_limit=120)
def response_sweep() -> int:
    """Beat, every minute: one reminder for each case whose first response is due soon."""

    return response_reminders_run()


@shared_task(acks_late=True, ignore_result=True, time_limit=300)
def sla_sweep() -> dict[str, int]:
    """Beat, every minute: remind steps near their deadline, escalate late ones, and
    queue again the emails whose task was lost (approval requests, consultations,
    reminders, escalations)."""

    return asdict(sla_sweep_run())
