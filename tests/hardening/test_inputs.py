"""The one parser of ids and numbers from outside (civicideas/inputs.py), the
URL converter and the API relation field built on it, and the guards that
keep every form, admin and serializer on the shared mechanisms."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from django.contrib import admin
from django.urls import Resolver404, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from civicideas.api.fields import IdRelatedField, VisibleCharField
from civicideas.inputs import (
    BIGINT_MAX,
    PAGE_MAX,
    BadNumber,
    parse_id,
    parse_ids,
    parse_int,
    parse_page,
    require_id,
)
from civicideas.text import VisibleCharField as VisibleFormCharField
from civicideas.text import VisibleTextAdminMixin
from tests.hardening.sweep import all_routes

ASCII_ID = st.integers(min_value=1, max_value=BIGINT_MAX)


@given(ASCII_ID)
def test_every_bigint_id_round_trips(number):
    assert parse_id(str(number)) == number
    assert parse_id(number) == number


@given(st.text(max_size=25))
def test_only_plain_ascii_digits_are_ids(text):
    parsed = parse_id(text)
    if parsed is not None:
        assert text.isascii() and text.isdigit() and len(text) <= 19
        assert str(parsed) == text.lstrip("0")


@given(st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=5))
def test_no_non_ascii_digit_is_a_number(text):
    if not text.isascii():
        assert parse_id(text) is None
        assert parse_int(text, minimum=-10, maximum=10**9) is None


@pytest.mark.parametrize(
    "raw",
    [
        "²",
        "①",
        "\u0661",
        "\uff11",
        "+1",
        " 1",
        "1 ",
        "1_0",
        "1e3",
        "1.0",
        "0x1",
        "1\x00",
        "\x00",
        "",
        "0",
        "-1",
        str(2**63),
        str(10**30),
        "NaN",
        "Infinity",
        True,
        False,
        1.0,
        float("inf"),
        float("nan"),
        None,
        [1],
        {"id": 1},
        b"1",
        10**30,
        0,
        -5,
    ],
)
def test_not_an_id(raw):
    assert parse_id(raw) is None
    with pytest.raises(BadNumber):
        require_id(raw)


def test_bounds_and_negatives():
    assert parse_int("-3", minimum=-5, maximum=5) == -3
    assert parse_int("-3", minimum=0, maximum=5) is None
    assert parse_int("6", minimum=0, maximum=5) is None
    assert parse_id(str(BIGINT_MAX)) == BIGINT_MAX


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        ("0", 1),
        ("-2", 1),
        ("²", 1),
        ("1e3", 1),
        (str(10**9), PAGE_MAX),
        (str(10**30), PAGE_MAX),
        ("9" * 5000, PAGE_MAX),
        ("\x00", 1),
    ],
)
def test_page_numbers(raw, page):
    assert parse_page(raw) == page


def test_id_lists_are_all_or_nothing():
    assert parse_ids(["1", "2", 3]) == [1, 2, 3]
    assert parse_ids(["1", "²"]) is None
    assert parse_ids("12") is None
    assert parse_ids([]) == []


# --- URL converter --------------------------------------------------------------------


def test_id_converter_matches_bigint_ids_only():
    assert reverse("ideas:idea", args=[BIGINT_MAX]) == f"/ideas/{BIGINT_MAX}/"
    assert resolve(f"/ideas/{BIGINT_MAX}/").kwargs == {"pk": BIGINT_MAX}
    for bad in (str(2**63), str(10**30), "0", "²", "-1"):
        with pytest.raises(Resolver404):
            resolve(f"/ideas/{bad}/")


def test_no_url_pattern_uses_the_unbounded_int_converter():
    """``<int:...>`` matches numbers of any length (a 500 in the database);
    routes use ``<id:...>``."""
    assert not [route.template for route in all_routes() if "<int:" in route.template]
    from django.urls import get_resolver

    def walk(resolver):
        for entry in resolver.url_patterns:
            yield entry
            if hasattr(entry, "url_patterns"):
                yield from walk(entry)

    assert not [str(e.pattern) for e in walk(get_resolver()) if "<int:" in str(e.pattern)]


# --- the API relation field -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "code"),
    [
        (float("inf"), "incorrect_type"),
        (1e300, "incorrect_type"),
        (1.0, "incorrect_type"),
        (True, "incorrect_type"),
        ("²", "incorrect_type"),
        ("1e3", "incorrect_type"),
        ([], "incorrect_type"),
        (10**30, "does_not_exist"),
        (-1, "does_not_exist"),
        ("0", "does_not_exist"),
    ],
)
def test_id_related_field_refuses_non_ids_with_a_validation_error(value, code):
    from django.contrib.auth import get_user_model

    field = IdRelatedField(queryset=get_user_model().objects.all())
    with pytest.raises(serializers.ValidationError) as error:
        field.to_internal_value(value)
    assert error.value.detail[0].code == code


# --- every form, admin and serializer uses the shared mechanisms ----------------------

API_MODULES = [
    "ideas.api.serializers",
    "ideas.api.views",
    "sponsors.api.serializers",
    "sponsors.api.views",
    "evaluation.api.serializers",
    "evaluation.api.views",
    "civicideas.notifications.api.views",
]
FORM_MODULES = [
    "ideas.forms",
    "ideas.admin.forms",
    "ideas.admin.base",
    "ideas.admin.challenges",
    "sponsors.forms",
    "evaluation.admin.challenges",
    "evaluation.admin.assignments",
    "evaluation.admin.rubrics",
    "evaluation.forms",
    "civicideas.accounts.views",
    "civicideas.tenancy.admin",
]


def _classes(modules: list[str], base: type) -> list[type]:
    found = []
    for name in modules:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__ == name:
                found.append(cls)
    return found


def _fields(field):
    yield field
    for inner in (getattr(field, "child", None), getattr(field, "child_relation", None)):
        if inner is not None:
            yield from _fields(inner)
    if isinstance(field, serializers.BaseSerializer) and hasattr(field, "fields"):
        for sub in field.fields.values():
            yield from _fields(sub)


@pytest.mark.django_db
def test_every_api_serializer_parses_ids_and_text_with_the_shared_fields():
    wrong = []
    for cls in _classes(API_MODULES, serializers.Serializer):
        for name, field in cls().fields.items():
            for inner in _fields(field):
                if inner.read_only:
                    continue
                if isinstance(inner, serializers.RelatedField) and not isinstance(
                    inner, IdRelatedField
                ):
                    wrong.append(f"{cls.__name__}.{name}: {type(inner).__name__}")
                if type(inner) is serializers.CharField:
                    wrong.append(f"{cls.__name__}.{name}: plain CharField")
    assert wrong == []
    assert isinstance(VisibleCharField(), serializers.CharField)


def test_every_form_text_field_treats_invisible_text_as_empty():
    wrong = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _classes(FORM_MODULES, forms.BaseForm)
        for name, field in getattr(cls, "base_fields", {}).items()
        if type(field) is forms.CharField
    ]
    assert wrong == []
    assert issubclass(VisibleFormCharField, forms.CharField)


def test_every_admin_and_inline_applies_the_text_rule():
    from django.contrib.auth.models import Group

    wrong = []
    for model, model_admin in admin.site._registry.items():
        if model is Group or model.__module__.startswith("allauth."):
            continue  # third-party admins without user-facing text
        if not isinstance(model_admin, VisibleTextAdminMixin):
            wrong.append(type(model_admin).__name__)
        for inline in model_admin.inlines:
            if not issubclass(inline, VisibleTextAdminMixin) and not getattr(
                inline, "readonly_fields", None
            ):
                wrong.append(inline.__name__)
    assert wrong == []


@pytest.mark.parametrize(
    "value", ["\u0661", "²", " 1", "+1", "1e3", 1.5, True, "0", -1, 10**30, str(10**30), "9" * 5000]
)
def test_id_filter_field_takes_ascii_ids_only(value):
    from civicideas.api.fields import IdField

    with pytest.raises(serializers.ValidationError):
        IdField().run_validation(value)
    assert IdField().run_validation("42") == 42
