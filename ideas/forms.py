"""Forms of the citizens' pages.

Forms only parse what the browser sent (types, choices, sizes a browser
should respect); every rule of the platform (phases, limits, verified email,
locations inside the city) is checked by ``ideas.services``, whose errors the
views attach to these forms.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from civicideas.text import VisibleCharField
from ideas.challenge_archive import STANDINGS
from ideas.models import BODY_MAX, COMMENT_MAX, TITLE_MAX, Category, District
from ideas.selectors import SEARCH_SORT, SORTS
from ideas.services import REASON_MAX
from ideas.status import PUBLIC_STATUSES, IdeaStatus

MAX_IMAGES = 3
#: The search box accepts long input (search treats it safely) but a page
#: never needs more than this to find an idea.
QUERY_MAX = 200

SORT_LABELS = {
    "random": _("Random order"),
    "newest": _("Newest first"),
    "most_supported": _("Most supported"),
    "most_discussed": _("Most discussed"),
    SEARCH_SORT: _("Best match"),
}


class ChallengeArchiveForm(forms.Form):
    """Which challenges the archive shows (GET ``show``): an unknown value,
    from an old link or a hand-edited address, shows the open ones."""

    shows_errors = False

    show = forms.ChoiceField(label=_("Show"), required=False, choices=list(STANDINGS.items()))

    def standing(self) -> str:
        return (self.cleaned_data.get("show") if self.is_valid() else None) or "open"


class ChallengeFilterForm(forms.Form):
    """The filters, search box and sort of a challenge's idea list (GET)."""

    # Bad values fall back to the defaults (``cleaned_or_defaults``): no error
    # is shown, so the page title gets no "Error:" (``page_has_form_errors``).
    shows_errors = False

    q = VisibleCharField(label=_("Search ideas"), required=False, strip=True)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    district = forms.TypedChoiceField(
        label=_("District"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(
        self,
        data: Any,
        *,
        categories: list[Category],
        districts: list[District],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.pk, str(c)) for c in categories
        ]
        self.fields["district"].choices = [("", _("All districts"))] + [
            (d.pk, str(d)) for d in districts
        ]
        self.fields["status"].choices = [("", _("All statuses"))] + [
            (value, label) for value, label in IdeaStatus.choices if value in PUBLIC_STATUSES
        ]
        sorts = [*SORTS]
        if (data or {}).get("q", "").strip():
            sorts.insert(0, SEARCH_SORT)
        self.fields["sort"].choices = [(s, SORT_LABELS[s]) for s in sorts]

    def cleaned_or_defaults(self) -> dict[str, Any]:
        """Valid filters; an invalid one (a stale link) is dropped, not fatal."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["q"] = (data.get("q") or "")[:QUERY_MAX]
        if not data.get("sort"):
            data["sort"] = SEARCH_SORT if data["q"] else "random"
        return data


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Up to ``MAX_IMAGES`` files; their content is checked by ``civicideas.content.uploads``."""

    widget = MultipleImageInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp,image/gif")

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_IMAGES:
            raise ValidationError(
                _("You can add at most %(max)d images."), params={"max": MAX_IMAGES}
            )
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class IdeaForm(forms.Form):
    """Title, description and details of an idea (submit and edit)."""

    title = VisibleCharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("A short sentence that says what you propose (at most 150 characters)."),
    )
    body = VisibleCharField(
        label=_("Description"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Explain your idea (at most 5,000 characters). You can use Markdown: "
            "**bold**, *italic*, lists and links."
        ),
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    district = forms.TypedChoiceField(
        label=_("District"), required=False, coerce=int, empty_value=None
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-90),
        max_value=Decimal(90),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-180),
        max_value=Decimal(180),
    )
    language = forms.ChoiceField(label=_("Language of your idea"))
    images = MultipleImageField(
        label=_("Images (optional)"),
        help_text=_("Up to 3 pictures: JPEG, PNG, WebP or GIF."),
    )
    image_description = VisibleCharField(
        label=_("Describe the images (optional)"),
        help_text=_(
            "What the pictures show, for people who cannot see them. "
            "Without it, the idea's title is used."
        ),
        required=False,
        max_length=200,
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        categories: list[Category],
        districts: list[District],
        languages: list[str],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._categories = {c.pk: c for c in categories}
        self._districts = {d.pk: d for d in districts}
        self.fields["category"].choices = [("", _("No category"))] + [
            (c.pk, str(c)) for c in categories
        ]
        self.fields["district"].choices = [("", _("No district / the whole city"))] + [
            (d.pk, str(d)) for d in districts
        ]
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [(code, names.get(code, code)) for code in languages]
        if not categories:
            del self.fields["category"]
        if not districts:
            del self.fields["district"]
        if editing:
            # The language (it picks the search configuration), the images
            # and the submission token belong to the submission only.
            for name in ("language", "images", "image_description", "submission_token"):
                del self.fields[name]
        # The live "similar ideas" list is announced to screen readers.
        self.fields["title"].widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """Arguments for ``idea_submit`` / ``idea_update``."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "category": self._categories.get(data.get("category")),
            "district": self._districts.get(data.get("district")),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
        }

    @staticmethod
    def new_token() -> uuid.UUID:
        return uuid.uuid4()


class CommentForm(forms.Form):
    body = VisibleCharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CommentEditForm(forms.Form):
    body = VisibleCharField(
        label=_("Edit your comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReportForm(forms.Form):
    reason = VisibleCharField(
        label=_("Why should moderators look at this?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
