"""Submitting an idea to a challenge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicideas.accounts.rules import has_verified_email
from civicideas.content.markdown import render_markdown
from civicideas.errors import ServiceError
from civicideas.tenancy.map_tiles import shows_map
from civicideas.web.decorators import city_required, service_errors
from civicideas.web.ratelimit import limit_take
from ideas import selectors, services
from ideas.forms import IdeaForm
from ideas.map import location_picker
from ideas.status import IdeaStatus
from ideas.views.common import (
    _challenge_or_404,
    _city_languages,
    _form_service_error,
    _idea_url,
    _login_redirect,
    _signed_in,
)


@require_http_methods(["GET", "POST"])
@city_required
@shows_map
@service_errors
def idea_submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Submit an idea, with a server-rendered preview before the final step.

    A hidden ``submission_token`` makes a double-submitted form create one
    idea (``services.idea_submit`` returns the idea the token already made).
    """
    challenge = _challenge_or_404(slug)
    if not _signed_in(request):
        return _login_redirect(request, request.get_full_path())
    categories, districts = selectors.challenge_filter_options(challenge)
    languages = _city_languages(request)
    form_kwargs = {"categories": categories, "districts": districts, "languages": languages}
    needs_verification = challenge.require_verified_email and not has_verified_email(request.user)
    context: dict[str, Any] = {
        "challenge": challenge,
        "needs_verification": needs_verification,
        "closed": not challenge.accepts_ideas,
        "location_map": location_picker(request.city),
    }
    if request.method == "GET":
        language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in languages else languages[0]
        form = IdeaForm(
            initial={"submission_token": IdeaForm.new_token(), "language": language},
            **form_kwargs,
        )
        return TemplateResponse(request, "ideas/submit.html", {**context, "form": form})

    form = IdeaForm(request.POST, request.FILES, **form_kwargs)
    if not form.is_valid():
        return TemplateResponse(request, "ideas/submit.html", {**context, "form": form})
    if "preview" in request.POST:
        context["preview"] = render_markdown(form.cleaned_data["body"])
        context["images_chosen"] = bool(form.cleaned_data.get("images"))
        return TemplateResponse(request, "ideas/submit.html", {**context, "form": form})

    token = form.cleaned_data.get("submission_token") or IdeaForm.new_token()
    existing = services.idea_already_submitted(author=request.user, submission_token=token)
    if existing is not None:
        # The same form again (a double click, a resent POST): one idea.
        return HttpResponseRedirect(_idea_url(existing))
    limit_take(request, "idea")
    try:
        with transaction.atomic():
            idea = services.idea_submit(
                author=request.user,
                challenge=challenge,
                language=form.cleaned_data["language"],
                submission_token=token,
                **form.service_kwargs(),
            )
            files = form.cleaned_data.get("images") or []
            if files:
                # Alternative text for screen readers; the title if none given.
                alt = form.cleaned_data.get("image_description") or idea.title
                services.idea_attach_images(
                    idea=idea, by=request.user, files=files, alt_texts=[alt] * len(files)
                )
    except ServiceError as error:
        _form_service_error(form, error)
        return TemplateResponse(request, "ideas/submit.html", {**context, "form": form})
    if idea.status == IdeaStatus.PENDING:
        messages.success(
            request, _("Thank you! A moderator will check your idea before it is published.")
        )
    else:
        messages.success(request, _("Thank you! Your idea is published."))
    return HttpResponseRedirect(_idea_url(idea))
