"""What the sponsors pages share: paging and the 404-for-anything-not-yours lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from civicideas import inputs
from civicideas.concurrency import StaleEdit
from civicideas.errors import ServiceError
from sponsors import rules, selectors
from sponsors.forms import InitiativeForm, SponsorForm
from sponsors.models import CommunityGroup, Sponsor

PER_PAGE = 20


def _login(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path())


def _page_number(request: HttpRequest) -> int:
    return inputs.parse_page(request.GET.get("page"))


def _initiative_or_404(request: HttpRequest, pk: int):
    initiative = selectors.initiative_for_page(pk=pk, user=request.user)
    if initiative is None:
        raise Http404
    return initiative


def _initiative_url(pk: int) -> str:
    return reverse("sponsors:initiative", args=[pk])


def _my_sponsor_or_404(request: HttpRequest, pk: int) -> Sponsor:
    sponsor = get_object_or_404(Sponsor, pk=pk)
    if not rules.is_sponsor_member(request.user, sponsor):
        raise Http404
    return sponsor


def _group_or_404(request: HttpRequest, pk: int) -> CommunityGroup:
    return get_object_or_404(selectors.groups_visible_to(request.user), pk=pk)


def _version_kwargs(form: Any) -> dict[str, Any]:
    """``expected_version`` for the service, when the form carries one."""
    if "lock_version" not in getattr(form, "cleaned_data", {}):
        return {}
    return {"expected_version": form.cleaned_data["lock_version"]}


def _edit_page(
    request: HttpRequest,
    *,
    form_class: type[InitiativeForm] | type[SponsorForm],
    initial: dict[str, Any],
    save: Callable[[dict[str, Any]], Any],
    saved: str,
    next_url: str,
    template: str,
    context: dict[str, Any],
    version_of: Any = None,
) -> HttpResponse:
    """The edit pages' one shape (an initiative, a sponsor's profile): the
    form offers the city's categories and districts; a valid POST goes to
    the service; an invalid form is a 400 and a refusal a form error with
    the service's 4xx, never a 500 and never half-saved. With ``version_of``
    the form carries that object's version and ``save`` gets it as
    ``cleaned_data["lock_version"]``: a colleague's save since the form was
    read is a 409 with who and when (``civicideas.concurrency``)."""
    categories, districts = selectors.filter_options()
    form = form_class(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        districts=districts,
        initial=initial,
        **({"version_of": version_of} if version_of is not None else {}),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save({**form.service_kwargs(), **_version_kwargs(form)})
            except StaleEdit as error:
                form.add_stale_error(error)
                status = error.status_code
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(request, saved)
                return HttpResponseRedirect(next_url)
        else:
            status = getattr(form, "conflict_status", 400)
    return TemplateResponse(request, template, {"form": form, **context}, status=status)
