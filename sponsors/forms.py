"""Forms of the sponsors pages. They parse input; the services decide.

Category and district choices are set per request (``__init__``): a tenant
queryset built at import time would have no city.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from civicideas.concurrency import VersionedFormMixin
from civicideas.text import VisibleCharField
from ideas.models import Category, District
from sponsors.models import (
    NAME_MAX,
    QUANTITY_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    CommunityGroup,
    ResourceType,
    Sponsor,
    Unit,
)
from sponsors.selectors import QUERY_MAX

SORT_LABELS = {
    "newest": _("Newest"),
    "closing": _("Closing soon"),
    "needed": _("Most needed"),
    "match": _("Best match for you"),
}


def _quantity_field(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0.01,
        max_value=QUANTITY_MAX,
        max_digits=14,
        decimal_places=2,
        **kwargs,
    )


class InitiativeFilterForm(forms.Form):
    q = VisibleCharField(label=_("Search initiatives"), required=False, max_length=QUERY_MAX)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    district = forms.TypedChoiceField(
        label=_("District"), required=False, coerce=int, empty_value=None
    )
    need_type = forms.ChoiceField(label=_("Needs"), required=False)
    open_only = forms.BooleanField(label=_("Only with open needs"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(
        self,
        data: Any,
        *,
        categories: list[Category],
        districts: list[District],
        can_match: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.pk, c.name) for c in categories
        ]
        self.fields["district"].choices = [("", _("All districts"))] + [
            (d.pk, d.name) for d in districts
        ]
        self.fields["need_type"].choices = [("", _("Any need")), *ResourceType.choices]
        sorts = ["newest", "closing", "needed"] + (["match"] if can_match else [])
        self.fields["sort"].choices = [(s, SORT_LABELS[s]) for s in sorts]

    def cleaned_or_defaults(self) -> dict[str, Any]:
        """Valid filters; an invalid one (a stale link) is dropped, not fatal."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["q"] = (data.get("q") or "")[:QUERY_MAX]
        data["sort"] = data.get("sort") or "newest"
        return data


class GroupForm(forms.Form):
    name = VisibleCharField(label=_("Name"), max_length=NAME_MAX)
    description = VisibleCharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=TEXT_MAX
    )
    contact_email = forms.EmailField(label=_("Contact email"))


class IdeaGroupForm(forms.Form):
    """The author of an idea marks it as submitted on behalf of a group."""

    group = forms.TypedChoiceField(label=_("Group"), coerce=int)

    def __init__(self, *args: Any, groups: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.pk, g.name) for g in groups]


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the person"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("member", _("Member")), ("admin", _("Administrator"))],
    )


