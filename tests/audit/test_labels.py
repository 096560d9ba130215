"""Every audit action the code writes has a label, in English and French."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation
from django_fsm import FSMField

from responder.audit.labels import AUDIT_ACTION_LABELS, audit_action_label
from responder.inbox.models import Case

ROOT = Path(__file__).resolve().parents[2]
# Literals of the same shape that are not audit actions.
NOT_ACTIONS = {"draft.version"}  # a serializer's source
PREFIXES = "case|draft|approval|policy|library|consultation|analytics"
ACTION = re.compile(rf"""["']((?:{PREFIXES})\.[a-z_]+)["']""")


def _written_actions() -> set[str]:
    """Literals shaped like action codes in the code ("case.claim"), and
    "case.<transition>" for each transition of the case's state machine."""
    found: set[str] = set()
    for folder in ("responder", "workflows"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "labels.py" or "migrations" in path.parts:
                continue
            text = path.read_text()
            found |= {m.group(1) for m in ACTION.finditer(text)} - NOT_ACTIONS
    state = next(f for f in Case._meta.fields if isinstance(f, FSMField))
    found |= {f"case.{t.name}" for t in state.get_all_transitions(Case)}
    return found


def test_every_written_action_has_a_label_in_both_languages() -> None:
    written = _written_actions()
    assert {"case.ingested", "case.claim", "approval.escalate", "policy.update"} <= written
    missing = sorted(written - set(AUDIT_ACTION_LABELS))
    assert not missing, f"audit actions without a label: {missing}"
    for action in written:
        with translation.override("fr"):
            french = audit_action_label(action)
        english = audit_action_label(action)
        assert french != action and english != action
        assert french != english, f"{action} is not translated: {english!r}"


def test_an_unknown_code_shows_as_it_is() -> None:
    assert audit_action_label("something.new") == "something.new"
