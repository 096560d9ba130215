from django.urls import URLPattern, URLResolver, path

from responder.analytics import views

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("export/cases.csv", views.cases_csv, name="cases-csv"),
    path("export/<slug:name>.csv", views.chart_csv, name="chart-csv"),
    path("cases/<int:pk>/record/", views.case_record, name="case-record"),
    path("cases/<int:pk>/record.json", views.case_record, {"fmt": "json"}, name="case-record-json"),
    path("cases/<int:pk>/promote/", views.answer_promote, name="promote"),
    path("library/<int:pk>/renew/", views.answer_renew, name="renew"),
    path("what-if/", views.whatif_page, name="whatif"),
    path("team/", views.team_page, name="team"),
]
