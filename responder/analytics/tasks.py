from __future__ import annotations

from celery import shared_task

from responder.analytics import retention, selectors


@shared_task(name="responder.analytics.tasks.retention_apply", time_limit=3300, acks_late=True)
def retention_apply() -> int:
    """Hourly: remove personal data past retention. Safe to run twice at once."""
    return retention.retention_apply()


@shared_task(name="responder.analytics.tasks.analytics_warm", time_limit=600, ignore_result=True)
def analytics_warm() -> None:
    """Every few minutes: recompute the default dashboard (last 30 days, no filter), so
    the page admins open first is always served from the cache."""

    selectors.dashboard_cached(selectors.filters_from({}), fresh=True)
