"""Many-to-many links between tenant rows are tenant rows too (issue 21, §6).

A challenge's categories and districts, an initiative's categories and a
sponsor's categories and districts live in ``CityLink`` through tables:
``city_id`` filled by the database, forced row-level security, and foreign
keys that refuse a link between two cities even from raw SQL.
"""

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.utils import ProgrammingError
from django.test import Client
from django.urls import reverse

from civicideas.tenancy import all_cities_context, city_context
from civicideas.tenancy.models import CityLink, TenantModel
from civicideas.tenancy.roles import Role
from ideas.models import Challenge, ChallengeCategory, ChallengeDistrict
from projects.models import ProjectIdea, ProjectInitiative
from sponsors.models import InitiativeCategory, SponsorCategory, SponsorDistrict
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import (
    CategoryFactory,
    ChallengeFactory,
    DistrictFactory,
    challenge_data,
)
from tests.sponsors.factories import InitiativeFactory, SponsorFactory

pytestmark = pytest.mark.django_db

LINKS = [
    ChallengeCategory,
    ChallengeDistrict,
    InitiativeCategory,
    SponsorCategory,
    SponsorDistrict,
    ProjectIdea,
    ProjectInitiative,
]


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def _is_tenant(model) -> bool:
    return issubclass(model, TenantModel)


# --- meta-tests: no table escapes the city --------------------------------------------


def test_every_many_to_many_between_tenant_models_goes_through_a_city_link():
    """Auto-created through tables (``include_auto_created``) have no city:
    a new ``ManyToManyField`` between tenant models must name a CityLink."""
    offenders = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.local_many_to_many:
            tenant = _is_tenant(model) or _is_tenant(field.related_model)
            if tenant and not issubclass(field.remote_field.through, CityLink):
                offenders.append(f"{model.__name__}.{field.name}")
    assert offenders == []
    assert {f.remote_field.through for f in Challenge._meta.many_to_many} == {
        ChallengeCategory,
        ChallengeDistrict,
    }


def test_every_table_referencing_a_tenant_table_has_a_city_and_a_forced_policy():
    """Read from the database itself, so a table no model declares (an
    auto-created through table, one made by raw SQL) is covered too."""
    tenant_tables = [m._meta.db_table for m in apps.get_models() if _is_tenant(m)]
    referencing = _raw(
        """SELECT DISTINCT c.conrelid::regclass::text
             FROM pg_constraint c
            WHERE c.contype = 'f' AND c.confrelid::regclass::text = ANY(%s)""",
        [tenant_tables],
    )
    missing = []
    for (table,) in referencing:
        has_city = _raw(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = 'city_id'",
            [table],
        )
        forced = _raw(
            "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = %s",
            [table],
        )
        policy = _raw(
            "SELECT 1 FROM pg_policies WHERE tablename = %s AND policyname = 'city_isolation'",
            [table],
        )
        if not (has_city and forced == [(True,)] and policy):
            missing.append(table)
    assert missing == []
    assert {m._meta.db_table for m in LINKS} <= {t for (t,) in referencing}


