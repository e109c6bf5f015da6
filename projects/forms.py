"""Forms of the public project pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicideas.text import VisibleCharField
from projects.selectors import QUERY_MAX
from projects.status import ProjectStatus

SORT_LABELS = {
    "updated": _("Recently updated"),
    "progress": _("Most progress"),
    "ending": _("Planned end"),
    "budget": _("Largest budget"),
    "title": _("Title"),
}


class ProjectFilterForm(forms.Form):
    q = VisibleCharField(label=_("Search projects"), required=False, max_length=QUERY_MAX)
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    district = forms.TypedChoiceField(
        label=_("District"), required=False, coerce=int, empty_value=None
    )
    challenge = forms.TypedChoiceField(
        label=_("Challenge"), required=False, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(
        self, data: Any, *, categories: list, districts: list, challenges: list, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *ProjectStatus.choices]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.pk, str(c)) for c in categories
        ]
        self.fields["district"].choices = [("", _("All districts"))] + [
            (d.pk, str(d)) for d in districts
        ]
        self.fields["challenge"].choices = [("", _("All challenges"))] + [
            (c.pk, str(c)) for c in challenges
        ]
        self.fields["sort"].choices = list(SORT_LABELS.items())

    def cleaned_or_defaults(self) -> dict[str, Any]:
        """Valid filters; an invalid one (a stale link) is dropped, not fatal."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["q"] = (data.get("q") or "")[:QUERY_MAX]
        data["sort"] = data.get("sort") or "updated"
        return data
