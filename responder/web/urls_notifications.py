"""The bell's pages: /notifications/."""

from django.urls import path

from responder.web.views import notifications

app_name = "notifications"
urlpatterns = [
    path("", notifications.notification_list, name="list"),
    path("<int:notification_id>/open/", notifications.notification_open, name="open"),
    path("read-all/", notifications.notifications_read_all, name="read_all"),
    path("preferences/", notifications.notification_preferences, name="preferences"),
]