class InitiativeForm(VersionedFormMixin, forms.Form):
    """An initiative's fields. Editing one, it carries the version it was
    read at (``version_of=initiative``); creating one, there is none."""

    title = VisibleCharField(label=_("Title"), max_length=NAME_MAX)
    summary = VisibleCharField(label=_("Summary"), max_length=SUMMARY_MAX, required=False)
    description = VisibleCharField(
        label=_("Description"),
        widget=forms.Textarea,
        required=False,
        max_length=TEXT_MAX,
        help_text=_("Markdown: **bold**, *italic*, lists and links."),
    )
    categories = forms.TypedMultipleChoiceField(
        label=_("Categories"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    district = forms.TypedChoiceField(
        label=_("District"), required=False, coerce=int, empty_value=None
    )
    starts_on = forms.DateField(
        label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("End"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    image = forms.FileField(label=_("Image"), required=False)
    image_alt = VisibleCharField(
        label=_("Description of the image"), required=False, max_length=200
    )

    def __init__(
        self, *args: Any, categories: list[Category], districts: list[District], **kw: Any
    ):
        super().__init__(*args, **kw)
        self._categories = {c.pk: c for c in categories}
        self._districts = {d.pk: d for d in districts}
        self.fields["categories"].choices = [(c.pk, c.name) for c in categories]
        self.fields["district"].choices = [("", _("The whole city"))] + [
            (d.pk, d.name) for d in districts
        ]

    @staticmethod
    def initial_for(initiative: Any) -> dict[str, Any]:
        """The form's values for editing ``initiative`` (one query: categories)."""
        return {
            "title": initiative.title,
            "summary": initiative.summary,
            "description": initiative.description,
            "categories": [c.pk for c in initiative.categories.all()],
            "district": initiative.district_id,
            "starts_on": initiative.starts_on,
            "ends_on": initiative.ends_on,
            "image_alt": initiative.image_alt,
        }

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "description": data["description"],
            "categories": [self._categories[pk] for pk in data["categories"]],
            "district": self._districts.get(data["district"]) if data["district"] else None,
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "image": data.get("image"),
            "image_alt": data["image_alt"],
        }


class IdeaInitiativeForm(InitiativeForm):
    """Turning an accepted idea into an initiative: the initiative's fields,
    pre-filled from the idea, and the group the initiative will belong to."""

    group = forms.TypedChoiceField(label=_("Group"), coerce=int)

    def __init__(self, *args: Any, groups: list[CommunityGroup], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._groups = {g.pk: g for g in groups}
        self.fields["group"].choices = [(g.pk, g.name) for g in groups]
        self.order_fields(["group"])

    @staticmethod
    def initial_from(idea: Any) -> dict[str, Any]:
        """The idea's title, text, category and district; the summary is the
        start of its text (the idea has none of its own)."""
        first_paragraph = idea.body.strip().split("\n\n", 1)[0].replace("\n", " ")
        return {
            "title": idea.title[:NAME_MAX],
            "summary": Truncator(first_paragraph).chars(SUMMARY_MAX),
            "description": idea.body[:TEXT_MAX],
            "categories": [idea.category_id] if idea.category_id else [],
            "district": idea.district_id,
        }

    def chosen_group(self) -> CommunityGroup:
        return self._groups[self.cleaned_data["group"]]


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ResourceType.choices)
    quantity = _quantity_field(_("Quantity"))
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    description = VisibleCharField(label=_("Description"), max_length=SUMMARY_MAX, required=False)
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class UpdateForm(forms.Form):
    text = VisibleCharField(label=_("What happened?"), widget=forms.Textarea, max_length=TEXT_MAX)
    image = forms.FileField(label=_("Image"), required=False)
    image_alt = VisibleCharField(
        label=_("Description of the image"), required=False, max_length=200
    )


class SponsorForm(forms.Form):
    name = VisibleCharField(label=_("Name of the organisation"), max_length=NAME_MAX)
    kind = forms.ChoiceField(label=_("Kind"), choices=Sponsor.Kind.choices)
    description = VisibleCharField(
        label=_("What you support and why"),
        widget=forms.Textarea,
        required=False,
        max_length=TEXT_MAX,
    )
    website = VisibleCharField(
        label=_("Website"), required=False, max_length=200, help_text=_("https://…")
    )
    contact_email = forms.EmailField(label=_("Contact email"))
    categories = forms.TypedMultipleChoiceField(
        label=_("Topics you care about"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    districts = forms.TypedMultipleChoiceField(
        label=_("Districts you care about"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    city_wide = forms.BooleanField(label=_("We support initiatives city-wide"), required=False)
    resource_types = forms.MultipleChoiceField(
        label=_("What you can offer"),
        choices=ResourceType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    budget_min = _quantity_field(_("Yearly budget from (EUR)"), required=False)
    budget_max = _quantity_field(_("Yearly budget up to (EUR)"), required=False)
    logo = forms.FileField(label=_("Logo"), required=False)

    def __init__(
        self, *args: Any, categories: list[Category], districts: list[District], **kw: Any
    ):
        super().__init__(*args, **kw)
        self._categories = {c.pk: c for c in categories}
        self._districts = {d.pk: d for d in districts}
        self.fields["categories"].choices = [(c.pk, c.name) for c in categories]
        self.fields["districts"].choices = [(d.pk, d.name) for d in districts]

    @staticmethod
    def initial_for(sponsor: Sponsor) -> dict[str, Any]:
        """The form's values for editing ``sponsor`` (two queries)."""
        return {
            "name": sponsor.name,
            "kind": sponsor.kind,
            "description": sponsor.description,
            "website": sponsor.website,
            "contact_email": sponsor.contact_email,
            "categories": [c.pk for c in sponsor.categories.all()],
            "districts": [d.pk for d in sponsor.districts.all()],
            "city_wide": sponsor.city_wide,
            "resource_types": list(sponsor.resource_types),
            "budget_min": sponsor.budget_min,
            "budget_max": sponsor.budget_max,
        }

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["categories"] = [self._categories[pk] for pk in data["categories"]]
        data["districts"] = [self._districts[pk] for pk in data["districts"]]
        return data


class OfferForm(forms.Form):
    quantity = _quantity_field(_("Quantity"))
    message = VisibleCharField(
        label=_("Message to the group"), widget=forms.Textarea, required=False, max_length=2_000
    )
    conditions = VisibleCharField(
        label=_("Conditions"), widget=forms.Textarea, required=False, max_length=2_000
    )


class DecideOfferForm(VersionedFormMixin, forms.Form):
    """Accept (all or part) or decline an offer, from the version of the
    offer the group saw (``version_of=offer``)."""

    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    quantity = _quantity_field(_("Quantity to accept"), required=False)
    reason = VisibleCharField(label=_("Reason"), required=False, max_length=2_000)
