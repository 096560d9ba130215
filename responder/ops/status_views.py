"""The system status page for admins: superusers see everything, a department admin
the accounts, outbox and e-mail of their departments (queues and workers are shared,
so everyone allowed sees them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.ops import status


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    departments = authz.admin_departments(user)  # None: a site admin sees every one
    if departments is not None and not departments:
        raise PermissionDenied(_("Only admins may see the system status."))
    now = timezone.now()
    queue_rows, beat = status.queue_statuses(now)
    outbox_counts, outbox_rows = status.outbox_waiting(departments, now)
    context = {
        "accounts": [status.account_summary(a, now) for a in status.accounts_for(departments)],
        "queues": queue_rows,
        "beat": beat,
        "outbox_counts": outbox_counts,
        "outbox_rows": outbox_rows,
        "email": status.email_status(departments, now),
        "now": now,
    }
    return render(request, "ops/status.html", context)
