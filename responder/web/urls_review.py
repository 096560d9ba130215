"""Mounted at /review/: emailed links, "Waiting for me", and the case thread forms."""

from django.urls import URLPattern, URLResolver, path

from responder.web.views import review as views

app_name = "workflows"

urlpatterns: list[URLPattern | URLResolver] = [
    path("mine/", views.review_mine, name="mine"),
    path("step/<int:step_id>/", views.review_step, name="step"),
    path("consultation/<int:consultation_id>/", views.review_consultation, name="consultation"),
    path("case/<int:case_id>/comment/", views.case_comment, name="case-comment"),
    path("case/<int:case_id>/consult/", views.case_consult, name="case-consult"),
    path("<str:token>/undo/", views.review_link_undo, name="link-undo"),
    # Last: a token is any other single path segment.
    path("<str:token>/", views.review_link, name="link"),
]
