"""Records: the audit-log export (/records/audit/)."""

from django.urls import path

from responder.analytics.audit_export import audit_export_csv, audit_export_json, audit_export_page

app_name = "audit_export"

urlpatterns = [
    path("", audit_export_page, name="page"),
    path("export.csv", audit_export_csv, name="csv"),
    path("export.json", audit_export_json, name="json"),
]
