"""Forms of the civil servants' pages that are not model forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicideas.concurrency import VersionedFormMixin
from civicideas.content.translation_forms import language_name
from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.languages import offered_codes
from civicideas.text import VisibleCharField
from ideas.models import BODY_MAX, Idea
from ideas.services import REASON_MAX
from ideas.status import OFFICIAL_STATUSES, PUBLIC_STATUSES, IdeaStatus, can_transition

QUEUE_ACTIONS = [
    ("approve", gettext_lazy("Approve (publish)")),
    ("hide", gettext_lazy("Hide (reason required)")),
    ("restore", gettext_lazy("Restore")),
    ("dismiss", gettext_lazy("Dismiss the reports (keep as is)")),
]


def official_status_choices(idea: Idea) -> list[tuple[str, str]]:
    """The statuses an official answer may give this idea now, in the order
    of the life cycle."""
    return [
        (status.value, status.label)
        for status in IdeaStatus
        if status in OFFICIAL_STATUSES and can_transition(idea.status, status)
    ]


class NamedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete whose box has a name while nothing is chosen.

    select2 names its combobox after the text it shows; Django gives it an
    empty placeholder, so an empty box had no name at all for screen readers
    (axe: aria-input-field-name). The placeholder is that name.
    """

    def __init__(self, field: Any, admin_site: AdminSite, *, placeholder: Any, **kwargs: Any):
        super().__init__(field, admin_site, **kwargs)
        self.placeholder = placeholder

    def build_attrs(self, base_attrs: dict, extra_attrs: dict | None = None) -> dict:
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        attrs["data-placeholder"] = str(self.placeholder)
        return attrs


class StatusForm(VersionedFormMixin, forms.Form):
    """An official answer: the new status and the public message. The
    service decides; this form only offers what it would accept. It carries
    the idea's version it was read at (``VersionedFormMixin``)."""

    prefix = "answer"

    status = forms.ChoiceField(label=gettext_lazy("New status"))
    message = VisibleCharField(
        label=gettext_lazy("Public message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text=gettext_lazy(
            "Shown on the idea's page; the author and every supporter are notified."
        ),
    )

    def __init__(self, *args: Any, idea: Idea, admin_site: AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, version_of=idea, **kwargs)
        self.idea = idea
        self.fields["status"].choices = official_status_choices(idea)
        # The message above is the city's default language; one optional
        # field per other language the city offers (issue 13).
        city = current_city_or_none() or idea.city  # the platform host has none
        base_label = str(self.fields["message"].label)
        self.fields["message"].label = f"{base_label} ({language_name(city.default_language)})"
        self.fields["message"].widget.attrs["lang"] = city.default_language
        self.translation_codes = [
            code for code in offered_codes(city) if code != city.default_language
        ]
        for code in self.translation_codes:
            self.fields[f"message_{code}"] = VisibleCharField(
                label=f"{base_label} ({language_name(code)})",
                required=False,
                max_length=BODY_MAX,
                widget=forms.Textarea(attrs={"rows": 3, "cols": 70, "lang": code}),
                help_text=gettext_lazy("Optional: where empty, the default language is shown."),
            )
        # Built here, not on the class: the queryset needs the current city.
        self.fields["duplicate_of"] = forms.ModelChoiceField(
            label=gettext_lazy("Original idea"),
            required=False,
            queryset=Idea.objects.filter(city_id=idea.city_id, status__in=PUBLIC_STATUSES)
            .exclude(pk=idea.pk)
            .order_by("-created_at"),
            widget=NamedAutocompleteSelect(
                Idea._meta.get_field("duplicate_of"),
                admin_site,
                placeholder=gettext_lazy("Original idea: type to search"),
            ),
            help_text=gettext_lazy(
                "Only for “Duplicate”: the public idea of this city that this one repeats."
            ),
        )

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["status"].choices)

    def message_translations(self) -> dict[str, str]:
        """The message in the city's other languages (only those written)."""
        return {
            code: self.cleaned_data[f"message_{code}"]
            for code in self.translation_codes
            if self.cleaned_data.get(f"message_{code}")
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        stray = sorted(
            key
            for key in self.data
            if key.startswith(self.add_prefix("message_"))
            and key.removeprefix(self.add_prefix("")) not in self.fields
        )
        if stray:
            raise forms.ValidationError(
                _("These texts are for a language this city does not offer: %(fields)s.")
                % {"fields": ", ".join(stray[:5])},
                code="language_not_offered",
            )
        if cleaned.get("status") == IdeaStatus.DUPLICATE and not cleaned.get("duplicate_of"):
            self.add_error("duplicate_of", _("Choose the original idea this one duplicates."))
        if cleaned.get("status") != IdeaStatus.DUPLICATE:
            cleaned["duplicate_of"] = None
        return cleaned


class QueueActionForm(forms.Form):
    """The moderation queue's bulk action: one action, one reason."""

    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=QUEUE_ACTIONS)
    reason = VisibleCharField(
        label=gettext_lazy("Reason (required to hide; shown to the author)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        # Rendered under the field and linked to it (aria-describedby).
        help_text=gettext_lazy("The reason also applies to a row's own “Hide” button."),
    )
