"""Citizens' pages of ideas (namespace ``ideas``)."""

from django.urls import path

from ideas import follow_views, views

app_name = "ideas"

urlpatterns = [
    path("challenges/<slug:slug>/", views.challenge_detail, name="challenge"),
    path("challenges/<slug:slug>/submit/", views.idea_submit, name="submit"),
    path("challenges/<slug:slug>/similar/", views.challenge_similar, name="similar"),
    path("ideas/<int:pk>/", views.idea_detail, name="idea"),
    path("ideas/<int:pk>/support/", views.idea_support, name="support"),
    path("ideas/<int:pk>/move-support/", views.idea_move_support, name="move_support"),
    path("ideas/<int:pk>/comments/", views.comment_create, name="comment"),
    path("ideas/<int:pk>/report/", views.idea_report, name="report"),
    path("ideas/<int:pk>/edit/", views.idea_edit, name="edit"),
    path("ideas/<int:pk>/withdraw/", views.idea_withdraw, name="withdraw"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/report/", views.comment_report, name="comment_report"),
    path("me/", views.my_participation, name="my_participation"),
    path("me/follows/", follow_views.follow_list, name="follows"),
    path("follow/", follow_views.follow_city, name="follow_city"),
]
