from django.urls import path

from civicideas.pages import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("language/", views.set_language, name="set_language"),
]
