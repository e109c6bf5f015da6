"""The staff form for an idea given on paper, at a workshop or by phone
(``ideas.views.offline``; docs/offline.md).

It parses only: which challenge, category and district are allowed, the
date, the consent and the author are ``services.idea_submit``'s rules.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideas.forms import IdeaForm
from ideas.models import Category, Challenge, Channel, District

AUTHOR_EXISTING = "existing"
AUTHOR_INVITE = "invite"
AUTHOR_ANONYMOUS = "anonymous"


class IdeaEntryForm(IdeaForm):
    """An idea typed in by staff on someone's behalf."""

    field_order = [
        "challenge",
        "channel",
        "channel_date",
        "title",
        "body",
        "category",
        "district",
        "latitude",
        "longitude",
        "language",
        "author_mode",
        "email",
        "consent",
    ]

    challenge = forms.TypedChoiceField(label=_("Challenge"), coerce=int)
    channel = forms.ChoiceField(
        label=_("How was the idea given?"),
        choices=[(value, label) for value, label in Channel.choices if value != Channel.WEB],
    )
    channel_date = forms.DateField(
        label=_("Given on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day of the workshop, the call, or when the form was handed in."),
    )
    author_mode = forms.ChoiceField(
        label=_("Author"),
        widget=forms.RadioSelect,
        choices=[
            (AUTHOR_EXISTING, _("An existing account (find it by e-mail address)")),
            (AUTHOR_INVITE, _("Invite the person by e-mail to claim the idea")),
            (AUTHOR_ANONYMOUS, _("Anonymous (no name, no contact)")),
        ],
        initial=AUTHOR_ANONYMOUS,
    )
    email = forms.EmailField(
        label=_("The person's e-mail address"),
        required=False,
        max_length=254,
        help_text=_("Needed for an existing account or an invitation; nobody else sees it."),
    )
    consent = forms.BooleanField(
        label=_("The person agreed that their idea is published"),
        help_text=_("Required: the ticked box on the paper form, or their spoken agreement."),
        error_messages={"required": _("The person must agree that their idea is published.")},
    )

    def __init__(self, *args: Any, challenges: list[Challenge], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("images", "image_description"):
            del self.fields[name]
        self._challenges = {c.pk: c for c in challenges}
        self.fields["challenge"].choices = [("", _("Choose a challenge"))] + [
            (c.pk, str(c)) for c in challenges
        ]
        self.fields["title"].help_text = _("At most 150 characters.")
        self.fields["body"].help_text = _(
            "As the person wrote or said it (at most 5,000 characters)."
        )
        self.fields["submission_token"].required = True
        self.fields["language"].label = _("Language of the idea")
        self.author: Any = None

    def clean_channel_date(self) -> Any:
        value = self.cleaned_data.get("channel_date")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("The date the idea was given cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode, email = data.get("author_mode"), data.get("email")
        if mode in (AUTHOR_EXISTING, AUTHOR_INVITE) and not email and not self.has_error("email"):
            self.add_error("email", _("Enter the person's e-mail address."))
        if mode == AUTHOR_EXISTING and email:
            self.author = (
                get_user_model()
                .objects.filter(email__iexact=email, is_active=True)
                .order_by("pk")
                .first()
            )
            if self.author is None:
                self.add_error(
                    "email",
                    _("No account uses this address: invite the person by e-mail instead."),
                )
        return data

    def entry_kwargs(self) -> dict[str, Any]:
        """Arguments for ``services.idea_submit`` on top of ``service_kwargs``."""
        data = self.cleaned_data
        return {
            "challenge": self._challenges[data["challenge"]],
            "language": data["language"],
            "channel": data["channel"],
            "channel_date": data["channel_date"],
            "consent_to_publish": data["consent"],
            "submission_token": data["submission_token"],
            "author": self.author if data["author_mode"] == AUTHOR_EXISTING else None,
            "invite_email": data["email"] if data["author_mode"] == AUTHOR_INVITE else "",
        }


def entry_form(
    data: Any = None, *, languages: list[str], initial: dict[str, Any] | None = None
) -> IdeaEntryForm:
    """The form with the city's open challenges, categories and districts
    (three queries)."""
    challenges = list(Challenge.objects.filter(phase=Challenge.Phase.IDEAS).order_by("title"))
    return IdeaEntryForm(
        data,
        challenges=challenges,
        categories=list(Category.objects.order_by("name")),
        districts=list(District.objects.order_by("name")),
        languages=languages,
        initial=initial,
    )
