"""City settings: a stale admin form never overwrites a colleague's save
(``civicideas.concurrency.VersionedAdmin``)."""

from __future__ import annotations

import pytest

from civicideas.accounts.services import profile_ensure
from civicideas.tenancy import city_context
from civicideas.tenancy.models import City
from civicideas.tenancy.roles import Role
from tests.concurrency import change_form_data, parallel
from tests.conftest import client_for, make_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admins(city):
    anna = make_member(city, Role.CITY_ADMIN, email="anna@riverton.example")
    ben = make_member(city, Role.CITY_ADMIN, email="ben@riverton.example")
    with city_context(city):
        profile = profile_ensure(user=anna)
        profile.display_name = "Anna Admin"
        profile.save()
    return client_for(anna, city), client_for(ben, city)


def _path(city) -> str:
    return f"/admin/tenancy/city/{city.pk}/change/"


def test_stale_city_settings_are_refused_with_who_and_when(city, admins):
    anna, ben = admins
    anna_form = change_form_data(anna.get(_path(city)))
    ben_form = change_form_data(ben.get(_path(city)))
    assert "lock_version" in ben_form
    response = anna.post(_path(city), {**anna_form, "contact_email": "anna@city.example"})
    assert response.status_code == 302
    response = ben.post(_path(city), {**ben_form, "contact_email": "ben@city.example"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Changed by Anna Admin at" in body
    # The time is the city's (Europe/Brussels: CET or CEST), with a link to reload.
    assert "(CET)" in body or "(CEST)" in body
    assert f'href="{_path(city)}"' in body
    fresh = City.objects.get(pk=city.pk)
    assert fresh.contact_email == "anna@city.example"
    assert fresh.lock_version == anna_form["lock_version"] + 1
    assert fresh.last_changed_by.email == "anna@riverton.example"
    # Reloaded, the form carries the new version and saves.
    again = change_form_data(ben.get(_path(city)), contact_email="ben@city.example")
    assert ben.post(_path(city), again).status_code == 302
    assert City.objects.get(pk=city.pk).contact_email == "ben@city.example"


@pytest.mark.parametrize("version", [None, "", "abc", "٣", "-1", "1" * 30])
def test_city_settings_without_a_usable_version_are_a_400(city, admins, version):
    anna, _ben = admins
    data = change_form_data(anna.get(_path(city)), contact_email="blind@city.example")
    if version is None:
        del data["lock_version"]
    else:
        data["lock_version"] = version
    response = anna.post(_path(city), data)
    assert response.status_code == 400
    assert City.objects.get(pk=city.pk).contact_email != "blind@city.example"


def test_two_concurrent_city_saves_one_wins(city, admins):
    forms = [change_form_data(client.get(_path(city))) for client in admins]
    posts = [
        lambda client=client, form=form, n=n: (
            client.post(
                _path(city), {**form, "contact_email": f"admin{n}@city.example"}
            ).status_code
        )
        for n, (client, form) in enumerate(zip(admins, forms, strict=True))
    ]
    assert parallel(posts) == [302, 409]
    fresh = City.objects.get(pk=city.pk)
    assert fresh.lock_version == forms[0]["lock_version"] + 1
    assert fresh.contact_email in ("admin0@city.example", "admin1@city.example")
