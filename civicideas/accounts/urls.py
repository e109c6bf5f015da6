from django.urls import path

from civicideas.accounts import privacy_views, views

app_name = "accounts"

urlpatterns = [
    path("me/profile/", views.profile, name="profile"),
    path("me/profile/tokens/<id:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("me/export/", privacy_views.export_page, name="export"),
    path("me/export/<str:token>/", privacy_views.export_download, name="export_download"),
    path("me/delete/", privacy_views.delete_page, name="delete"),
]
