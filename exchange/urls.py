from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("practices/", views.practice_list, name="list"),
    path("practices/publish/", views.practice_publish, name="publish"),
    path("practices/<slug:slug>/", views.practice_detail, name="detail"),
    path("practices/<slug:slug>/adopt/", views.practice_adopt, name="adopt"),
    path("practices/<slug:slug>/comments/", views.practice_comment, name="comment"),
    path("practices/<slug:slug>/tried-too/", views.practice_tried_too, name="tried_too"),
    path("practices/<slug:slug>/refresh/", views.practice_refresh, name="refresh"),
    path("practices/<slug:slug>/unpublish/", views.practice_unpublish, name="unpublish"),
]
