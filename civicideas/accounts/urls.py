from django.urls import path

from civicideas.accounts import me_views, privacy_views, views

app_name = "accounts"

urlpatterns = [
    path("me/profile/", views.profile, name="profile"),
    path("privacy/", privacy_views.privacy_notice, name="privacy"),
    path("privacy/accept/", privacy_views.privacy_accept, name="privacy_accept"),
    path("me/profile/tokens/<id:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("me/export/", me_views.export_page, name="export"),
    path("me/export/<str:token>/", me_views.export_download, name="export_download"),
    path("me/delete/", me_views.delete_page, name="delete"),
]
