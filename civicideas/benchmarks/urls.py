from django.urls import include, path

from civicideas.benchmarks.views import trivial

urlpatterns = [
    path("_bench/trivial/", trivial),
    path("", include("civicideas.urls")),
]
