from django.urls import path

from civicideas.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.statistics_page, name="page"),
    path("<slug:slug>.csv", views.statistics_csv, name="csv"),
]
