"""When an approval step is due. Kept in one place so that business hours and
holidays per department can be counted here."""

from __future__ import annotations

import datetime as dt

from responder.accounts.models import Department


def step_due_at(*, department: Department, opened_at: dt.datetime, sla_minutes: int) -> dt.datetime:
    return opened_at + dt.timedelta(minutes=sla_minutes)
