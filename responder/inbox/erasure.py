"""The core's write for data retention: removing a case's personal data. The analytics
app decides which cases are due (responder.analytics.retention); the case rows are
written only here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from responder.audit.services import audit_record
from responder.inbox.models import Case, Draft

REMOVED = "[removed]"


def case_personal_data_erase(*, case: Case, now: dt.datetime, details: dict[str, Any]) -> int:
    """Blank the author and text of a locked case and every draft but the posted reply,
    and audit it ("case.personal_data_removed", with `details`). The case's state and
    updated_at do not move (it is not a transition, and the retention clock reads
    updated_at). Returns how many drafts were cleared."""
    assert transaction.get_connection().in_atomic_block, "lock the case first"
    # "sent" is channels.models.OutboxStatus.SENT, named here without importing the
    # channels layer (above the core).
    posted_draft_ids = set(
        case.outbox_items.filter(status="sent", draft__isnull=False).values_list(
            "draft_id", flat=True
        )
    )
    drafts = Draft.objects.filter(case=case).exclude(pk__in=posted_draft_ids)
    drafts_cleared = drafts.exclude(text=REMOVED).update(text=REMOVED)
    # Bypass save(): updated_at must not move, and the FSM state is untouched.
    Case.objects.filter(pk=case.pk).update(
        author_name="",
        author_handle=REMOVED,
        author_external_id="",
        text=REMOVED,
        url="",
        conversation_id="",
        in_reply_to_external_id="",
        personal_data_removed_at=now,
    )
    audit_record(
        action="case.personal_data_removed",
        via="system",
        case=case,
        from_state=case.state,
        to_state=case.state,
        details={
            **details,
            "removed": ["author_name", "author_handle", "author_external_id", "text", "url"],
            "drafts_cleared": drafts_cleared,
            "kept": "posted reply",
        },
    )
    return drafts_cleared
