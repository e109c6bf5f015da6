"""Pages of groups, initiatives and sponsors (namespace ``sponsors``)."""

from django.urls import path

from sponsors import views

app_name = "sponsors"

urlpatterns = [
    path("initiatives/", views.initiative_list, name="initiatives"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative"),
    path("initiatives/<int:pk>/needs/add/", views.need_add, name="need_add"),
    path("initiatives/<int:pk>/updates/add/", views.update_post, name="update_post"),
    path("initiatives/<int:pk>/edit/", views.initiative_edit, name="initiative_edit"),
    path(
        "initiatives/<int:pk>/<slug:action>/",
        views.initiative_action,
        name="initiative_action",
    ),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path(
        "groups/<int:group_pk>/initiatives/new/", views.initiative_create, name="initiative_create"
    ),
    path("sponsors/", views.my_sponsor, name="my_sponsor"),
    path("sponsors/new/", views.sponsor_signup, name="sponsor_signup"),
    path("sponsors/<int:pk>/", views.sponsor_dashboard, name="dashboard"),
    path("sponsors/<int:pk>/edit/", views.sponsor_edit, name="sponsor_edit"),
    path("sponsors/<int:pk>/members/", views.sponsor_members, name="members"),
    path("needs/<int:need_pk>/close/", views.need_close, name="need_close"),
    path("ideas/<int:idea_pk>/group/", views.idea_group_link, name="idea_group"),
    path(
        "ideas/<int:idea_pk>/initiative/new/",
        views.idea_initiative_create,
        name="idea_initiative",
    ),
    path("needs/<int:need_pk>/offer/", views.offer_make, name="offer"),
    path("offers/<int:pk>/decide/", views.offer_decide, name="offer_decide"),
    path("offers/<int:pk>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
]
