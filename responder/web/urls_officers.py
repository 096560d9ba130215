"""The officers' pages, mounted at the site root: "/" is the inbox.

Case pages live at /cases/<id>/ (the inbox links there) and the answer library at
/library/ (the header links there).
"""

from django.urls import URLPattern, URLResolver, include, path

from responder.web.views import case, inbox, incoming_rules, library, saved_views

urlpatterns: list[URLPattern | URLResolver] = [
    # --- inbox ---
    path("", inbox.inbox, name="inbox"),
    path("inbox/live/", inbox.inbox_live, name="inbox-live"),
    path("inbox/counts/", inbox.inbox_counts_view, name="inbox-counts"),
    path("inbox/bulk/", inbox.inbox_bulk, name="inbox-bulk"),
    path("inbox/bulk/undo/", inbox.inbox_bulk_undo, name="inbox-bulk-undo"),
    path("inbox/cases/<int:case_id>/claim/", inbox.inbox_claim, name="inbox-claim"),
    path("inbox/views/", saved_views.saved_view_create, name="inbox-view-save"),
    path(
        "inbox/views/<int:view_id>/delete/", saved_views.saved_view_remove, name="inbox-view-delete"
    ),
    # --- case page and library ---
    path("", include((case.urlpatterns, "cases"))),
    path("", include((library.urlpatterns, "library"))),
    # --- department admins: incoming rules (/settings/incoming-rules/) ---
    path("", include((incoming_rules.urlpatterns, "incoming_rules"))),
]
