"""Staff enter an idea given off-line; the person claims it later
(docs/offline.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicideas.errors import ServiceError
from civicideas.web.decorators import city_required, service_errors
from ideas import rules, services
from ideas.entry_forms import IdeaEntryForm, entry_form
from ideas.services import offline
from ideas.status import IdeaStatus
from ideas.views.common import _city_languages, _idea_url, _login_redirect, _signed_in


@require_http_methods(["GET", "POST"])
@city_required
@service_errors
def idea_enter(request: HttpRequest) -> HttpResponse:
    """A moderator types in an idea someone gave on paper, at a workshop or
    by phone. It goes through ``services.idea_submit`` like an on-line idea."""
    if not _signed_in(request):
        return _login_redirect(request, request.get_full_path())
    if not rules.can_open_idea_entry(request.user):
        raise PermissionDenied
    languages = _city_languages(request)
    if request.method == "GET":
        language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in languages else languages[0]
        form = entry_form(
            languages=languages,
            initial={
                "submission_token": IdeaEntryForm.new_token(),
                "language": language,
                "channel_date": timezone.localdate(),
                "challenge": request.GET.get("challenge", ""),
            },
        )
        return _page(request, form)
    form = entry_form(request.POST, languages=languages)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        with transaction.atomic():
            idea = services.idea_submit(
                entered_by=request.user, **form.entry_kwargs(), **form.service_kwargs()
            )
    except ServiceError as error:
        form.add_error(None, error.message)
        return _page(request, form, status=error.status_code)
    if idea.status == IdeaStatus.PENDING:
        messages.success(request, _("The idea is entered and waits for moderation."))
    else:
        messages.success(request, _("The idea is entered and published."))
    return HttpResponseRedirect(_idea_url(idea))


def _page(request: HttpRequest, form: IdeaEntryForm, status: int = 200) -> HttpResponse:
    return TemplateResponse(request, "ideas/enter.html", {"form": form}, status=status)


_CLAIM_STATUS = {"invalid": 404, "expired": 410, "used": 410}


@require_http_methods(["GET", "POST"])
@city_required
def idea_claim(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person makes an idea staff entered for them their own.

    Every bad link (forged, another city's, expired, used) is a page that
    says so, with its 4xx status; someone signed in with another address
    cannot claim it."""
    check = offline.invitation_for_token(token)
    if check.state != "ok" or check.invitation is None:
        return TemplateResponse(
            request,
            "ideas/claim.html",
            {"state": check.state},
            status=_CLAIM_STATUS.get(check.state, 404),
        )
    invitation = check.invitation
    context: dict[str, Any] = {"state": "ok", "invitation": invitation, "idea": invitation.idea}
    if not _signed_in(request):
        context["state"] = "sign_in"
        context["next"] = request.get_full_path()
        return TemplateResponse(request, "ideas/claim.html", context)
    if not offline.may_claim(request.user, invitation):
        context["state"] = "other_address"
        return TemplateResponse(request, "ideas/claim.html", context, status=403)
    if request.method == "GET":
        return TemplateResponse(request, "ideas/claim.html", context)
    try:
        idea = services.idea_claim(invitation=invitation, user=request.user)
    except ServiceError as error:
        context.update(state="refused", message=error.message)
        return TemplateResponse(request, "ideas/claim.html", context, status=error.status_code)
    messages.success(request, _("The idea is yours now. You will hear when something happens."))
    return HttpResponseRedirect(_idea_url(idea))
