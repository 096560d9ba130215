"""The thread walk, the one home of the rule: the earlier posts a case answers, as
the case page, the review pages and the reviewers' emails show them."""

from __future__ import annotations

from responder.inbox.models import Case

# How many earlier posts of a conversation are shown above a case.
THREAD_DEPTH = 10


def case_thread(*, case: Case, depth: int = THREAD_DEPTH) -> list[Case]:
    """The earlier posts of the conversation this case answers, oldest first (at most
    `depth`, the nearest ones; a loop in the parent links ends the walk)."""
    thread: list[Case] = []
    seen = {case.pk}
    parent = case.parent
    while parent is not None and parent.pk not in seen and len(thread) < depth:
        thread.append(parent)
        seen.add(parent.pk)
        parent = parent.parent
    thread.reverse()
    return thread
