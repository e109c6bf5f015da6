"""Public pages of city projects (namespace ``projects``)."""

from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/<id:pk>/", views.project_detail, name="detail"),
    path("projects/<id:pk>/follow/", views.project_follow, name="follow"),
]
