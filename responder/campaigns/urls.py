from django.urls import URLPattern, URLResolver, path

from responder.campaigns import views

app_name = "campaigns"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.campaign_list, name="list"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/compose/", views.campaign_compose, name="compose"),
    path("<int:pk>/calendar/", views.campaign_calendar, name="calendar"),
    path("<int:pk>/community/", views.campaign_community, name="community"),
    path("<int:pk>/community/act/", views.community_act, name="act"),
    path("<int:pk>/community/undo/", views.community_undo, name="undo"),
    path("<int:pk>/posts/stalled/", views.campaign_thread_stalled, name="stalled"),
    path("<int:pk>/figures/", views.campaign_figures, name="figures"),
    path("<int:pk>/figures.csv", views.campaign_figures_csv, name="figures-csv"),
]
