"""The admin building blocks of ``civicideas.tenancy.admin_mixins``, swept
over every admin of the apps: each answers 404, not Django's "doesn't
exist" redirect, for a missing id, a hostile one and another city's object,
and the read-only admins offer no add, change or delete."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from civicideas.tenancy import city_context
from civicideas.tenancy.admin_mixins import (
    MAX_BULK,
    CityObjectAdmin,
    ReadOnlyAdminMixin,
    run_bulk,
)
from civicideas.tenancy.roles import Role
from ideas.models import Category
from tests.conftest import client_for, make_member
from tests.ideas.factories import CategoryFactory

pytestmark = pytest.mark.django_db

APPS = ("ideas", "evaluation", "sponsors")
HOSTILE_IDS = ("999999999", "0", "-1", "abc", "1%00", "99999999999999999999999")


def _app_admins():
    return [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    ]


def test_every_app_admin_is_a_city_object_admin():
    admins = _app_admins()
    assert admins
    wrong = [type(a).__name__ for a in admins if not isinstance(a, CityObjectAdmin)]
    assert wrong == []


@pytest.mark.parametrize("object_id", HOSTILE_IDS)
def test_missing_or_hostile_ids_are_404_on_every_app_admin(city, object_id):
    client = client_for(make_member(city, Role.CITY_ADMIN, Role.MODERATOR), city)
    for model_admin in _app_admins():
        opts = model_admin.model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/{object_id}/change/"
        assert client.get(url).status_code == 404, url


def test_another_citys_object_is_404_like_a_missing_one(city, other_city):
    with city_context(other_city):
        theirs = CategoryFactory()
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    response = client.get(f"/admin/ideas/category/{theirs.pk}/change/")
    assert response.status_code == 404


def test_read_only_admins_offer_no_add_change_or_delete(city):
    request = RequestFactory().get("/admin/")
    request.user = make_member(city, Role.CITY_ADMIN)
    read_only = [a for a in _app_admins() if isinstance(a, ReadOnlyAdminMixin)]
    assert read_only
    for model_admin in read_only:
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_run_bulk_stops_at_max_bulk_and_reports_each_refusal(city):
    from django.contrib.messages.storage.fallback import FallbackStorage

    from civicideas.errors import InvalidInput

    request = RequestFactory().post("/admin/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with city_context(city):
        CategoryFactory.create_batch(MAX_BULK + 2)
        seen = []

        def call(category):
            seen.append(category.pk)
            if len(seen) == 1:
                raise InvalidInput("refused <b>")

        run_bulk(request, Category.objects.order_by("pk"), call, "%(n)d done.")
    assert len(seen) == MAX_BULK
    texts = [str(m) for m in request._messages]
    assert f"{MAX_BULK - 1} done." in texts
    assert any(t.endswith(": refused <b>") for t in texts)
