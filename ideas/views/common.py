"""What the citizens' pages share: login redirects, cache scopes, paging and lookups."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from civicideas import inputs
from civicideas.errors import ServiceError
from ideas import cache_keys, selectors
from ideas.forms import IdeaForm
from ideas.models import Challenge, Idea

PER_PAGE = 20
SIMILAR_LIMIT = 5


def _login_redirect(request: HttpRequest, next_url: str) -> HttpResponse:
    login = redirect_to_login(next_url)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(login.url)
    return login


def _signed_in(request: HttpRequest) -> bool:
    return request.user.is_authenticated


def _challenge_scopes(request: HttpRequest, slug: str) -> list[str]:
    return [cache_keys.challenge_scope(request.city.pk, slug)]


def _idea_scopes(request: HttpRequest, pk: int) -> list[str]:
    scopes = [cache_keys.idea_scope(request.city.pk, pk)]
    if request.GET.get("similar") == "1":  # lists other ideas of the city
        scopes.append(cache_keys.city_scope(request.city.pk))
    return scopes


def _page_number(request: HttpRequest) -> int:
    return inputs.parse_page(request.GET.get("page"))


def _challenge_or_404(slug: str) -> Challenge:
    return get_object_or_404(Challenge.objects.public(), slug=slug)


def _visible_idea_or_404(request: HttpRequest, pk: int) -> Idea:
    """Same answer for "missing", "another city's" and "not for you"."""
    idea = selectors.idea_for_page(pk=pk, user=request.user)
    if idea is None:
        raise Http404
    return idea


def _city_languages(request: HttpRequest) -> list[str]:
    return list(request.city.languages or [request.city.default_language])


def _idea_url(idea: Idea | int) -> str:
    return reverse("ideas:idea", args=[getattr(idea, "pk", idea)])


def _form_service_error(form: IdeaForm, error: ServiceError) -> None:
    form.add_error(None, error.message)
