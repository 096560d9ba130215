"""The Django admin of the cases core, the approval engine, the channels and the audit
log: one module each, registered when Django's admin discovers `responder.web.admin`
(the admin is part of the web layer; accounts keep theirs beside the people model)."""

from responder.web.admin import audit, channels, inbox, workflows

__all__ = ["audit", "channels", "inbox", "workflows"]
