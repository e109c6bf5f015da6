"""Forms of the exchange pages: they parse, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.models import City
from exchange.models import Licence, Method, Practice, Topic
from exchange.services import FIELD_LIMITS

TEXT_FIELDS = tuple(FIELD_LIMITS)
SHORT_FIELDS = {"title", "summary"}


def _label(field: str) -> Any:
    return Practice._meta.get_field(field).verbose_name


def text_field_name(code: str, field: str) -> str:
    return f"{field}_{code}"


class PublishForm(forms.Form):
    """The city's challenges to publish, the texts in each of its languages
    (the default language first; its title required), contact, method,
    topics and licence."""

    challenges = forms.MultipleChoiceField(
        label=_("Challenges this practice is about"), widget=forms.CheckboxSelectMultiple
    )
    contact_email = forms.EmailField(
        label=_("Contact address"),
        max_length=254,
        help_text=_("A role address of the city (participation@…), not a person's."),
    )
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    licence = forms.ChoiceField(
        label=_("Licence"),
        choices=Licence.choices,
        initial=Licence.CC_BY,
        help_text=_("Other cities may reuse the texts under this licence."),
    )

    def __init__(self, *args: Any, city: City, challenges: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city = city
        self.fields["challenges"].choices = [(str(c.pk), str(c)) for c in challenges]
        self.language_groups: list[dict[str, Any]] = []
        codes = [city.default_language] + [c for c in city.languages if c != city.default_language]
        for code in codes:
            names = []
            for field in TEXT_FIELDS:
                name = text_field_name(code, field)
                limit = FIELD_LIMITS[field]
                widget = (
                    forms.TextInput if field in SHORT_FIELDS else forms.Textarea(attrs={"rows": 3})
                )
                self.fields[name] = forms.CharField(
                    label=_label(field),
                    max_length=limit,
                    required=field == "title" and code == city.default_language,
                    widget=widget,
                )
                self.fields[name].widget.attrs["lang"] = code
                names.append(name)
            self.language_groups.append(
                {
                    "code": code,
                    "name": get_language_info(code)["name_local"],
                    "default": code == city.default_language,
                    "fields": [self[n] for n in names],
                }
            )

    def texts(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for group in self.language_groups:
            values = {
                f: self.cleaned_data.get(text_field_name(group["code"], f)) or ""
                for f in TEXT_FIELDS
            }
            if group["default"] or any(values.values()):
                out[group["code"]] = values
        return out


class AdoptForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Start date of the ideas phase"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The phases keep their lengths and move to start on this day."),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your question or comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TriedTooForm(forms.Form):
    outcome = forms.CharField(
        label=_("What came of it in your city"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
