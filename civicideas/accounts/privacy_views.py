"""The privacy notice page and the page to accept a new version of it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from civicideas import inputs
from civicideas.accounts import privacy
from civicideas.accounts.rules import signed_in
from civicideas.cache_policy import private_page
from civicideas.errors import ServiceError


class AcceptForm(forms.Form):
    """The person ticks the box for the version they were shown."""

    accept = forms.BooleanField(
        label=gettext_lazy("I have read and accept the privacy notice"),
        error_messages={"required": gettext_lazy("Please accept the privacy notice to go on.")},
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def clean_version(self) -> int:
        version = inputs.parse_int(self.cleaned_data["version"], minimum=1, maximum=2**31 - 1)
        if version is None:
            raise forms.ValidationError(_("The privacy notice has changed. Please read it again."))
        return version


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or target.startswith("/privacy/"):
        return "/"
    return target


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The city's privacy notice (the default one when it wrote none)."""
    city = getattr(request, "city", None)
    return TemplateResponse(
        request,
        "accounts/privacy.html",
        {
            "notice": privacy.notice_html(city),
            "notice_lang": privacy.notice_lang(city),
            "notice_city": city,
        },
    )


@private_page
@require_http_methods(["GET", "POST"])
def privacy_accept(request: HttpRequest) -> HttpResponse:
    """Accept the city's current notice, then go on to ``next``."""
    city = getattr(request, "city", None)
    if city is None:
        raise Http404
    if not signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    next_url = _safe_next(request)
    form = AcceptForm(request.POST or None, initial={"version": city.privacy_version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                privacy.consent_record(user=request.user, version=form.cleaned_data["version"])
            except ServiceError as error:
                form = AcceptForm(initial={"version": city.privacy_version})
                messages.error(request, error.message)
                status = error.status_code
            else:
                request.session[privacy.SESSION_KEY] = f"{city.pk}:{city.privacy_version}"
                messages.success(request, _("Thank you. You can go on."))
                return HttpResponseRedirect(next_url)
        else:
            status = 400
    return TemplateResponse(
        request,
        "accounts/privacy_accept.html",
        {
            "form": form,
            "next": next_url,
            "notice": privacy.notice_html(city, level=3),
            "needs_acceptance": privacy.needs_acceptance(request.user, city),
        },
        status=status,
    )
