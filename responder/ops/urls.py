from django.urls import URLPattern, path

from responder.ops import status_views, views

# Mounted at the site's root (responder/urls.py): probes expect these exact paths.
urlpatterns: list[URLPattern] = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("ops/status/", status_views.status_page, name="ops-status"),
]
