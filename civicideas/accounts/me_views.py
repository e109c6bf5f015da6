"""The person's own data: download a copy (``/me/export/``) and delete the
account (``/me/delete/``). Rules live in ``accounts.export_requests``,
``accounts.export`` and ``accounts.erasure``; these views only parse and
answer."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from civicideas.accounts import guesses
from civicideas.accounts.erasure import erase_person
from civicideas.accounts.export_requests import TooSoon, export_request, latest_export
from civicideas.accounts.forms import AccountDeleteForm
from civicideas.accounts.models import DataExport
from civicideas.cache_policy import private_page
from civicideas.web.decorators import city_required

#: What ``secrets.token_urlsafe(32)`` produces; anything else is a 404 at once.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _sign_in_first(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated or not request.user.is_active:
        return redirect_to_login(request.get_full_path())
    return None


@private_page
@city_required
@require_http_methods(["GET", "POST"])
def export_page(request: HttpRequest) -> HttpResponse:
    """Ask for a copy of one's data; shows the latest export and its link."""
    if (refused := _sign_in_first(request)) is not None:
        return refused
    status = 200
    if request.method == "POST":
        try:
            export_request(user=request.user)
        except TooSoon as error:
            messages.error(request, error.message)
            status = error.status_code
        else:
            messages.success(
                request,
                _("We are preparing your data. You will get a notification when it is ready."),
            )
            return HttpResponseRedirect(reverse("accounts:export"))
    return TemplateResponse(
        request, "accounts/export.html", {"export": latest_export(request.user)}, status=status
    )


@private_page
@city_required
@require_safe
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    """Stream the archive to its owner while it is valid; anything else —
    another person's link, an expired or unknown one — is the same 404."""
    if (refused := _sign_in_first(request)) is not None:
        return refused
    if not _TOKEN.match(token):
        raise Http404
    export = DataExport.objects.filter(token=token, user=request.user).first()
    if export is None or not export.is_downloadable or not export.file_name:
        raise Http404
    try:
        handle = default_storage.open(export.file_name, "rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type="application/zip",
        as_attachment=True,
        filename=f"civicideas-data-{export.created_at:%Y-%m-%d}.zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@private_page
@city_required
@require_http_methods(["GET", "POST"])
def delete_page(request: HttpRequest) -> HttpResponse:
    """What deletion does, and the confirmation by password."""
    if (refused := _sign_in_first(request)) is not None:
        return refused
    has_password = request.user.has_usable_password()
    form = AccountDeleteForm(request.POST if request.method == "POST" else None, user=request.user)
    status = 200
    if request.method == "POST" and has_password:
        # Proving the password here spends the same budget as signing in
        # (docs/security.md, "A new way in"), so it cannot be a guessing oracle.
        try:
            guess = guesses.guess_take(request=request, login=request.user.email)
        except guesses.TooManyGuesses as error:
            form.add_error(None, error.message)
            response = TemplateResponse(
                request,
                "accounts/delete.html",
                {"form": form, "has_password": has_password},
                status=429,
            )
            response["Retry-After"] = str(error.retry_after)
            return response
        if form.is_valid():
            guesses.guess_succeeded(guess)
            erase_person(
                user=request.user,
                delete_contributions=form.cleaned_data["delete_contributions"],
            )
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for taking part."))
            return HttpResponseRedirect("/")
    if request.method == "POST":
        status = 400
    return TemplateResponse(
        request,
        "accounts/delete.html",
        {"form": form, "has_password": has_password},
        status=status,
    )
