"""Turning an accepted idea into an initiative (issues 4 and 5).

The idea's page offers the link to its author when they administer an
approved group, and to city staff; the conversion page pre-fills the
initiative from the idea and keeps the link; an idea becomes at most one
initiative; other cities' ideas are 404; the idea's page costs no extra query.
The admin (ranking page, idea page) links to the same conversion page."""

from __future__ import annotations

import html

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicideas.errors import Conflict, InvalidInput, NotAllowed
from civicideas.notifications.models import Notification
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Idea
from ideas.status import IdeaStatus
from sponsors import rules, selectors, services
from sponsors.models import GroupMembership, Initiative, InitiativeStatus
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import CategoryFactory, DistrictFactory, IdeaFactory
from tests.ideas.test_views import data_queries
from tests.sponsors.factories import GroupFactory, GroupMembershipFactory, InitiativeFactory

pytestmark = pytest.mark.django_db

CONVERT = "Turn this idea into an initiative"
BODY = "Raised beds for herbs along the river path.\n\nNeighbours water them in turn."


@pytest.fixture
def w(city, other_city):
    """The people of the walk and an accepted idea by ``author``, who
    administers the approved group Gardeners."""
    people = {
        "author": make_member(city, email="author@example.org"),
        "citizen": make_member(city, email="citizen@example.org"),
        "other_group_admin": make_member(city, email="ogadmin@example.org"),
        "city_admin": make_member(city, Role.CITY_ADMIN, email="staff@example.org"),
        "moderator": make_member(city, Role.MODERATOR, email="mod@example.org"),
        "other_city_user": make_member(other_city, Role.CITY_ADMIN, email="lake@example.org"),
    }
    with city_context(city):
        category = CategoryFactory(name="Green")
        district = DistrictFactory(name="Riverside")
        group = GroupFactory(name="Gardeners")
        GroupMembershipFactory(group=group, user=people["author"])
        # The author is only a member here, and the next one is not approved:
        # neither is offered.
        member_only = GroupFactory(name="Cyclists")
        GroupMembershipFactory(
            group=member_only, user=people["author"], role=GroupMembership.Role.MEMBER
        )
        unapproved = GroupFactory(name="Unapproved bees", approved_at=None)
        GroupMembershipFactory(group=unapproved, user=people["author"])
        other_group = GroupFactory(name="Other group")
        GroupMembershipFactory(group=other_group, user=people["other_group_admin"])
        idea = IdeaFactory(
            author=people["author"],
            title="Herb beds by the river",
            body=BODY,
            category=category,
            district=district,
            status=IdeaStatus.ACCEPTED,
        )
    with city_context(other_city):
        lakeside_idea = IdeaFactory(status=IdeaStatus.ACCEPTED, title="Lakeside secret idea")
    return {
        "people": people,
        "category": category,
        "district": district,
        "group": group,
        "member_only": member_only,
        "unapproved": unapproved,
        "other_group": other_group,
        "idea": idea,
        "lakeside_idea": lakeside_idea,
    }


def _client(w, who, city):
    if who == "anonymous":
        return Client(HTTP_HOST=host_of(city))
    return client_for(w["people"][who], city)


