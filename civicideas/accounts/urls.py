from django.urls import path

from civicideas.accounts import privacy_views, views

app_name = "accounts"

urlpatterns = [
    path("me/profile/", views.profile, name="profile"),
    path("privacy/", privacy_views.privacy_notice, name="privacy"),
    path("privacy/accept/", privacy_views.privacy_accept, name="privacy_accept"),
    path("me/profile/tokens/<id:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
]
