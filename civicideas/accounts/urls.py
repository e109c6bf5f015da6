from django.urls import path

from civicideas.accounts import views

app_name = "accounts"

urlpatterns = [
    path("me/profile/", views.profile, name="profile"),
    path("me/profile/tokens/<id:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
]