def _idea_page(client, idea) -> str:
    response = client.get(reverse("ideas:idea", args=[idea.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _convert_url(idea) -> str:
    return reverse("sponsors:idea_initiative", args=[idea.pk])


def _form_data(w, **changes):
    return {
        "group": w["group"].pk,
        "title": "Herb beds by the river",
        "summary": "Raised beds",
        "description": BODY,
        "categories": [w["category"].pk],
        "district": w["district"].pk,
        "starts_on": "",
        "ends_on": "",
        "image_alt": "",
        **changes,
    }


def _set_status(city, idea, status):
    with city_context(city):
        Idea.objects.filter(pk=idea.pk).update(status=status)


def _initiatives(city):
    with city_context(city):
        return list(Initiative.objects.all())


# --- the link on the idea's page ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["author", "city_admin", "moderator"])
@pytest.mark.parametrize(
    "status", [IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED]
)
def test_link_shown_to_the_group_admin_author_and_city_staff(city, w, who, status):
    _set_status(city, w["idea"], status)
    page = _idea_page(_client(w, who, city), w["idea"])
    assert CONVERT in page
    assert f'href="{_convert_url(w["idea"])}"' in page


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_group_admin", "other_city_user"])
def test_link_hidden_from_everyone_else(city, w, who):
    page = _idea_page(_client(w, who, city), w["idea"])
    assert CONVERT not in page
    assert _convert_url(w["idea"]) not in page


def test_link_hidden_from_an_author_who_administers_no_approved_group(city, w):
    """Member of an approved group, admin of an unapproved one: no link."""
    with city_context(city):
        GroupMembership.objects.filter(group=w["group"]).delete()
    page = _idea_page(_client(w, "author", city), w["idea"])
    assert CONVERT not in page


@pytest.mark.parametrize(
    "status",
    [
        IdeaStatus.PUBLISHED,
        IdeaStatus.UNDER_EVALUATION,
        IdeaStatus.REJECTED,
        IdeaStatus.DUPLICATE,
    ],
)
@pytest.mark.parametrize("who", ["author", "city_admin"])
def test_link_hidden_for_ideas_not_accepted(city, w, status, who):
    _set_status(city, w["idea"], status)
    page = _idea_page(_client(w, who, city), w["idea"])
    assert CONVERT not in page
    response = _client(w, who, city).post(_convert_url(w["idea"]), _form_data(w))
    assert response.status_code == 409
    assert "Only an accepted idea can become an initiative." in response.content.decode()
    assert _initiatives(city) == []


# --- the conversion page --------------------------------------------------------------------------


def test_conversion_page_is_prefilled_from_the_idea(city, w):
    response = _client(w, "author", city).get(_convert_url(w["idea"]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["title"] == "Herb beds by the river"
    assert form.initial["summary"] == "Raised beds for herbs along the river path."
    assert form.initial["description"] == BODY
    assert form.initial["categories"] == [w["category"].pk]
    assert form.initial["district"] == w["district"].pk
    # Only approved groups the author administers.
    assert [label for _pk, label in form.fields["group"].choices] == ["Gardeners"]
    page = response.content.decode()
    assert 'value="Herb beds by the river"' in page
    assert "Neighbours water them in turn." in page
    assert reverse("ideas:idea", args=[w["idea"].pk]) in page


def test_staff_choose_among_all_approved_groups(city, w):
    response = _client(w, "city_admin", city).get(_convert_url(w["idea"]))
    assert response.status_code == 200
    labels = [label for _pk, label in response.context["form"].fields["group"].choices]
    assert labels == ["Cyclists", "Gardeners", "Other group"]


def test_author_converts_the_idea_into_a_linked_draft(city, w):
    author = _client(w, "author", city)
    response = author.post(_convert_url(w["idea"]), _form_data(w))
    assert response.status_code == 302
    [initiative] = _initiatives(city)
    assert response["Location"] == reverse("sponsors:initiative", args=[initiative.pk])
    assert initiative.source_idea_id == w["idea"].pk
    assert initiative.group_id == w["group"].pk
    assert initiative.status == InitiativeStatus.DRAFT
    assert initiative.district_id == w["district"].pk
    with city_context(city):
        assert [c.pk for c in initiative.categories.all()] == [w["category"].pk]
    page = author.get(response["Location"]).content.decode()
    assert "Came from the idea" in page and "Herb beds by the river" in page
    # The idea's page now links to the initiative instead of offering a new one.
    idea_page = _idea_page(author, w["idea"])
    assert CONVERT not in idea_page
    assert reverse("sponsors:initiative", args=[initiative.pk]) in idea_page


def test_staff_convert_for_a_group_they_are_not_in_and_its_admins_hear_of_it(city, w):
    staff = _client(w, "city_admin", city)
    response = staff.post(_convert_url(w["idea"]), _form_data(w, group=w["other_group"].pk))
    assert response.status_code == 302
    [initiative] = _initiatives(city)
    assert initiative.group_id == w["other_group"].pk
    assert initiative.created_by_id == w["people"]["city_admin"].pk
    with city_context(city):
        recipients = set(
            Notification.objects.filter(kind="idea_became_initiative").values_list(
                "recipient_id", flat=True
            )
        )
    assert recipients == {w["people"]["author"].pk, w["people"]["other_group_admin"].pk}


def test_a_draft_is_hidden_from_the_public_until_published(
    city, w, django_capture_on_commit_callbacks
):
    """Anonymous visitors (whose page is cached) see the link once the
    initiative is published, not before: publishing renews the cached page."""
    anonymous = _client(w, "anonymous", city)
    _client(w, "author", city).post(_convert_url(w["idea"]), _form_data(w))
    [initiative] = _initiatives(city)
    link = reverse("sponsors:initiative", args=[initiative.pk])
    assert link not in _idea_page(anonymous, w["idea"])
    assert link not in _idea_page(_client(w, "citizen", city), w["idea"])
    assert _idea_page(anonymous, w["idea"])  # stored in the page cache
    with city_context(city), django_capture_on_commit_callbacks(execute=True):
        services.initiative_publish(initiative=initiative, by=w["people"]["author"])
    assert link in _idea_page(_client(w, "citizen", city), w["idea"])
    assert link in _idea_page(anonymous, w["idea"])


def test_a_draft_reaches_its_groups_members_only_whoever_viewed_before(city, w):
    """The idea's page is a body shared by everyone (``ideas.idea_body``);
    the sponsors box is drawn again per person when it may differ: a
    member of the draft's group sees its link, a citizen viewing just
    before or after them does not."""
    member = make_member(city, email="member@example.org")
    with city_context(city):
        GroupMembershipFactory(group=w["group"], user=member, role=GroupMembership.Role.MEMBER)
    _client(w, "author", city).post(_convert_url(w["idea"]), _form_data(w))
    [initiative] = _initiatives(city)
    link = reverse("sponsors:initiative", args=[initiative.pk])
    citizen, member_client = _client(w, "citizen", city), client_for(member, city)
    for _ in range(2):
        assert link not in _idea_page(citizen, w["idea"])
        assert link in _idea_page(member_client, w["idea"])
        assert link not in _idea_page(_client(w, "anonymous", city), w["idea"])


def test_author_outside_the_group_sees_the_conversion_is_under_way(city, w):
    """City staff turned the idea into a draft of a group the author is not in."""
    _client(w, "city_admin", city).post(
        _convert_url(w["idea"]), _form_data(w, group=w["other_group"].pk)
    )
    author = _client(w, "author", city)
    page = _idea_page(author, w["idea"])
    assert "An initiative based on this idea is being prepared." in page
    assert CONVERT not in page
    response = author.post(_convert_url(w["idea"]), _form_data(w))
    assert response.status_code == 409
    assert len(_initiatives(city)) == 1


# --- refusals -------------------------------------------------------------------------------------


def test_second_conversion_is_refused(city, w):
    with city_context(city):
        first = services.initiative_create(
            group=w["group"], by=w["people"]["author"], title="First", source_idea=w["idea"]
        )
        with pytest.raises(Conflict) as refused:
            services.initiative_create(
                group=w["other_group"],
                by=w["people"]["city_admin"],
                title="Second",
                source_idea=w["idea"],
            )
        assert "already an initiative" in refused.value.message
        assert "First" in refused.value.message
    # The page leads to the existing initiative; a POST writes nothing.
    staff = _client(w, "city_admin", city)
    response = staff.get(_convert_url(w["idea"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("sponsors:initiative", args=[first.pk])
    response = staff.post(_convert_url(w["idea"]), _form_data(w, title="Second"))
    assert response.status_code == 302
    assert [i.pk for i in _initiatives(city)] == [first.pk]


def test_the_database_refuses_a_second_initiative_too(city, w):
    """The unique constraint holds even if a rule in the service were wrong."""
    with city_context(city):
        InitiativeFactory(group=w["group"], source_idea=w["idea"])
        with pytest.raises(IntegrityError), transaction.atomic():
            InitiativeFactory(group=w["other_group"], source_idea=w["idea"])


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ["author", "city_admin", "other_city_user"])
def test_another_citys_idea_is_404(city, other_city, w, method, who):
    client = _client(w, who, city)
    response = getattr(client, method)(_convert_url(w["lakeside_idea"]), _form_data(w))
    assert response.status_code == 404
    assert b"Lakeside secret idea" not in response.content
    assert _initiatives(city) == []
    with city_context(other_city):
        assert not Initiative.objects.exists()


def test_a_hidden_idea_is_404(city, w):
    _set_status(city, w["idea"], IdeaStatus.HIDDEN)
    response = _client(w, "citizen", city).get(_convert_url(w["idea"]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["citizen", "other_group_admin"])
def test_others_cannot_convert(city, w, who):
    client = _client(w, who, city)
    for response in (
        client.get(_convert_url(w["idea"])),
        client.post(_convert_url(w["idea"]), _form_data(w, group=w["other_group"].pk)),
    ):
        assert response.status_code == 403
        assert "Only the idea's author or the city" in html.unescape(response.content.decode())
    assert _initiatives(city) == []


def test_anonymous_is_sent_to_sign_in(city, w):
    response = _client(w, "anonymous", city).post(_convert_url(w["idea"]), _form_data(w))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert _initiatives(city) == []


@pytest.mark.parametrize("group", ["member_only", "unapproved", "other_group"])
def test_author_cannot_pick_a_group_they_do_not_administer(city, w, group):
    response = _client(w, "author", city).post(
        _convert_url(w["idea"]), _form_data(w, group=w[group].pk)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["group"]
    assert _initiatives(city) == []


def test_author_without_an_approved_group_is_told_how(city, w):
    with city_context(city):
        GroupMembership.objects.filter(group=w["group"]).delete()
    response = _client(w, "author", city).get(_convert_url(w["idea"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are not an administrator of such a group yet." in page
    assert reverse("sponsors:group_create") in page


def test_service_rules(city, w):
    people = w["people"]
    with city_context(city):
        # Staff: only an approved group.
        with pytest.raises(InvalidInput):
            services.initiative_create(
                group=w["unapproved"], by=people["city_admin"], title="X", source_idea=w["idea"]
            )
        # The author: only a group they administer.
        with pytest.raises(NotAllowed):
            services.initiative_create(
                group=w["member_only"], by=people["author"], title="X", source_idea=w["idea"]
            )
        # Another group's admin: not their idea.
        with pytest.raises(NotAllowed):
            services.initiative_create(
                group=w["other_group"],
                by=people["other_group_admin"],
                title="X",
                source_idea=w["idea"],
            )
        assert not Initiative.objects.exists()
    with city_context(city):
        lakeside_idea = w["lakeside_idea"]
        with pytest.raises(InvalidInput):
            services.initiative_create(
                group=w["group"], by=people["author"], title="X", source_idea=lakeside_idea
            )


@pytest.mark.parametrize(
    "who", ["author", "citizen", "other_group_admin", "city_admin", "moderator", "other_city_user"]
)
@pytest.mark.parametrize("status", [IdeaStatus.ACCEPTED, IdeaStatus.PUBLISHED])
def test_rule_and_queryset_twin_agree(city, w, who, status):
    _set_status(city, w["idea"], status)
    user = w["people"][who]
    with city_context(city):
        idea = Idea.objects.get(pk=w["idea"].pk)
        allowed = set(selectors.groups_for_idea_conversion(user, idea).values_list("pk", flat=True))
        for key in ("group", "member_only", "unapproved", "other_group"):
            group = w[key]
            assert rules.can_convert_idea_for(user, idea, group) == (group.pk in allowed), key


# --- queries --------------------------------------------------------------------------------------


def _data_queries(client, url) -> list[str]:
    """The page's data queries but the project box's: an accepted idea's
    page asks once which city project carries it out (tests/projects), which
    is not the sponsors box's cost measured here."""
    client.get(url)  # sessions, content types, caches warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    queries = data_queries(captured.captured_queries)
    project_box = [q for q in queries if '"projects_projectidea"' in q.split(" WHERE ")[0]]
    assert len(project_box) <= 1
    return [q for q in queries if q not in project_box]


@pytest.mark.parametrize("who", ["citizen", "city_admin"])
def test_idea_page_costs_no_extra_query(city, w, who, settings):
    """Readers pay the same one query for the group box whether the idea is
    accepted, converted or not; city staff and the author stay in budget.
    Measured as rendered (``PAGE_CACHE_SECONDS = 0``: the idea's shared body,
    ``ideas.idea_body``, drawn every time); from the shared body a reader
    pays nothing for the box, city staff (drawn again for them) one query."""
    settings.PAGE_CACHE_SECONDS = 0
    client = _client(w, who, city)
    with city_context(city):
        plain = IdeaFactory(challenge=w["idea"].challenge, title="Plain idea")
    url = reverse("ideas:idea", args=[w["idea"].pk])
    plain_url = reverse("ideas:idea", args=[plain.pk])
    baseline = len(_data_queries(client, plain_url))
    before = _data_queries(client, url)
    with city_context(city):
        InitiativeFactory(group=w["group"], source_idea=w["idea"])
    after = _data_queries(client, url)
    assert len(before) == len(after) == baseline
    # Staff: the shared copy's box (as for a reader) and their own.
    assert sum("sponsors_" in q for q in after) == (2 if who == "city_admin" else 1)
    settings.PAGE_CACHE_SECONDS = 60
    warm = _data_queries(client, url)
    assert sum("sponsors_" in q for q in warm) == (1 if who == "city_admin" else 0)


def test_idea_page_for_the_author_costs_what_it_did(city, w):
    """The author of an accepted idea (offered the link) pays no more than
    the author of a published one (offered only the group choice)."""
    client = _client(w, "author", city)
    url = reverse("ideas:idea", args=[w["idea"].pk])
    accepted = _data_queries(client, url)
    assert CONVERT in client.get(url).content.decode()
    _set_status(city, w["idea"], IdeaStatus.PUBLISHED)
    published = _data_queries(client, url)
    assert len(accepted) == len(published), accepted


# --- admin ----------------------------------------------------------------------------------------


def test_idea_admin_links_accepted_ideas_to_the_conversion_page(city, w):
    staff = _client(w, "city_admin", city)
    with city_context(city):
        published = IdeaFactory(challenge=w["idea"].challenge)
    page = staff.get(f"/admin/ideas/idea/{w['idea'].pk}/change/").content.decode()
    assert f'href="{_convert_url(w["idea"])}"' in page
    page = staff.get(f"/admin/ideas/idea/{published.pk}/change/").content.decode()
    assert _convert_url(published) not in page


def test_ranking_page_links_accepted_ideas_to_the_conversion_page(city, other_city):
    from tests.evaluation.conftest import World
    from tests.evaluation.test_admin import submit_all

    world = World(city, other_city)
    submit_all(world)
    accepted, published = world.ideas[0], world.ideas[1]
    _set_status(city, accepted, IdeaStatus.ACCEPTED)
    url = f"/admin/evaluation/challengeevaluation/{world.settings.pk}/ranking/"
    response = world.client(world.admin).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{_convert_url(accepted)}"' in page
    assert _convert_url(published) not in page


@pytest.mark.parametrize(
    ("status", "who", "error", "code"),
    [
        (IdeaStatus.PUBLISHED, "author", Conflict, 409),
        (IdeaStatus.REJECTED, "city_admin", Conflict, 409),
        (IdeaStatus.ACCEPTED, "other_group_admin", NotAllowed, 403),
    ],
)
def test_page_and_service_refuse_with_the_same_error(city, w, status, who, error, code):
    """One rule (``rules.idea_conversion_refusal``): the conversion page and
    the service answer the same case with the same error and status code
    (the service used to call a not-accepted idea bad input, 400, where the
    page said conflict, 409)."""
    _set_status(city, w["idea"], status)
    group = w["other_group"] if who == "other_group_admin" else w["group"]
    with city_context(city), pytest.raises(error) as refused:
        services.initiative_create(
            group=group, by=w["people"][who], title="X", source_idea=w["idea"]
        )
    response = _client(w, who, city).post(_convert_url(w["idea"]), _form_data(w))
    assert response.status_code == code
    assert str(refused.value.message) in html.unescape(response.content.decode())
    assert _initiatives(city) == []
