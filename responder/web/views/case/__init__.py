"""The case page: the citizen's post, ownership, the draft editor, the library,
the approval preview, and the case's history. Every write goes through
responder.inbox.services; htmx requests get the page's partials back.

- context.py: what the page shows (reads only)
- page.py: the page, and how every action on it answers
- actions.py: ownership and open/closed: claim, release, take over, tag, risk,
  close, reopen, retry
- drafts.py: the reply: save, live checks, submit, withdraw
- library.py: the answer library panel and using an answer
"""

from django.urls import path

from responder.web.views.case.actions import (
    case_claim,
    case_close,
    case_priority,
    case_release,
    case_reopen,
    case_retry,
    case_revise,
    case_risk,
    case_tag,
    case_take_over,
)
from responder.web.views.case.context import (
    case_context,
    route_preview,
    word_diff,
)
from responder.web.views.case.drafts import (
    case_undo_send,
    case_withdraw,
    draft_checks,
    draft_save,
    draft_submit,
)
from responder.web.views.case.legal_hold import case_legal_hold
from responder.web.views.case.library import draft_use_answer, library_panel, send_answer
from responder.web.views.case.page import TEMPLATE, VIA, case_detail
from responder.web.views.case.pii import case_redact, case_reveal

__all__ = [
    "TEMPLATE",
    "VIA",
    "case_claim",
    "case_close",
    "case_context",
    "case_detail",
    "case_legal_hold",
    "case_priority",
    "case_redact",
    "case_release",
    "case_reopen",
    "case_retry",
    "case_reveal",
    "case_revise",
    "case_risk",
    "case_tag",
    "case_take_over",
    "case_undo_send",
    "case_withdraw",
    "draft_checks",
    "draft_save",
    "draft_submit",
    "draft_use_answer",
    "library_panel",
    "route_preview",
    "send_answer",
    "urlpatterns",
    "word_diff",
]

urlpatterns = [
    path("cases/<int:case_id>/", case_detail, name="detail"),
    path("cases/<int:case_id>/claim/", case_claim, name="claim"),
    path("cases/<int:case_id>/release/", case_release, name="release"),
    path("cases/<int:case_id>/take-over/", case_take_over, name="take_over"),
    path("cases/<int:case_id>/tag/", case_tag, name="tag"),
    path("cases/<int:case_id>/risk/", case_risk, name="risk"),
    path("cases/<int:case_id>/legal-hold/", case_legal_hold, name="legal_hold"),
    path("cases/<int:case_id>/priority/", case_priority, name="priority"),
    path("cases/<int:case_id>/draft/", draft_save, name="draft_save"),
    path("cases/<int:case_id>/draft/checks/", draft_checks, name="draft_checks"),
    path("cases/<int:case_id>/draft/use/", draft_use_answer, name="use_answer"),
    path("cases/<int:case_id>/send-answer/", send_answer, name="send_answer"),
    path("cases/<int:case_id>/submit/", draft_submit, name="submit"),
    path("cases/<int:case_id>/withdraw/", case_withdraw, name="withdraw"),
    path("cases/<int:case_id>/undo-send/", case_undo_send, name="undo_send"),
    path("cases/<int:case_id>/close/", case_close, name="close"),
    path("cases/<int:case_id>/reopen/", case_reopen, name="reopen"),
    path("cases/<int:case_id>/retry/", case_retry, name="retry"),
    path("cases/<int:case_id>/revise/", case_revise, name="revise"),
    path("cases/<int:case_id>/library/", library_panel, name="library"),
    path("cases/<int:case_id>/reveal/", case_reveal, name="reveal"),
    path("cases/<int:case_id>/redact/", case_redact, name="redact"),
]
