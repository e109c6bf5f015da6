"""The city settings form of the back office (issue 12): languages as
checkboxes, the brand colour as a colour picker refused when white text on
it would be hard to read, and the privacy box (docs/privacy.md "Consent").

The rules live here, not in the widgets: a browser that ignores
``type="color"`` or a hand-made post gets the same clear errors.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civicideas.web.branding import AA_NORMAL_TEXT, WHITE, contrast_ratio

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class ColourInput(forms.TextInput):
    """``<input type="color">``; ``static/civicideas/city_colour.js`` shows
    the contrast with white text as the colour changes."""

    input_type = "color"


def _ratio_text(ratio: float) -> str:
    # Floored, so 4.46 never reads as a passing "4.5:1".
    return f"{math.floor(ratio * 10) / 10:.1f}:1"


class CityAdminForm(forms.ModelForm):
    """The city's settings. The admin supplies the model and fields."""

    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Languages the city's pages are offered in."),
    )
    ask_privacy_again = forms.BooleanField(
        label=_("Ask everyone to accept the privacy notice again"),
        required=False,
        help_text=_(
            "Raises the notice's version: every signed-in person must accept it before going on."
        ),
    )

    class Meta:
        widgets = {
            "colour": ColourInput(
                attrs={
                    "data-contrast-check": "",
                    "data-contrast-ok": _("Contrast with white text: %(ratio)s (readable)."),
                    "data-contrast-low": _(
                        "Contrast with white text: %(ratio)s. At least 4.5:1 is needed."
                    ),
                }
            ),
        }
        help_texts = {
            "colour": _(
                "White text is shown on this colour: it needs a contrast of at least 4.5:1."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        logo = self.fields.get("logo")
        if logo is not None:
            # Django groups the file input in a fieldset whose legend is not a
            # label of the input itself: name it (axe "label", WCAG 4.1.2).
            logo.widget.attrs.setdefault("aria-label", str(logo.label))

    def clean_languages(self) -> list[str]:
        """In the platform's order, each code once."""
        chosen = set(self.cleaned_data["languages"])
        return [code for code, _name in settings.LANGUAGES if code in chosen]

    def clean_colour(self) -> str:
        colour = (self.cleaned_data.get("colour") or "").strip()
        if not _HEX.fullmatch(colour):
            raise forms.ValidationError(
                _("Enter a colour as #RRGGBB, for example #1d4e89."), code="invalid"
            )
        colour = colour.lower()
        ratio = contrast_ratio(colour, WHITE)
        # A city whose older colour is lighter can still save its other settings.
        unchanged = self.instance.pk and colour == (self.instance.colour or "").lower()
        if ratio < AA_NORMAL_TEXT and not unchanged:
            raise forms.ValidationError(
                _(
                    "White text on this colour has a contrast of only %(ratio)s; at least 4.5:1 "
                    "is needed. Choose a darker colour."
                ),
                code="low_contrast",
                params={"ratio": _ratio_text(ratio)},
            )
        return colour

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        languages = cleaned.get("languages")
        default = cleaned.get("default_language")
        if languages and default and default not in languages:
            self.add_error(
                "default_language",
                forms.ValidationError(
                    _("Tick the default language among the languages as well."),
                    code="default_not_offered",
                ),
            )
        return cleaned
