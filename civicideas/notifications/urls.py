"""In-app notifications and preferences (namespace ``notifications``)."""

from django.urls import path

from civicideas.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<id:pk>/read/", views.mark_read, name="read"),
    path("preferences/", views.preference_list, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
