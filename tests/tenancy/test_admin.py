"""The admin, per city: a city's staff see and change only their city on every
admin page, filter and autocomplete; platform superusers manage cities on the
platform host."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from civicideas.accounts.models import Profile
from civicideas.accounts.services import profile_ensure
from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.models import City, Domain, Membership
from civicideas.tenancy.roles import Role
from tests.conftest import client_for, host_of, make_member
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LAKESIDE_SECRET = "secret.person@lakeside.example"


class World:
    """Two cities with people in each; lakeside's ids must never show on
    riverton's host."""

    def __init__(self, riverton: City, lakeside: City) -> None:
        self.riverton, self.lakeside = riverton, lakeside
        self.admin = make_member(riverton, Role.CITY_ADMIN, email="admin@riverton.example")
        self.moderator = make_member(riverton, Role.MODERATOR, email="mod@riverton.example")
        self.evaluator = make_member(riverton, Role.EVALUATOR, email="eval@riverton.example")
        self.citizen = make_member(riverton, Role.CITIZEN, email="citizen@riverton.example")
        self.lakeside_admin = make_member(lakeside, Role.CITY_ADMIN, email="admin@lakeside.example")
        self.lakeside_citizen = make_member(lakeside, Role.CITIZEN, email=LAKESIDE_SECRET)
        self.superuser = UserFactory(email="root@platform.example", is_superuser=True)
        for city, user in ((riverton, self.citizen), (lakeside, self.lakeside_citizen)):
            with city_context(city):
                profile = profile_ensure(user=user)
                profile.display_name = f"Profile of {user.email}"
                profile.save()
        with city_context(lakeside):
            self.lakeside_membership = Membership.objects.get(user=self.lakeside_citizen)
            self.lakeside_profile = Profile.objects.get(user=self.lakeside_citizen)
            self.lakeside_domain = Domain.objects.get()
        with city_context(riverton):
            self.riverton_membership = Membership.objects.get(user=self.citizen)


@pytest.fixture
def world(city, other_city) -> World:
    return World(city, other_city)


def riverton_as(world: World, user) -> Client:
    return client_for(user, world.riverton)


