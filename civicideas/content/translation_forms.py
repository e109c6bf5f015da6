"""Admin forms for city-authored text in each of the city's languages.

``TranslatedAdminMixin`` (for a ``ModelAdmin`` or an inline of a
:class:`~civicideas.content.translations.Translatable` model) adds, per
request, one form field per translatable field and per language the current
city offers besides its default (``tr_<code>_<field>``), shown as one
fieldset per language. The ordinary fields are the default language's and
keep their own ``required``: a challenge cannot be saved without its title
in the default language, while the other languages are optional and fall
back to it. Posted fields for a language the city does not offer are a form
error, never silently stored. No JavaScript: the fieldsets are Django's
``<details>`` (collapsible), which the strict CSP allows.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.http import HttpRequest
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from civicideas.content.translations import set_translation
from civicideas.tenancy.context import current_city_or_none
from civicideas.tenancy.languages import offered_codes
from civicideas.text import as_visible

PREFIX = "tr_"


def field_name(code: str, field: str) -> str:
    return f"{PREFIX}{code}_{field}"


def language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


class TranslationsFormMixin(forms.ModelForm):
    """Base of the generated form: fills and reads the ``tr_`` fields."""

    #: ``(code, field)`` pairs this form class has fields for.
    translation_pairs: tuple[tuple[str, str], ...] = ()
    translation_default: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.translations if isinstance(self.instance.translations, dict) else {}
        for code, field in self.translation_pairs:
            name = field_name(code, field)
            entry = stored.get(code)
            if isinstance(entry, dict) and name not in self.initial:
                self.initial[name] = entry.get(field)
        if self.translation_pairs:
            # The ordinary fields are the default language's: say so.
            suffix = language_name(self.translation_default)
            for field in {field for _code, field in self.translation_pairs}:
                if field in self.fields:
                    self.fields[field].label = f"{self.fields[field].label} ({suffix})"
                    self.fields[field].widget.attrs["lang"] = self.translation_default

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        known = {self.add_prefix(name) for name in self.fields}
        stray = sorted(
            key for key in self.data if key.startswith(self.add_prefix(PREFIX)) and key not in known
        )
        if stray:
            raise forms.ValidationError(
                _("These texts are for a language this city does not offer: %(fields)s.")
                % {"fields": ", ".join(stray[:5])},
                code="language_not_offered",
            )
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        by_code: dict[str, dict[str, Any]] = {}
        for code, field in self.translation_pairs:
            name = field_name(code, field)
            if name in self.cleaned_data:
                by_code.setdefault(code, {})[field] = self.cleaned_data[name]
        for code, values in by_code.items():
            set_translation(self.instance, code, values)


def translated_form(base: type[forms.ModelForm], model: type, obj: Any) -> type[forms.ModelForm]:
    """``base`` with the ``tr_`` fields of the current city's other languages.

    On the platform host (no current city) only the ordinary fields show.
    """
    city = _city_for(obj)
    if city is None:
        return base
    default = city.default_language
    pairs: list[tuple[str, str]] = []
    attrs: dict[str, Any] = {}
    for code in offered_codes(city):
        if code == default:
            continue
        for field in model.translatable_fields:
            formfield = as_visible(model._meta.get_field(field).formfield(required=False))
            formfield.label = f"{formfield.label} ({language_name(code)})"
            formfield.widget.attrs["lang"] = code
            # The admin's own sizes for text inputs and text areas.
            is_area = isinstance(formfield.widget, forms.Textarea)
            formfield.widget.attrs.setdefault(
                "class", "vLargeTextField" if is_area else "vTextField"
            )
            attrs[field_name(code, field)] = formfield
            pairs.append((code, field))
    attrs["translation_pairs"] = tuple(pairs)
    attrs["translation_default"] = default
    attrs["__module__"] = __name__
    bases = (base,) if issubclass(base, TranslationsFormMixin) else (TranslationsFormMixin, base)
    return type(f"Translated{base.__name__}", bases, attrs)


class TranslatedAdminMixin:
    """For the admin (and inlines) of a translatable model."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        kwargs["form"] = translated_form(kwargs.get("form", self.form), self.model, obj)
        return super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        kwargs["form"] = translated_form(kwargs.get("form", self.form), self.model, None)
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = [
            (name, {**options, "fields": _without_translations(options["fields"])})
            for name, options in super().get_fieldsets(request, obj)  # type: ignore[misc]
        ]
        city = _city_for(obj)
        if city is None:
            return fieldsets
        shown = set(flatten_fieldsets(fieldsets))
        # Right after the fieldset that holds the default language's texts.
        at = next(
            (
                i + 1
                for i, (_name, options) in enumerate(fieldsets)
                if set(flatten_fieldsets([(None, options)])) & set(self.model.translatable_fields)  # type: ignore[attr-defined]
            ),
            len(fieldsets),
        )
        for code in offered_codes(city):
            if code == city.default_language:
                continue
            fields = [
                field_name(code, field)
                for field in self.model.translatable_fields  # type: ignore[attr-defined]
                if field in shown
            ]
            if fields:
                title = _("%(language)s (optional: the default language is shown where empty)")
                fieldsets.insert(
                    at,
                    (
                        title % {"language": language_name(code)},
                        {"fields": fields, "classes": ["collapse"]},
                    ),
                )
                at += 1
        return fieldsets


def _city_for(obj: Any) -> Any:
    """The city whose languages the form offers: the current one, else (on
    the platform host) the object's, or the object itself for a city."""
    city = current_city_or_none()
    if city is not None or obj is None:
        return city
    if hasattr(obj, "languages") and hasattr(obj, "default_language"):
        return obj
    return obj.city if getattr(obj, "city_id", None) else None


def _without_translations(fields: Any) -> list:
    kept = []
    for item in fields:
        if isinstance(item, (list, tuple)):
            item = tuple(name for name in item if not str(name).startswith(PREFIX))
            if item:
                kept.append(item)
        elif not str(item).startswith(PREFIX):
            kept.append(item)
    return kept


__all__ = [
    "TranslatedAdminMixin",
    "TranslationsFormMixin",
    "field_name",
    "translated_form",
]
