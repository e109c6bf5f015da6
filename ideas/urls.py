"""Citizens' pages of ideas (namespace ``ideas``)."""

from django.urls import path

from ideas import follow_views, views

app_name = "ideas"

urlpatterns = [
    path("challenges/", views.challenge_list, name="challenges"),
    path("challenges/<slug:slug>/", views.challenge_detail, name="challenge"),
    path("challenges/<slug:slug>/submit/", views.idea_submit, name="submit"),
    path("challenges/<slug:slug>/similar/", views.challenge_similar, name="similar"),
    path("challenges/<slug:slug>/poster.pdf", views.challenge_poster, name="poster"),
    path("challenges/<slug:slug>/form.pdf", views.challenge_form, name="paper_form"),
    path("ideas/<id:pk>/", views.idea_detail, name="idea"),
    path("ideas/<id:pk>/support/", views.idea_support, name="support"),
    path("ideas/<id:pk>/move-support/", views.idea_move_support, name="move_support"),
    path("ideas/<id:pk>/comments/", views.comment_create, name="comment"),
    path("ideas/<id:pk>/report/", views.idea_report, name="report"),
    path("ideas/<id:pk>/edit/", views.idea_edit, name="edit"),
    path("ideas/<id:pk>/withdraw/", views.idea_withdraw, name="withdraw"),
    path("comments/<id:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<id:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<id:pk>/report/", views.comment_report, name="comment_report"),
    path("map/", views.city_map, name="map"),
    path("staff/ideas/new/", views.idea_enter, name="enter"),
    path("ideas/claim/<str:token>/", views.idea_claim, name="claim"),
    path("me/", views.my_participation, name="my_participation"),
    path("me/follows/", follow_views.follow_list, name="follows"),
    path("follow/", follow_views.follow_city, name="follow_city"),
]