def platform_as(user) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def form_data(form, **overrides) -> dict:
    """POST data reproducing a rendered admin form's current values."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None or value is False or name == "logo":
            continue
        data[name] = "on" if value is True else value
    data.update(overrides)
    return data


def no_lakeside_data(body: str, world: World) -> bool:
    return (
        LAKESIDE_SECRET not in body
        and "admin@lakeside.example" not in body
        and "lakeside.localhost" not in body
        and "Lakeside" not in body
    )


# --- changelists ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "riverton_marker"),
    [
        ("/admin/tenancy/membership/", "citizen@riverton.example"),
        ("/admin/accounts/profile/", "Profile of citizen@riverton.example"),
        ("/admin/tenancy/domain/", "riverton.localhost"),
        ("/admin/tenancy/city/", "Riverton"),
    ],
)
def test_city_admin_changelists_show_only_their_city(world, path, riverton_marker):
    response = riverton_as(world, world.admin).get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert riverton_marker in body
    assert no_lakeside_data(body, world)


@pytest.mark.parametrize("path", ["/admin/tenancy/membership/", "/admin/accounts/profile/"])
def test_moderator_sees_people_of_their_city_only(world, path):
    response = riverton_as(world, world.moderator).get(path)
    assert response.status_code == 200
    assert no_lakeside_data(response.content.decode(), world)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tenancy/domain/",
        "/admin/tenancy/city/",
        "/admin/accounts/user/",
    ],
)
def test_moderator_cannot_open_settings_or_global_users(world, path):
    assert riverton_as(world, world.moderator).get(path).status_code == 403


def test_superuser_on_a_city_host_sees_only_that_city(world):
    client = riverton_as(world, world.superuser)
    for path in ("/admin/tenancy/membership/", "/admin/tenancy/city/", "/admin/accounts/profile/"):
        response = client.get(path)
        assert response.status_code == 200
        assert no_lakeside_data(response.content.decode(), world), path
    # The global user list belongs to the platform host.
    assert client.get("/admin/accounts/user/").status_code == 403


# --- another city's ids -------------------------------------------------------


def lakeside_change_paths(world: World) -> list[str]:
    return [
        f"/admin/tenancy/membership/{world.lakeside_membership.pk}/change/",
        f"/admin/tenancy/membership/{world.lakeside_membership.pk}/delete/",
        f"/admin/tenancy/membership/{world.lakeside_membership.pk}/history/",
        f"/admin/accounts/profile/{world.lakeside_profile.pk}/change/",
        f"/admin/tenancy/domain/{world.lakeside_domain.pk}/change/",
        f"/admin/tenancy/city/{world.lakeside.pk}/change/",
    ]


@pytest.mark.parametrize("who", ["admin", "superuser"])
def test_other_city_object_ids_do_not_exist_on_this_host(world, who):
    client = riverton_as(world, getattr(world, who))
    for path in lakeside_change_paths(world):
        response = client.get(path, follow=True)
        assert response.redirect_chain or response.status_code == 404, path
        body = response.content.decode()
        assert response.status_code in {200, 404}, path
        if response.status_code == 200:
            # Django's "<model> with ID ... doesn't exist. Perhaps it was deleted?"
            assert "Perhaps it was deleted?" in body, path
        assert no_lakeside_data(body, world), path


def test_posting_to_another_city_object_changes_nothing(world):
    client = riverton_as(world, world.admin)
    client.post(
        f"/admin/tenancy/membership/{world.lakeside_membership.pk}/change/",
        {"roles": ["city_admin"]},
    )
    client.post(
        f"/admin/tenancy/membership/{world.lakeside_membership.pk}/delete/", {"post": "yes"}
    )
    with city_context(world.lakeside):
        assert Membership.objects.get(pk=world.lakeside_membership.pk).roles == ["citizen"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tenancy/membership/",
        "/admin/accounts/profile/",
        "/admin/tenancy/domain/",
        "/admin/tenancy/city/",
    ],
)
def test_filter_by_other_city_id_is_refused_or_empty(world, path):
    field = "id" if path.endswith("/city/") else "city__id"
    response = riverton_as(world, world.admin).get(
        path, {f"{field}__exact": world.lakeside.pk}, follow=True
    )
    assert response.status_code in {200, 400}
    body = response.content.decode()
    assert no_lakeside_data(body, world)
    if response.status_code == 200 and "cl" in response.context:
        assert response.context["cl"].result_count == 0


def test_search_does_not_reach_other_cities(world):
    response = riverton_as(world, world.admin).get("/admin/tenancy/membership/", {"q": "lakeside"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


# --- autocomplete -------------------------------------------------------------
# No admin has an autocomplete field pointing at a tenant model yet (the
# only FKs of tenant models point at User and City). The autocomplete view
# answers for any relation whose target admin has search_fields, so these
# probe it directly: the City target (through Domain.city and Membership.city)
# and the global User target.


def autocomplete(client: Client, app_label: str, model_name: str, field_name: str, term=""):
    return client.get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )


@pytest.mark.parametrize(
    ("model_name", "term"), [("domain", ""), ("membership", ""), ("membership", "lake")]
)
def test_autocomplete_of_cities_offers_only_the_current_city(world, model_name, term):
    response = autocomplete(riverton_as(world, world.admin), "tenancy", model_name, "city", term)
    assert response.status_code == 200
    results = json.loads(response.content)["results"]
    assert all(item["id"] == str(world.riverton.pk) for item in results)
    assert "Lakeside" not in response.content.decode()


def test_autocomplete_of_users_is_closed_to_city_staff(world):
    """Accounts are global; a city admin must not page through everyone's
    email addresses."""
    client = riverton_as(world, world.admin)
    for model_name in ("membership", "profile"):
        app_label = "tenancy" if model_name == "membership" else "accounts"
        response = autocomplete(client, app_label, model_name, "user", "lakeside")
        assert response.status_code == 403
        assert LAKESIDE_SECRET not in response.content.decode()


def test_autocomplete_for_platform_superuser_spans_cities(world):
    response = autocomplete(
        platform_as(world.superuser), "tenancy", "membership", "user", "example"
    )
    assert response.status_code == 200
    assert LAKESIDE_SECRET in response.content.decode()


# --- who gets in --------------------------------------------------------------


def is_admin_index(response) -> bool:
    return response.status_code == 200 and "app_list" in (response.context or {})


@pytest.mark.parametrize("who", ["admin", "moderator", "evaluator"])
def test_city_staff_get_into_their_city_admin(world, who):
    response = riverton_as(world, getattr(world, who)).get("/admin/")
    assert is_admin_index(response)


def test_admin_header_names_the_city(world):
    body = riverton_as(world, world.admin).get("/admin/").content.decode()
    assert "Riverton" in body
    assert "<title>" in body and "Riverton" in body.split("<title>")[1].split("</title>")[0]
    platform = platform_as(world.superuser).get("/admin/").content.decode()
    assert "all cities" in platform


@pytest.mark.parametrize("who", ["citizen", "lakeside_admin"])
def test_others_are_refused_from_riverton_admin(world, who):
    client = riverton_as(world, getattr(world, who))
    response = client.get("/admin/", follow=True)
    assert not is_admin_index(response)
    assert response.status_code == 403
    assert client.get("/admin/tenancy/membership/").status_code in {302, 403}


def test_staff_of_lakeside_logging_in_on_riverton_admin_is_refused(world):
    """Through the real login form (allauth), not force_login."""
    client = Client(HTTP_HOST=host_of(world.riverton))
    response = client.get("/admin/", follow=True)
    login_path = response.redirect_chain[-1][0]
    assert login_path.startswith("/accounts/login/")
    response = client.post(
        login_path, {"login": "admin@lakeside.example", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 403
    assert not is_admin_index(response)
    assert not is_admin_index(client.get("/admin/tenancy/membership/", follow=True))


def test_riverton_staff_is_refused_on_the_platform_admin(world):
    response = platform_as(world.admin).get("/admin/", follow=True)
    assert response.status_code == 403
    assert not is_admin_index(response)


def test_anonymous_admin_goes_to_allauth_login(world):
    response = Client(HTTP_HOST=host_of(world.riverton)).get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


# --- the platform -------------------------------------------------------------


def test_platform_superuser_sees_every_city(world):
    client = platform_as(world.superuser)
    body = client.get("/admin/tenancy/membership/").content.decode()
    assert LAKESIDE_SECRET in body
    assert "citizen@riverton.example" in body
    body = client.get("/admin/tenancy/city/").content.decode()
    assert "Riverton" in body and "Lakeside" in body


def test_platform_superuser_adds_a_city_with_its_domain(world):
    client = platform_as(world.superuser)
    form = client.get("/admin/tenancy/city/add/").context["adminform"].form
    data = form_data(
        form,
        slug="hillcrest",
        name="Hillcrest",
        country="BE",
        languages=["en", "nl"],
        default_language="nl",
        **{
            "domain_set-TOTAL_FORMS": "1",
            "domain_set-INITIAL_FORMS": "0",
            "domain_set-0-hostname": "hillcrest.localhost",
            "domain_set-0-is_primary": "on",
        },
    )
    response = client.post("/admin/tenancy/city/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    hillcrest = City.objects.get(slug="hillcrest")
    with city_context(hillcrest):
        assert Domain.objects.get().hostname == "hillcrest.localhost"
    # The new host serves straight away (the host cache was forgotten).
    assert Client(HTTP_HOST="hillcrest.localhost").get("/").status_code == 200


def test_platform_superuser_changes_roles_in_any_city(world):
    """Regression: the membership form's save ran the role service with no
    current city on the platform host and answered 500."""
    client = platform_as(world.superuser)
    path = f"/admin/tenancy/membership/{world.lakeside_membership.pk}/change/"
    form = client.get(path).context["adminform"].form
    response = client.post(path, form_data(form, roles=["citizen", "moderator"]))
    assert response.status_code == 302
    with city_context(world.lakeside):
        assert sorted(Membership.objects.get(pk=world.lakeside_membership.pk).roles) == [
            "citizen",
            "moderator",
        ]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tenancy/membership/add/",
        "/admin/tenancy/domain/add/",
        "/admin/accounts/profile/add/",
    ],
)
def test_platform_offers_no_add_form_for_tenant_objects(world, path):
    """Regression: these forms have no city field, so saving one on the
    platform host (no current city) crashed with a 500."""
    assert platform_as(world.superuser).get(path).status_code == 403


# --- a city admin and their own city -------------------------------------------


def test_city_admin_edits_their_city_settings(world):
    client = riverton_as(world, world.admin)
    path = f"/admin/tenancy/city/{world.riverton.pk}/change/"
    response = client.get(path)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "slug" not in form.fields and "is_active" not in form.fields
    response = client.post(path, form_data(form, name="Riverton-on-Sea", slug="hijack"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.riverton.refresh_from_db()
    assert world.riverton.name == "Riverton-on-Sea"
    assert world.riverton.slug == "riverton"


def test_city_admin_cannot_add_or_delete_cities(world):
    client = riverton_as(world, world.admin)
    assert client.get("/admin/tenancy/city/add/").status_code == 403
    assert client.get(f"/admin/tenancy/city/{world.riverton.pk}/delete/").status_code == 403
    client.post(f"/admin/tenancy/city/{world.riverton.pk}/delete/", {"post": "yes"})
    assert City.objects.filter(pk=world.riverton.pk).exists()


def test_city_admin_cannot_add_domains(world):
    client = riverton_as(world, world.admin)
    assert client.get("/admin/tenancy/domain/add/").status_code == 403
    own = Domain.objects.with_scopes_disabled().get(city=world.riverton)
    path = f"/admin/tenancy/domain/{own.pk}/change/"
    response = client.post(path, {"hostname": "lakeside.localhost", "is_primary": "on"})
    assert response.status_code == 403


def test_city_admin_adds_an_existing_account_to_their_city(world):
    outsider = UserFactory(email="newcomer@example.org")
    client = riverton_as(world, world.admin)
    response = client.post(
        "/admin/tenancy/membership/add/",
        {"email": "newcomer@example.org", "roles": ["moderator"]},
    )
    assert response.status_code == 302
    with city_context(world.riverton):
        assert Membership.objects.get(user=outsider).roles == ["moderator"]
    with all_cities_context():
        assert Membership.objects.filter(user=outsider).count() == 1


def test_city_admin_can_add_a_member_of_another_city(world):
    """Membership in lakeside is not membership in riverton."""
    client = riverton_as(world, world.admin)
    response = client.post(
        "/admin/tenancy/membership/add/", {"email": LAKESIDE_SECRET, "roles": ["citizen"]}
    )
    assert response.status_code == 302
    with city_context(world.riverton):
        assert Membership.objects.filter(user=world.lakeside_citizen).exists()


def test_renaming_a_domain_on_the_platform_takes_effect_at_once(
    world, django_capture_on_commit_callbacks
):
    """Regression: the Domain admin did not forget the host cache, so the old
    host name kept serving the city for up to HOST_CACHE_SECONDS."""
    assert Client(HTTP_HOST="riverton.localhost").get("/").status_code == 200  # cached now
    own = Domain.objects.with_scopes_disabled().get(city=world.riverton)
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_as(world.superuser).post(
            f"/admin/tenancy/domain/{own.pk}/change/",
            {"hostname": "ideas.riverton.example", "is_primary": "on"},
        )
    assert response.status_code == 302
    assert Client(HTTP_HOST="riverton.localhost").get("/").status_code == 404
    assert Client(HTTP_HOST="ideas.riverton.example").get("/").status_code == 200


def test_deactivating_a_city_on_the_platform_closes_its_host(
    world, django_capture_on_commit_callbacks
):
    assert Client(HTTP_HOST="riverton.localhost").get("/").status_code == 200
    client = platform_as(world.superuser)
    path = f"/admin/tenancy/city/{world.riverton.pk}/change/"
    form = client.get(path).context["adminform"].form
    data = form_data(
        form,
        **{
            "domain_set-TOTAL_FORMS": "0",
            "domain_set-INITIAL_FORMS": "0",
        },
    )
    data.pop("is_active", None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Client(HTTP_HOST="riverton.localhost").get("/").status_code == 404


def test_recent_actions_on_the_index_are_this_citys_only(world):
    """Django's "Recent actions" box reads the global admin log: a civil
    servant of both cities saw lakeside's people on riverton's index."""
    both = make_member(world.riverton, Role.CITY_ADMIN, email="both@example.org")
    with city_context(world.lakeside):
        Membership.objects.create(city=world.lakeside, user=both, roles=["city_admin"])
    for city, membership in (
        (world.lakeside, world.lakeside_membership),
        (world.riverton, world.riverton_membership),
    ):
        client = client_for(both, city)
        path = f"/admin/tenancy/membership/{membership.pk}/change/"
        form = client.get(path).context["adminform"].form
        assert client.post(path, form_data(form, roles=["citizen", "moderator"])).status_code == 302

    riverton_index = client_for(both, world.riverton).get("/admin/")
    body = riverton_index.content.decode()
    assert "citizen@riverton.example" in body
    assert LAKESIDE_SECRET not in body
    lakeside_index = client_for(both, world.lakeside).get("/admin/").content.decode()
    assert LAKESIDE_SECRET in lakeside_index
    assert "citizen@riverton.example" not in lakeside_index
    platform = platform_as(world.superuser).get("/admin/")
    assert platform.status_code == 200
