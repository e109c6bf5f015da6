"""The sign-up form: allauth's, made safe against simultaneous sign-ups."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm
from django import forms
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy

from civicideas.accounts import privacy
from civicideas.tenancy.context import current_city_or_none


class CitySignupForm(SignupForm):
    """allauth's sign-up form, with the e-mail check made race-free.

    allauth checks that the address is free in ``clean()`` and creates the
    account later in ``save()``. Two people (or one double-clicking, or a
    script) signing up with one new address at the same moment both pass the
    check, and the loser's ``INSERT`` hit the unique key on the e-mail: an
    ``IntegrityError`` and a 500. Here the account is written in a savepoint;
    when the insert loses to an account that now exists with that address,
    the loser gets the ordinary answer for a taken address (with enumeration
    prevention: the same "verification sent" page, and the owner gets the
    "account already exists" e-mail), exactly as if it had come a second later.

    On a city's host the person must accept the city's privacy notice (shown
    on the page, ``account/signup.html``); the acceptance is recorded with the
    version shown (docs/privacy.md "Consent").
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city = current_city_or_none()
        if self.city is not None:
            self.fields["accept_privacy"] = forms.BooleanField(
                label=gettext_lazy("I have read and accept the privacy notice"),
                help_text=format_html(
                    '<a href="{}">{}</a>',
                    reverse("accounts:privacy"),
                    gettext_lazy("Read the privacy notice on its own page"),
                ),
                error_messages={
                    "required": gettext_lazy("Please accept the privacy notice to sign up.")
                },
            )

    @property
    def privacy_notice(self) -> SafeString:
        return privacy.notice_html(self.city, level=3)

    def save(self, request: HttpRequest) -> Any:
        user = super().save(request)
        if user is not None and self.city is not None:
            privacy.consent_record(user=user, version=self.city.privacy_version)
        return user

    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            email = self.cleaned_data.get("email") or ""
            if not get_user_model().objects.filter(email__iexact=email).exists():
                raise  # some other constraint: not ours to hide
            self.account_already_exists = True
            return super().try_save(request)


class AccountDeleteForm(forms.Form):
    """Deleting one's account: the password confirms it is the person."""

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    delete_contributions = forms.BooleanField(
        label=gettext_lazy("Also delete my ideas and comments"),
        required=False,
        help_text=gettext_lazy(
            "They are then replaced by a short note; replies by others stay. "
            "Otherwise they stay, shown as by a former participant."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("The password is not correct."))
        return password
