"""The city settings form of the back office (issue 12): languages as
checkboxes, the brand colour as a colour picker refused when white text on
it would be hard to read, and the privacy box (docs/privacy.md "Consent").

The map: the city's tile server (``civicideas.tenancy.map_tiles``: https, a
plain host, ``{z}``/``{x}``/``{y}``, nothing that could break the CSP header)
and its attribution, and the four edges of the map area, which a Leaflet map
can fill (``static/civicideas/city_bounds.js``; the number fields stay, for
keyboards, screen readers and browsers without JavaScript).

The rules live here, not in the widgets: a browser that ignores
``type="color"`` or a hand-made post gets the same clear errors.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civicideas.tenancy.map_tiles import (
    MAX_TILE_URL_LENGTH,
    city_tiles,
    default_tiles,
    tile_url_problem,
)
from civicideas.web.branding import AA_NORMAL_TEXT, WHITE, contrast_ratio

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class ColourInput(forms.TextInput):
    """``<input type="color">``; ``static/civicideas/city_colour.js`` shows
    the contrast with white text as the colour changes."""

    input_type = "color"


_TILE_URL_ERRORS = {
    "too_long": _("Enter at most %(max)s characters."),
    "scheme": _("Enter an address that starts with https://."),
    "characters": _(
        "The address cannot contain spaces, quotes or the characters ; , < > \\ ^ | `."
    ),
    "host": _(
        "Enter a plain server name such as tile.example.org (with no user name or password)."
    ),
    "placeholder": _("Only the placeholders {s}, {z}, {x}, {y} and {r} can be used."),
    "missing_placeholder": _(
        "The address must contain {z}, {x} and {y}, where the map puts the tile's "
        "zoom level and position."
    ),
}


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
            # Text, not type="url": the template's {z} is not a URL yet.
            "map_tile_url": forms.TextInput(
                attrs={
                    "class": "vURLField",
                    "inputmode": "url",
                    "spellcheck": "false",
                    "autocomplete": "off",
                }
            ),
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
        self._bounds_picker()

    def _bounds_picker(self) -> None:
        """Mark the southern edge's field for city_bounds.js, which puts a map
        and a "use this view" button above the four fields. The map shows the
        tiles the city's maps show today (the saved choice)."""
        south = self.fields.get("min_latitude")
        if south is None:
            return
        tiles = city_tiles(self.instance) if self.instance.pk else default_tiles()
        attrs = {
            "data-bounds-picker": "",
            "data-map-label": _(
                "Map to choose the city's area: drag or use the arrow keys to move, + and - to zoom"
            ),
            "data-button-label": _("Use this view as the city's area"),
            "data-filled": _(
                "The four edges below are filled in from the map: south %(south)s, west "
                "%(west)s, north %(north)s, east %(east)s. Save to keep them."
            ),
            "data-help": _(
                "Move and zoom the map until it shows the city's area, then press the button: "
                "it fills in the four edges below. You can also type them."
            ),
        }
        if tiles is not None:
            data = tiles.as_data()
            attrs["data-tile-url"] = data["url"]
            attrs["data-tile-attribution"] = data["attribution"]
        south.widget.attrs.update({key: str(value) for key, value in attrs.items()})

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

    def _check_box(self, cleaned: dict[str, Any]) -> None:
        """The map area: all four edges or none, on Earth, south below north
        and west below east (what the picker writes; typed values too)."""
        names = ("min_latitude", "max_latitude", "min_longitude", "max_longitude")
        if any(name not in self.fields or name in self.errors for name in names):
            return
        edges = [cleaned.get(name) for name in names]
        if all(edge is None for edge in edges):
            return
        south, north, west, east = edges
        if any(edge is None for edge in edges):
            for name, edge in zip(names, edges, strict=True):
                if edge is None:
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("Give all four edges, or leave all four empty."), code="partial_box"
                        ),
                    )
            return
        # All four are set from here on (the partial case returned above).
        south, north, west, east = (edge for edge in edges if edge is not None)
        off_earth = False
        for name, edge, limit in zip(
            names, (south, north, west, east), (90, 90, 180, 180), strict=True
        ):
            if abs(edge) > limit:
                off_earth = True
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Enter a value between -%(limit)s and %(limit)s."),
                        code="out_of_range",
                        params={"limit": limit},
                    ),
                )
        if off_earth:
            return
        if south >= north:
            self.add_error(
                "max_latitude",
                forms.ValidationError(
                    _("The northern edge must be north of the southern edge."), code="box_order"
                ),
            )
        if west >= east:
            self.add_error(
                "max_longitude",
                forms.ValidationError(
                    _("The eastern edge must be east of the western edge."), code="box_order"
                ),
            )

    def clean_map_tile_url(self) -> str:
        url = (self.cleaned_data.get("map_tile_url") or "").strip()
        if not url:
            return ""
        problem = tile_url_problem(url, allow_local_http=settings.DEBUG)
        if problem:
            raise forms.ValidationError(
                _TILE_URL_ERRORS[problem], code=problem, params={"max": MAX_TILE_URL_LENGTH}
            )
        return url

    def clean_map_tile_attribution(self) -> str:
        # Plain text, shown escaped: one line, no control characters.
        text = self.cleaned_data.get("map_tile_attribution") or ""
        return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())

    def clean_map_tile_attribution_url(self) -> str:
        url = (self.cleaned_data.get("map_tile_attribution_url") or "").strip()
        if not url:
            return ""
        host = (urlsplit(url).hostname or "").lower()
        local = settings.DEBUG and (
            host in ("localhost", "127.0.0.1") or host.endswith(".localhost")
        )
        if not (
            url.lower().startswith("https://") or (local and url.lower().startswith("http://"))
        ):
            raise forms.ValidationError(
                _("Enter an address that starts with https://."), code="scheme"
            )
        return url

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
        self._check_box(cleaned)
        if cleaned.get("map_tile_url") and not cleaned.get("map_tile_attribution"):
            self.add_error(
                "map_tile_attribution",
                forms.ValidationError(
                    _(
                        "Enter the attribution the tile provider's licence asks for, for "
                        "example © OpenStreetMap contributors."
                    ),
                    code="attribution_required",
                ),
            )
        return cleaned
