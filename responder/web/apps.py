from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


class WebConfig(AppConfig):
    """The web layer: the officers' and reviewers' pages, the policy editor, the REST
    API and its serializers, template tags and the demo loader. It sits on top of the
    cases core (responder.inbox), the approval engine (workflows) and the channels; none
    of those imports it (docs/ARCHITECTURE.md, and the import-linter contracts)."""

    name = "responder.web"
    label = "web"

    def ready(self) -> None:
        # inner import: models load once the app registry is ready.
        from responder.inbox.models import SavedView

        # However a saved view changes (the inbox, the admin, a deleted user), the
        # inbox's cached list of them is dropped once the change is committed.
        post_save.connect(_saved_view_changed, sender=SavedView, dispatch_uid="saved-view-save")
        post_delete.connect(_saved_view_changed, sender=SavedView, dispatch_uid="saved-view-delete")


def _saved_view_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # inner import: the inbox selectors read models, not importable from apps.py.
    from responder.web.inbox_selectors import saved_views_forget

    user_id, department_id = instance.user_id, instance.department_id
    # Now, and again after commit: a page read between the two may have cached the
    # list as it was before this change.
    saved_views_forget(user_id=user_id, department_id=department_id)
    transaction.on_commit(lambda: saved_views_forget(user_id=user_id, department_id=department_id))
