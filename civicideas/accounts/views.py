"""A person's profile in the current city and their API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicideas.accounts.profile_links import sections_for
from civicideas.accounts.services import profile_ensure, profile_update
from civicideas.api.tokens import token_revoke
from civicideas.apitokens.models import ApiToken
from civicideas.errors import ServiceError
from civicideas.text import VisibleCharField


class ProfileForm(forms.Form):
    display_name = VisibleCharField(
        label=gettext_lazy("Display name"),
        max_length=80,
        help_text=gettext_lazy("Shown next to your ideas and comments in this city."),
    )
    preferred_language = forms.ChoiceField(label=gettext_lazy("Language of your messages"))

    def __init__(self, *args, languages: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = [
            (code, get_language_info(code)["name_local"]) for code in languages
        ]


def _guard(request: HttpRequest) -> HttpResponse | None:
    if getattr(request, "city", None) is None:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Display name and message language in this city, and the API tokens
    issued here (``POST /api/v1/auth/token/``), which can be revoked."""
    if (refused := _guard(request)) is not None:
        return refused
    current = profile_ensure(user=request.user)
    languages = list(request.city.languages or [request.city.default_language])
    form = ProfileForm(
        request.POST or None,
        languages=languages,
        initial={
            "display_name": current.display_name,
            "preferred_language": current.preferred_language or request.city.default_language,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                profile_update(user=request.user, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                messages.success(request, _("Your profile is saved."))
                return HttpResponseRedirect(reverse("accounts:profile"))
        else:
            status = 400
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")[:50]
    return TemplateResponse(
        request,
        "accounts/profile.html",
        {"form": form, "tokens": tokens, "sections": sections_for(request.user)},
        status=status,
    )


@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of one's own tokens; another person's token is a 404."""
    if (refused := _guard(request)) is not None:
        return refused
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token)
    messages.success(request, _("The token is revoked; it no longer works."))
    return HttpResponseRedirect(reverse("accounts:profile"))
