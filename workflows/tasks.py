from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def step_opened_notify(step_id: int) -> None:
    """Email each reviewer of a newly opened approval step."""
    from workflows.notifications import step_opened_send

    step_opened_send(step_id=step_id)


@shared_task(acks_late=True, ignore_result=True)
def changes_requested_notify(step_id: int) -> None:
    """Tell the officer that a reviewer sent the draft back."""
    from workflows.notifications import changes_requested_send

    changes_requested_send(step_id=step_id)
