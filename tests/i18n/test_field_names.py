"""Every field of our own models has a translatable name.

Without ``verbose_name`` Django names a field after its attribute, in
English, whatever the language: the Dutch admin showed "Op state" as the
comment list's filter and column, and the idea change view showed "Search
vector" and "Shuffle key". This guard catches a new field that forgets its
``_("...")``.
"""

from __future__ import annotations

from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise

#: Packages that are not ours: their field names are their own business.
THIRD_PARTY = {"django", "allauth", "rest_framework"}


def _is_ours(model) -> bool:
    package = model.__module__.split(".")[0]
    return package not in THIRD_PARTY and "celery" not in package


def _our_fields():
    for model in apps.get_models():
        if not _is_ours(model):
            continue
        for field in model._meta.get_fields():
            if getattr(field, "concrete", False) and not field.auto_created:
                yield model, field


def test_the_guard_sees_the_fields_of_our_apps():
    labels = {f"{model._meta.label}.{field.name}" for model, field in _our_fields()}
    assert {"ideas.Comment.state", "sponsors.Offer.made_by", "exchange.TriedToo.trying_city"} <= (
        labels
    )
    assert not any(label.startswith(("auth.", "account.", "authtoken.")) for label in labels)


def test_every_field_of_our_apps_has_a_translatable_name():
    untranslated = [
        f"{model._meta.label}.{field.name}: {field.verbose_name!r}"
        for model, field in _our_fields()
        if not isinstance(field.verbose_name, Promise)
    ]
    assert not untranslated, "fields without _(verbose_name):\n" + "\n".join(untranslated)


def test_a_field_name_is_shown_in_the_reader_s_language():
    """The example of the report: the comment's state in the Dutch admin."""
    from ideas.models import Comment

    with translation.override("nl"):
        assert str(Comment._meta.get_field("state").verbose_name) == "toestand"
