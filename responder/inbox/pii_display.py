"""The citizen's text as people see it: masked by default, everywhere.

One helper for every place a case's text leaves the database for a person: pages,
review pages and e-mails, exports, analytics drill-downs and the API. The raw text
comes only from a reveal (responder.inbox.pii_services.case_pii_reveal), which the
session remembers for REVEAL_MINUTES.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from responder.accounts.models import Department
from responder.inbox.pii import Finding, pii_find_for, pii_mask

REVEAL_MINUTES = 30
SESSION_KEY = "pii_revealed"  # {case id: ISO time the reveal ends}

# A department's allow-list and patterns, read at most once a minute per process, so a
# list of 50 cases costs no query per case.
_DEPARTMENTS: dict[int, tuple[float, Any]] = {}
_DEPARTMENT_TTL = 60.0


def _department_of(case: Any) -> Any:
    cached = getattr(case, "_state", None)
    if cached is not None and "department" in cached.fields_cache:
        return case.department
    department_id = getattr(case, "department_id", None)
    if department_id is None:
        return None
    now = time.monotonic()
    hit = _DEPARTMENTS.get(department_id)
    if hit is None or now - hit[0] > _DEPARTMENT_TTL:
        department = (
            Department.objects.filter(pk=department_id)
            .only("pk", "pii_allow_list", "pii_file_patterns")
            .first()
        )
        hit = (now, department)
        _DEPARTMENTS[department_id] = hit
    return hit[1]


def case_pii_findings(case: Any, text: str | None = None) -> list[Finding]:
    """The personal information in a case's text (or `text`, a post of its thread),
    with its department's allow-list and patterns. Detection runs on every read, not
    only when the stored flag says so: a case stored before detection existed, or
    through another path, is masked just the same."""
    text = case.text if text is None else text
    if not text:
        return []
    return pii_find_for(text, department=_department_of(case))


def masked_text(case: Any, text: str | None = None) -> str:
    """The case's text (or `text`) with personal information masked: •••-•••-286."""
    text = case.text if text is None else text
    return pii_mask(text, case_pii_findings(case, text))


def reveal_active(session: Any, case_id: int) -> bool:
    """Has this session revealed the case, and is the reveal still running?"""
    if session is None:
        return False
    until = (session.get(SESSION_KEY) or {}).get(str(case_id))
    if not until:
        return False
    try:
        return dt.datetime.fromisoformat(until) > timezone.now()
    except ValueError:
        return False


def reveal_remember(session: Any, case_id: int) -> dt.datetime:
    until = timezone.now() + dt.timedelta(minutes=REVEAL_MINUTES)
    revealed = dict(session.get(SESSION_KEY) or {})
    revealed[str(case_id)] = until.isoformat()
    session[SESSION_KEY] = revealed
    return until


def text_for_request(request: Any, case: Any, text: str | None = None) -> str:
    """The case's text for this request: raw after this session revealed it, else masked."""
    session = getattr(request, "session", None)
    if reveal_active(session, case.pk):
        return case.text if text is None else text
    return masked_text(case, text)


# How far the citizen's post reaches (Mastodon's visibility; a direct message elsewhere).
VISIBILITY_LABELS = {
    "public": _("Public"),
    "unlisted": _("Unlisted"),
    "private": _("Followers only"),
    "followers": _("Followers only"),
    "direct": _("Direct message"),
}


def visibility_label(visibility: str) -> str:
    return str(VISIBILITY_LABELS.get(visibility or "public", visibility))


def is_private_post(visibility: str) -> bool:
    """Not on the public timeline: a direct message or a followers-only post."""
    return visibility in ("direct", "private", "followers")
