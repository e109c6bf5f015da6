"""Pages of groups, initiatives and sponsors (namespace ``sponsors``)."""

from django.urls import path

from sponsors import views

app_name = "sponsors"

urlpatterns = [
    path("initiatives/", views.initiative_list, name="initiatives"),
    path("initiatives/<id:pk>/", views.initiative_detail, name="initiative"),
    path("initiatives/<id:pk>/needs/add/", views.need_add, name="need_add"),
    path("initiatives/<id:pk>/updates/add/", views.update_post, name="update_post"),
    path("initiatives/<id:pk>/edit/", views.initiative_edit, name="initiative_edit"),
    path(
        "initiatives/<id:pk>/<slug:action>/",
        views.initiative_action,
        name="initiative_action",
    ),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<id:pk>/", views.group_detail, name="group"),
    path(
        "groups/<id:group_pk>/initiatives/new/", views.initiative_create, name="initiative_create"
    ),
    path("sponsors/", views.my_sponsor, name="my_sponsor"),
    path("sponsors/new/", views.sponsor_signup, name="sponsor_signup"),
    path("sponsors/<id:pk>/", views.sponsor_dashboard, name="dashboard"),
    path("sponsors/<id:pk>/edit/", views.sponsor_edit, name="sponsor_edit"),
    path("sponsors/<id:pk>/members/", views.sponsor_members, name="members"),
    path("needs/<id:need_pk>/close/", views.need_close, name="need_close"),
    path("ideas/<id:idea_pk>/group/", views.idea_group_link, name="idea_group"),
    path(
        "ideas/<id:idea_pk>/initiative/new/",
        views.idea_initiative_create,
        name="idea_initiative",
    ),
    path("needs/<id:need_pk>/offer/", views.offer_make, name="offer"),
    path("offers/<id:pk>/decide/", views.offer_decide, name="offer_decide"),
    path("offers/<id:pk>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
]
