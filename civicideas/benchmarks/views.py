"""The baseline: a view that does one indexed query and renders nothing.

Every figure is printed next to this one so results can be compared across
machines (the ratio matters, not the absolute time)."""

from django.http import HttpRequest, HttpResponse

from ideas.models import Challenge


def trivial(request: HttpRequest) -> HttpResponse:
    title = Challenge.objects.filter(slug="bench").values_list("title", flat=True).first()
    return HttpResponse(title or "-", content_type="text/plain")
