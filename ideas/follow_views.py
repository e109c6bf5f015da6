"""Following new challenges: the city home's button and the page where a
person chooses the whole city or some categories.

Plain forms (no JavaScript needed); changes go through ``ideas.follows``.
A tampered category id is refused with the form shown again (400), never a
500 and never half-saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicideas.cache_policy import private_page
from civicideas.errors import ServiceError
from civicideas.web.decorators import city_required, service_errors
from ideas import follows
from ideas.models import Category


@private_page
@require_http_methods(["GET", "POST"])
@city_required
def follow_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    following = follows.following_of(request.user)
    errors: list[str] = []
    if request.method == "POST":
        city_wide = request.POST.get("city") == "on"
        chosen = request.POST.getlist("category")
        try:
            follows.follows_set(user=request.user, city_wide=city_wide, category_ids=chosen)
        except ServiceError as error:
            errors.append(error.message)
        else:
            messages.success(request, _("Your choice of new challenges is saved."))
            return HttpResponseRedirect(reverse("ideas:follows"))
    return TemplateResponse(
        request,
        "ideas/follows.html",
        {
            "following": following,
            "categories": list(Category.objects.order_by("name")),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_POST
@city_required
@service_errors
def follow_city(request: HttpRequest) -> HttpResponse:
    """The city home's button: follow or stop following every new challenge."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("ideas:follows"))
    follow = request.POST.get("follow") == "1"
    follows.follow_city(user=request.user, follow=follow)
    messages.success(
        request,
        _("We will tell you when a new challenge opens.")
        if follow
        else _("You no longer follow new challenges of this city."),
    )
    return HttpResponseRedirect(reverse("pages:home"))
