"""Pages of events (namespace ``events``)."""

from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/calendar.ics", views.calendar_ics, name="calendar"),
    path("events/<id:pk>/", views.event_detail, name="detail"),
    path("events/<id:pk>.ics", views.event_ics, name="ics"),
    path("events/<id:pk>/register/", views.event_register, name="register"),
    path("events/<id:pk>/cancel/", views.registration_cancel, name="cancel"),
]
