"""The pages added on top of the services: edit an initiative, close a need,
progress updates, edit a sponsor's profile, add sponsor members, an idea on
behalf of a group. Each walks the roles (anonymous, citizen, group member,
admin of another group, member of another sponsor, city admin, a user of
another city) and checks that a refused request writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from sponsors.models import (
    GroupMembership,
    IdeaGroup,
    Initiative,
    InitiativeStatus,
    Need,
    Offer,
    ProgressUpdate,
    Sponsor,
    SponsorMembership,
)
from tests.conftest import client_for, host_of, lock_version_of, make_member
from tests.ideas.factories import CategoryFactory, CommentFactory, IdeaFactory
from tests.ideas.test_views import data_queries
from tests.sponsors.factories import (
    GroupFactory,
    GroupMembershipFactory,
    InitiativeFactory,
    NeedFactory,
    OfferFactory,
    SponsorFactory,
    SponsorMembershipFactory,
    refresh,
)

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def w(city, other_city):
    """Everyone of the walk, by name."""
    people = {
        "group_admin": make_member(city, email="gadmin@example.org"),
        "group_member": make_member(city, email="gmember@example.org"),
        "other_group_admin": make_member(city, email="ogadmin@example.org"),
        "sponsor_admin": make_member(city, email="sadmin@example.org"),
        "sponsor_member": make_member(city, email="smember@example.org"),
        "other_sponsor_member": make_member(city, email="osmember@example.org"),
        "citizen": make_member(city, email="citizen@example.org"),
        "city_admin": make_member(city, Role.CITY_ADMIN, email="staff@example.org"),
    }
    people["other_city_user"] = make_member(other_city, Role.CITY_ADMIN, email="lake@example.org")
    with city_context(city):
        category = CategoryFactory(name="Green")
        group = GroupFactory(name="Gardeners")
        GroupMembershipFactory(group=group, user=people["group_admin"])
        GroupMembershipFactory(
            group=group, user=people["group_member"], role=GroupMembership.Role.MEMBER
        )
        GroupMembershipFactory(user=people["other_group_admin"])
        initiative = InitiativeFactory(group=group, title="River garden")
        need = NeedFactory(initiative=initiative, quantity=Decimal("1000"))
        refresh(initiative)
        sponsor = SponsorFactory(name="Acme", website="https://acme.example")
        SponsorMembershipFactory(sponsor=sponsor, user=people["sponsor_admin"])
        SponsorMembershipFactory(
            sponsor=sponsor, user=people["sponsor_member"], role=SponsorMembership.Role.MEMBER
        )
        SponsorMembershipFactory(user=people["other_sponsor_member"])
        offer = OfferFactory(sponsor=sponsor, need=need, quantity=Decimal("100"))
    return {
        "people": people,
        "category": category,
        "group": group,
        "initiative": initiative,
        "need": need,
        "sponsor": sponsor,
        "offer": offer,
    }


def _client(w, who, city, other_city):
    from django.test import Client

    if who == "anonymous":
        return Client(HTTP_HOST=host_of(city))
    return client_for(w["people"][who], city)


EVERYONE = [
    "anonymous",
    "citizen",
    "group_member",
    "other_group_admin",
    "sponsor_member",
    "other_sponsor_member",
    "city_admin",
    "other_city_user",
]


def _expected(who, *, allowed, hidden=()):
    """Status for a refused role: login for anonymous, 404 where the page
    hides what is not yours, 403 otherwise; 200/302 for ``allowed``."""
    if who == "anonymous":
        return {302}
    if who in allowed:
        return {200, 302}
    if who in hidden:
        return {404}
    return {403, 404}


# --- edit an initiative ---------------------------------------------------------------------------


def _initiative_data(w, **changes):
    """The edit form's fields, from the initiative's current version."""
    return {
        "lock_version": lock_version_of(w["initiative"]),
        "title": "River garden, bigger",
        "summary": "More beds",
        "description": "Now with *herbs*.",
        "categories": [w["category"].pk],
        "district": "",
        "starts_on": "",
        "ends_on": "",
        "image_alt": "",
        **changes,
    }


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_groups_admins_edit_an_initiative(city, other_city, w, who):
    client = _client(w, who, city, other_city)
    url = reverse("sponsors:initiative_edit", args=[w["initiative"].pk])
    get = client.get(url)
    post = client.post(url, _initiative_data(w))
    assert get.status_code in _expected(who, allowed=()), who
    assert post.status_code in _expected(who, allowed=()), who
    if who == "anonymous":
        assert "/accounts/login/" in post["Location"]
    with city_context(city):
        assert Initiative.objects.get(pk=w["initiative"].pk).title == "River garden"


def test_group_admin_edits_the_initiative(city, w):
    client = client_for(w["people"]["group_admin"], city)
    url = reverse("sponsors:initiative_edit", args=[w["initiative"].pk])
    page = client.get(url).content.decode()
    assert 'value="River garden"' in page  # the form starts from the current values
    response = client.post(url, _initiative_data(w, title=f"Garden {XSS}"))
    assert response.status_code == 302
    with city_context(city):
        initiative = Initiative.objects.get(pk=w["initiative"].pk)
        assert initiative.title == f"Garden {XSS}"
        assert list(initiative.categories.values_list("name", flat=True)) == ["Green"]
    body = client.get(reverse("sponsors:initiative", args=[initiative.pk])).content.decode()
    assert "<script>alert" not in body
    assert reverse("sponsors:initiative_edit", args=[initiative.pk]) in body


def test_initiative_edit_refuses_bad_dates_and_other_citys_category(city, other_city, w):
    client = client_for(w["people"]["group_admin"], city)
    url = reverse("sponsors:initiative_edit", args=[w["initiative"].pk])
    response = client.post(url, _initiative_data(w, starts_on="2030-05-01", ends_on="2030-04-01"))
    assert response.status_code == 400
    assert "The end date must be after the start date." in response.content.decode()
    with city_context(other_city):
        foreign = CategoryFactory()
    response = client.post(url, _initiative_data(w, categories=[foreign.pk]))
    assert response.status_code == 400
    with city_context(city):
        assert Initiative.objects.get(pk=w["initiative"].pk).title == "River garden"


def test_group_admin_on_another_citys_host_gets_404(city, other_city, w):
    client = client_for(w["people"]["group_admin"], other_city)
    url = reverse("sponsors:initiative_edit", args=[w["initiative"].pk])
    assert client.get(url).status_code in (302, 404)  # not signed in there, or not found
    assert client.post(reverse("sponsors:need_close", args=[w["need"].pk])).status_code in (
        302,
        404,
    )
    with city_context(city):
        assert Need.objects.get(pk=w["need"].pk).closed_at is None


# --- close a need ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_groups_admins_close_a_need(city, other_city, w, who):
    client = _client(w, who, city, other_city)
    response = client.post(reverse("sponsors:need_close", args=[w["need"].pk]))
    assert response.status_code in _expected(who, allowed=()), who
    with city_context(city):
        assert Need.objects.get(pk=w["need"].pk).closed_at is None
        assert Offer.objects.get(pk=w["offer"].pk).state == Offer.State.OFFERED


def test_group_admin_closes_a_need(city, w):
    client = client_for(w["people"]["group_admin"], city)
    page = client.get(reverse("sponsors:initiative", args=[w["initiative"].pk])).content.decode()
    close_url = reverse("sponsors:need_close", args=[w["need"].pk])
    assert close_url in page
    assert client.get(close_url).status_code == 405
    response = client.post(close_url, {"lock_version": lock_version_of(w["need"])})
    assert response.status_code == 302
    with city_context(city):
        need = Need.objects.get(pk=w["need"].pk)
        assert need.closed_at is not None
        assert Offer.objects.get(pk=w["offer"].pk).state == Offer.State.DECLINED
        initiative = Initiative.objects.get(pk=w["initiative"].pk)
        assert initiative.open_need_count == 0
        assert initiative.status == InitiativeStatus.FULLY
    page = client.get(reverse("sponsors:initiative", args=[w["initiative"].pk])).content.decode()
    assert "Closed by the group." in page
    assert close_url not in page


def test_close_button_is_for_group_admins_only(city, w):
    close_url = reverse("sponsors:need_close", args=[w["need"].pk])
    for who in ("group_member", "sponsor_member", "city_admin"):
        page = client_for(w["people"][who], city).get(
            reverse("sponsors:initiative", args=[w["initiative"].pk])
        )
        assert close_url not in page.content.decode(), who


# --- progress updates -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_only_group_members_post_updates(city, other_city, w, who):
    client = _client(w, who, city, other_city)
    response = client.post(
        reverse("sponsors:update_post", args=[w["initiative"].pk]), {"text": "Hello"}
    )
    assert response.status_code in _expected(who, allowed=("group_member",)), who
    with city_context(city):
        assert ProgressUpdate.objects.exists() == (who == "group_member")


@pytest.mark.parametrize("who", ["group_member", "group_admin"])
def test_group_members_post_updates_shown_escaped(city, w, who):
    client = client_for(w["people"][who], city)
    url = reverse("sponsors:initiative", args=[w["initiative"].pk])
    assert reverse("sponsors:update_post", args=[w["initiative"].pk]) in (
        client.get(url).content.decode()
    )
    response = client.post(
        reverse("sponsors:update_post", args=[w["initiative"].pk]),
        {"text": f"The first beds are planted {XSS}"},
    )
    assert response.status_code == 302
    body = client_for(w["people"]["citizen"], city).get(url).content.decode()
    assert "The first beds are planted" in body
    assert "<script>alert" not in body


def test_no_updates_on_a_draft_and_empty_text_refused(city, w):
    with city_context(city):
        draft = InitiativeFactory(group=w["group"], status=InitiativeStatus.DRAFT)
    client = client_for(w["people"]["group_member"], city)
    response = client.post(reverse("sponsors:update_post", args=[draft.pk]), {"text": "Hi"})
    assert response.status_code == 403
    response = client.post(
        reverse("sponsors:update_post", args=[w["initiative"].pk]), {"text": "   "}
    )
    assert response.status_code == 400
    with city_context(city):
        assert not ProgressUpdate.objects.exists()


# --- a sponsor's profile --------------------------------------------------------------------------


def _sponsor_data(**changes):
    return {
        "name": "Acme Ltd",
        "kind": "business",
        "description": "Bikes and trees",
        "website": "https://acme.example",
        "contact_email": "hello@acme.example",
        "resource_types": ["funding", "expertise"],
        "budget_min": "",
        "budget_max": "",
        **changes,
    }


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_sponsors_admins_edit_its_profile(city, other_city, w, who):
    client = _client(w, who, city, other_city)
    url = reverse("sponsors:sponsor_edit", args=[w["sponsor"].pk])
    # Members of the sponsor see a refusal; everyone else cannot tell it exists.
    hidden = set(EVERYONE) - {"sponsor_member", "anonymous"}
    for response in (client.get(url), client.post(url, _sponsor_data())):
        expected = _expected(who, allowed=(), hidden=hidden)
        if who == "sponsor_member":
            expected = {403}
        assert response.status_code in expected, who
    with city_context(city):
        assert Sponsor.objects.get(pk=w["sponsor"].pk).name == "Acme"


def test_sponsor_admin_edits_the_profile(city, w):
    client = client_for(w["people"]["sponsor_admin"], city)
    url = reverse("sponsors:sponsor_edit", args=[w["sponsor"].pk])
    assert 'value="Acme"' in client.get(url).content.decode()
    dashboard = client.get(reverse("sponsors:dashboard", args=[w["sponsor"].pk])).content.decode()
    assert url in dashboard
    response = client.post(
        url, _sponsor_data(categories=[w["category"].pk], budget_min="100", budget_max="5000")
    )
    assert response.status_code == 302
    with city_context(city):
        sponsor = Sponsor.objects.get(pk=w["sponsor"].pk)
        assert sponsor.name == "Acme Ltd"
        assert sponsor.resource_types == ["expertise", "funding"]
        assert sponsor.budget_max == Decimal("5000")
        assert list(sponsor.categories.values_list("pk", flat=True)) == [w["category"].pk]
        assert sponsor.is_verified  # editing keeps the verification


@pytest.mark.parametrize(
    "changes",
    [
        {"website": "javascript:alert(1)"},
        {"website": "data:text/html,hi"},
        {"budget_min": "5000", "budget_max": "100"},
        {"budget_min": "NaN"},
        {"resource_types": []},
        {"kind": "pirate"},
    ],
)
def test_sponsor_edit_refuses_hostile_input(city, w, changes):
    client = client_for(w["people"]["sponsor_admin"], city)
    response = client.post(
        reverse("sponsors:sponsor_edit", args=[w["sponsor"].pk]), _sponsor_data(**changes)
    )
    assert response.status_code == 400
    with city_context(city):
        sponsor = Sponsor.objects.get(pk=w["sponsor"].pk)
        assert (sponsor.name, sponsor.website) == ("Acme", "https://acme.example")


# --- sponsor members ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*EVERYONE, "sponsor_admin"])
def test_members_page_is_for_the_sponsors_members(city, other_city, w, who):
    client = _client(w, who, city, other_city)
    response = client.get(reverse("sponsors:members", args=[w["sponsor"].pk]))
    if who in ("sponsor_member", "sponsor_admin"):
        assert response.status_code == 200
        assert "smember@example.org" in response.content.decode()
    elif who == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 404, who


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_sponsors_admins_add_members(city, other_city, w, who):
    client = _client(w, who, city, other_city)
    response = client.post(
        reverse("sponsors:members", args=[w["sponsor"].pk]),
        {"email": "citizen@example.org", "role": "admin"},
    )
    expected = {403} if who == "sponsor_member" else _expected(who, allowed=(), hidden=EVERYONE)
    assert response.status_code in expected, who
    with city_context(city):
        assert not SponsorMembership.objects.filter(
            sponsor=w["sponsor"], user=w["people"]["citizen"]
        ).exists()


def test_sponsor_admin_adds_a_member_by_email(city, w):
    client = client_for(w["people"]["sponsor_admin"], city)
    url = reverse("sponsors:members", args=[w["sponsor"].pk])
    response = client.post(url, {"email": "nobody@example.org", "role": "member"})
    assert response.status_code == 400
    assert "Nobody has an account with this email address yet." in response.content.decode()
    response = client.post(url, {"email": "not an email", "role": "member"})
    assert response.status_code == 400
    response = client.post(url, {"email": "CITIZEN@example.org", "role": "owner"})
    assert response.status_code == 400
    response = client.post(url, {"email": "CITIZEN@example.org", "role": "member"})
    assert response.status_code == 302
    citizen = client_for(w["people"]["citizen"], city)
    # The new member shares the dashboard at once.
    assert citizen.get(reverse("sponsors:dashboard", args=[w["sponsor"].pk])).status_code == 200
    with city_context(city):
        assert SponsorMembership.objects.get(
            sponsor=w["sponsor"], user=w["people"]["citizen"]
        ).role == ("member")


# --- an idea on behalf of a group -----------------------------------------------------------------


@pytest.fixture
def idea(city, w):
    with city_context(city):
        return IdeaFactory(author=w["people"]["group_member"], title="Herb beds by the river")


def test_author_links_an_idea_to_a_group_and_the_page_shows_it(city, city_client, w, idea):
    with city_context(city):
        GroupFactory(name="Not approved", approved_at=None).memberships.create(
            city=city, user=w["people"]["group_member"]
        )
    author = client_for(w["people"]["group_member"], city)
    page = author.get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    assert reverse("sponsors:idea_group", args=[idea.pk]) in page
    assert "Gardeners" in page
    assert "Not approved" not in page  # only approved groups are offered
    response = author.post(reverse("sponsors:idea_group", args=[idea.pk]), {"group": w["group"].pk})
    assert response.status_code == 302
    public = city_client.get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    assert "Submitted on behalf of the group" in public
    assert reverse("sponsors:group", args=[w["group"].pk]) in public
    assert reverse("sponsors:idea_group", args=[idea.pk]) not in public


@pytest.mark.parametrize(
    "who", [x for x in EVERYONE if x not in ("anonymous", "group_member")] + ["group_admin"]
)
def test_only_the_author_links_an_idea(city, other_city, w, idea, who):
    """Everyone but the author (``group_member``) gets 404."""
    client = _client(w, who, city, other_city)
    response = client.post(reverse("sponsors:idea_group", args=[idea.pk]), {"group": w["group"].pk})
    assert response.status_code == 404, who
    with city_context(city):
        assert not IdeaGroup.objects.exists()


def test_author_cannot_link_a_group_they_are_not_in(city, w):
    with city_context(city):
        idea = IdeaFactory(author=w["people"]["citizen"])
        stranger_group = GroupFactory(name="Strangers")
    client = client_for(w["people"]["citizen"], city)
    page = client.get(reverse("ideas:idea", args=[idea.pk])).content.decode()
    assert reverse("sponsors:idea_group", args=[idea.pk]) not in page  # no group to choose
    response = client.post(
        reverse("sponsors:idea_group", args=[idea.pk]), {"group": stranger_group.pk}
    )
    assert response.status_code == 302  # back to the idea with an error message
    with city_context(city):
        assert not IdeaGroup.objects.exists()


def test_idea_group_costs_one_query_whatever_the_comments(city, w, idea, settings):
    """The group box adds one query to the idea page, not one per comment.
    Measured as rendered (``PAGE_CACHE_SECONDS = 0``): warm, the idea's
    shared body (``ideas.idea_body``) holds the box and a reader pays none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with city_context(city):
        IdeaGroup.objects.create(city=city, idea=idea, group=w["group"])
    client = client_for(w["people"]["citizen"], city)
    url = reverse("ideas:idea", args=[idea.pk])
    settings.PAGE_CACHE_SECONDS = 0
    counts = []
    for comments in (1, 12):
        with city_context(city):
            for _ in range(comments):
                CommentFactory(idea=idea, body=f"Yes {XSS}")
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert "Gardeners" in response.content.decode()
        queries = data_queries(captured.captured_queries)
        assert sum("sponsors_ideagroup" in q for q in queries) == 1
        counts.append(len(queries))
    assert counts[0] == counts[1]
    settings.PAGE_CACHE_SECONDS = 60
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert "Gardeners" in response.content.decode()
    assert not any("sponsors_" in q for q in data_queries(captured.captured_queries))
