from django.urls import URLPattern, URLResolver, path

from responder.web.views import policies as policy_views

app_name = "policies"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", policy_views.policy_list, name="list"),
    path("<int:pk>/", policy_views.policy_edit, name="edit"),
    path("rules/", policy_views.rules_edit, name="rules"),
    path("preview/", policy_views.policy_preview, name="preview"),
]