def test_every_city_link_has_its_trigger_and_same_city_keys():
    """``link_fields`` on the model and ``EnableCityLink`` in the migration
    must agree with the database."""
    links = [m for m in apps.get_models() if issubclass(m, CityLink)]
    assert set(links) == set(LINKS)
    for model in links:
        table = model._meta.db_table
        triggers = _raw(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        assert triggers == [(f"{table}_city",)], table
        keys = _raw(
            """SELECT array_agg(a.attname::text ORDER BY k.n)
                 FROM pg_constraint c
                 CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                WHERE c.conrelid = %s::regclass AND c.contype = 'f'
                GROUP BY c.oid""",
            [table],
        )
        owner, target = (model._meta.get_field(name).column for name in model.link_fields)
        assert ["city_id", owner] in [k for (k,) in keys], table
        assert ["city_id", target] in [k for (k,) in keys], table


def test_unique_constraints_of_tenant_models_hold_per_city():
    """A uniqueness that means "within a city" includes the city, or a
    field that is itself a tenant row (an idea, a sponsor: one city each).
    Global ones are listed here on purpose: a host name serves one city, and
    random tokens are unique everywhere (stricter than per city)."""
    globally_unique = {
        ("Domain", ("hostname",)),
        ("ApiToken", ("key_hash",)),
        ("Idea", ("author", "submission_token")),
        ("Idea", ("entered_by", "submission_token")),
        ("DataExport", ("token",)),
    }
    offenders = []
    for model in apps.get_models():
        if not _is_tenant(model):
            continue
        sets = [tuple(c.fields) for c in model._meta.constraints if getattr(c, "fields", ())]
        sets += [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
        for fields in sets:
            scoped = any(
                name == "city"
                or (
                    model._meta.get_field(name).is_relation
                    and _is_tenant(model._meta.get_field(name).related_model)
                )
                for name in fields
            )
            if not scoped and (model.__name__, fields) not in globally_unique:
                offenders.append((model.__name__, fields))
    assert offenders == []


# --- the database refuses links across cities -----------------------------------------


@pytest.fixture
def two(city, other_city):
    with city_context(city):
        challenge = ChallengeFactory()
        category, district = CategoryFactory(), DistrictFactory()
        sponsor, initiative = SponsorFactory(), InitiativeFactory()
    with city_context(other_city):
        foreign_category, foreign_district = CategoryFactory(), DistrictFactory()
        foreign_challenge = ChallengeFactory()
        foreign_challenge.categories.set([foreign_category])
    return {
        "challenge": challenge,
        "category": category,
        "district": district,
        "sponsor": sponsor,
        "initiative": initiative,
        "foreign_category": foreign_category,
        "foreign_district": foreign_district,
        "foreign_challenge": foreign_challenge,
    }


def _refused(sql, params, city=None):
    """Run ``sql`` in ``city``'s context (all cities if None); True if refused."""
    context = city_context(city) if city is not None else all_cities_context()
    try:
        with context, transaction.atomic():
            _raw(sql, params)
    except (IntegrityError, ProgrammingError):
        return True
    return False


@pytest.mark.parametrize(
    ("table", "owner", "target", "owner_key", "target_key"),
    [
        ("ideas_challenge_categories", "challenge_id", "category_id", "challenge", "category"),
        ("ideas_challenge_districts", "challenge_id", "district_id", "challenge", "district"),
        (
            "sponsors_initiative_categories",
            "initiative_id",
            "category_id",
            "initiative",
            "category",
        ),
        ("sponsors_sponsor_categories", "sponsor_id", "category_id", "sponsor", "category"),
        ("sponsors_sponsor_districts", "sponsor_id", "district_id", "sponsor", "district"),
    ],
)
def test_raw_sql_cannot_link_another_citys_category_or_district(
    city, other_city, two, table, owner, target, owner_key, target_key
):
    own, foreign = two[owner_key].pk, two[f"foreign_{target_key}"].pk
    insert = f"INSERT INTO {table} ({owner}, {target}) VALUES (%s, %s)"  # noqa: S608
    insert_city = f"INSERT INTO {table} (city_id, {owner}, {target}) VALUES (%s, %s, %s)"  # noqa: S608
    # Inside city A's context: the city is filled from the owner, the key refuses.
    assert _refused(insert, [own, foreign], city)
    # Claiming city B from city A: the policy refuses.
    assert _refused(insert_city, [other_city.pk, own, foreign], city)
    # Even across all cities (platform context), either city is refused.
    assert _refused(insert_city, [city.pk, own, foreign])
    assert _refused(insert_city, [other_city.pk, own, foreign])
    # An owner of city B cannot be linked from city A: it is invisible there.
    if owner_key == "challenge":
        assert _refused(insert, [two["foreign_challenge"].pk, two[target_key].pk], city)
    # The same row within one city is accepted, and gets that city.
    with city_context(city):
        _raw(insert, [own, two[target_key].pk])
        assert _raw(f"SELECT city_id FROM {table}") == [(city.pk,)]  # noqa: S608


def test_orm_refuses_a_foreign_category_even_across_all_cities(city, two):
    with all_cities_context(), pytest.raises(IntegrityError), transaction.atomic():
        two["challenge"].categories.add(two["foreign_category"])
    with all_cities_context(), pytest.raises(IntegrityError), transaction.atomic():
        two["sponsor"].districts.set([two["foreign_district"]])


def test_an_update_cannot_move_a_link_to_another_city(city, other_city, two):
    with city_context(city):
        two["challenge"].categories.set([two["category"]])
    sql = "UPDATE ideas_challenge_categories SET category_id = %s"
    assert _refused(sql, [two["foreign_category"].pk])
    assert _refused("UPDATE ideas_challenge_categories SET city_id = %s", [other_city.pk])


# --- row-level security hides the other city's links ---------------------------------


def test_rls_hides_other_citys_link_rows(city, other_city, two):
    with city_context(city):
        two["challenge"].categories.set([two["category"]])
        assert _raw("SELECT category_id FROM ideas_challenge_categories") == [(two["category"].pk,)]
        assert list(ChallengeCategory.objects.values_list("category_id", flat=True)) == [
            two["category"].pk
        ]
        # Nor can city A delete city B's link.
        assert (
            _raw("DELETE FROM ideas_challenge_categories WHERE city_id = %s", [other_city.pk]) == 0
        )
    with city_context(other_city):
        assert _raw("SELECT category_id FROM ideas_challenge_categories") == [
            (two["foreign_category"].pk,)
        ]
    assert _raw("SELECT count(*) FROM ideas_challenge_categories") == [(0,)]  # no city: nothing


def test_deleting_either_end_takes_its_links_along(city, two):
    with city_context(city):
        two["challenge"].categories.set([two["category"]])
        two["sponsor"].categories.set([two["category"]])
        _raw("DELETE FROM ideas_category WHERE id = %s", [two["category"].pk])
        assert _raw("SELECT count(*) FROM ideas_challenge_categories") == [(0,)]
        assert _raw("SELECT count(*) FROM sponsors_sponsor_categories") == [(0,)]


# --- what sets the relations keeps working ----------------------------------------------


def test_set_add_and_remove_need_no_through_defaults_in_a_city_and_across_cities(city, two):
    with city_context(city):
        other = CategoryFactory()
        two["challenge"].categories.set([two["category"], other])
        two["challenge"].categories.remove(other)
        two["initiative"].categories.add(other)
        two["sponsor"].districts.set([two["district"]])
    # The platform admin runs across all cities: the city comes from the owner.
    with all_cities_context():
        two["challenge"].districts.add(two["district"])
        rows = {
            model.__name__: sorted(model.objects.values_list("city_id", flat=True))
            for model in LINKS
        }
    assert rows == {
        "ChallengeCategory": sorted([city.pk, two["foreign_challenge"].city_id]),
        "ChallengeDistrict": [city.pk],
        "InitiativeCategory": [city.pk],
        "SponsorCategory": [],
        "SponsorDistrict": [city.pk],
        "ProjectIdea": [],
        "ProjectInitiative": [],
    }


def _challenge_post(challenge, **extra):
    """The challenge admin's form as read now (with its current version)."""
    return (
        challenge_data(
            challenge,
            title=challenge.title,
            slug=challenge.slug,
            description="",
            phase=challenge.phase,
        )
        | extra
    )


def test_city_admin_and_platform_admin_set_a_challenges_categories(city, two):
    admin_user = make_member(city, Role.CITY_ADMIN)
    client = client_for(admin_user, city)
    url = reverse("admin:ideas_challenge_change", args=[two["challenge"].pk])
    response = client.post(
        url,
        _challenge_post(
            two["challenge"], categories=[two["category"].pk], districts=[two["district"].pk]
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with city_context(city):
        assert list(two["challenge"].categories.all()) == [two["category"]]
        assert list(two["challenge"].districts.all()) == [two["district"]]

    # The platform host: a superuser across all cities. Another city's
    # category is a form error, not a 500 or a link.
    from tests.factories import UserFactory

    root = UserFactory(is_superuser=True)
    platform = Client(HTTP_HOST="localhost")
    platform.force_login(root)
    response = platform.post(
        url, _challenge_post(two["challenge"], categories=[two["foreign_category"].pk])
    )
    assert response.status_code == 200
    response = platform.post(url, _challenge_post(two["challenge"], categories=[]))
    assert response.status_code == 302
    with city_context(city):
        assert list(two["challenge"].categories.all()) == []


def test_pages_listing_categories_keep_their_query_count(city, django_assert_max_num_queries):
    """The link's city column and policy add no query: the challenge API
    list reads its categories in one prefetch for 1 or 6 categories each."""
    counts = []
    for n in (1, 6):
        with city_context(city):
            cats = [CategoryFactory() for _ in range(n)]
            for _ in range(3):
                ChallengeFactory().categories.set(cats)
        client = Client(HTTP_HOST=host_of(city))
        client.get("/api/v1/challenges/")  # warm: host and session lookups
        with django_assert_max_num_queries(20) as captured:
            assert client.get("/api/v1/challenges/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
