"""The initiative list's shared fragments (sponsors.fragments and the filter
form, civicideas.web.fragment_cache): everyone sees their own list, and a
change to an initiative shows on the next view.

People view the same page in turn (so the second is served the first one's
cached fragments), in every language of the city.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from civicideas.tenancy import city_context
from sponsors.models import Initiative, InitiativeStatus, SponsorMatch
from tests.conftest import client_for, host_of, make_member
from tests.ideas.factories import CategoryFactory
from tests.sponsors.factories import (
    GroupFactory,
    GroupMembershipFactory,
    InitiativeFactory,
    NeedFactory,
    SponsorFactory,
    SponsorMembershipFactory,
    refresh,
)

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fr", "nl")
URL = reverse("sponsors:initiatives")
MATCH = '<option value="match"'


def _page(client: Client, language: str, params: dict[str, str] | None = None) -> str:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.get(URL, params or {})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html[:300]
    return html


def _order(html: str, *titles: str) -> list[str]:
    return sorted(titles, key=html.index)


@pytest.fixture
def world(city):
    """Two initiatives, two sponsors that rank them the other way round,
    a group member and their clients (and an anonymous one)."""
    with city_context(city):
        group = GroupFactory()
        river = InitiativeFactory(group=group, title="River garden")
        school = InitiativeFactory(group=group, title="School roof")
        for initiative in (river, school):
            NeedFactory(initiative=initiative, quantity=Decimal("1000"))
            refresh(initiative)
        ann_sponsor, ben_sponsor = SponsorFactory(), SponsorFactory()
    ann, ben, member = make_member(city), make_member(city), make_member(city)
    with city_context(city):
        SponsorMembershipFactory(sponsor=ann_sponsor, user=ann)
        SponsorMembershipFactory(sponsor=ben_sponsor, user=ben)
        GroupMembershipFactory(group=group, user=member)
        now = timezone.now()
        for sponsor, scores in ((ann_sponsor, (0.9, 0.1)), (ben_sponsor, (0.1, 0.9))):
            for initiative, score in zip((river, school), scores, strict=True):
                SponsorMatch.objects.create(
                    city=city,
                    sponsor=sponsor,
                    initiative=initiative,
                    score=score,
                    computed_at=now,
                )
    return {
        "river": river,
        "school": school,
        "clients": {
            "ann": client_for(ann, city),
            "ben": client_for(ben, city),
            "member": client_for(member, city),
            "anonymous": Client(HTTP_HOST=host_of(city)),
        },
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_viewer_sees_their_own_best_match(world, language):
    with translation.override(language):
        open_needs = translation.ngettext("%(counter)s open need", "%(counter)s open needs", 1) % {
            "counter": 1
        }
        dashboard = translation.gettext("Your sponsor dashboard")
        become = translation.gettext("Become a sponsor")
    first = {"ann": "River garden", "ben": "School roof"}
    # Twice round: the second round is served from the fragments the first stored.
    for _ in range(2):
        for name, client in world["clients"].items():
            html = _page(client, language, {"sort": "match"})
            assert "River garden" in html and "School roof" in html
            assert open_needs in html
            is_sponsor = name in first
            # "Best match" is offered to sponsors only, and they get their own order.
            assert (MATCH in html) == is_sponsor
            assert (dashboard in html) == is_sponsor and (become in html) != is_sponsor
            if is_sponsor:
                assert _order(html, "River garden", "School roof")[0] == first[name]
                assert re.search(r'<option value="match" selected', html)


def test_another_citys_list_shows_its_own_cards(city, other_city, world):
    _page(world["clients"]["anonymous"], "en")
    with city_context(other_city):
        InitiativeFactory(title="Harbour clean-up")
    html = _page(Client(HTTP_HOST=host_of(other_city)), "en")
    assert "Harbour clean-up" in html
    assert "River garden" not in html and "School roof" not in html


def test_changes_show_on_the_next_view(city, world):
    """Each change on its own, each seen on the next view (a key missing one
    of the card's values would serve the card as it was)."""
    client = world["clients"]["anonymous"]
    river = world["river"]
    html = _page(client, "en")
    assert "1 open need" in html and "Completed: no longer seeking support." not in html
    with city_context(city):
        Initiative.objects.filter(pk=river.pk).update(title="Riverside orchard")
    html = _page(client, "en")
    assert "Riverside orchard" in html and "River garden" not in html
    with city_context(city):
        NeedFactory(initiative=river, quantity=Decimal("50"))
        refresh(river)
    assert "2 open needs" in _page(client, "en")
    with city_context(city):
        Initiative.objects.filter(pk=world["school"].pk).update(status=InitiativeStatus.COMPLETED)
    assert "Completed: no longer seeking support." in _page(client, "en")
    with city_context(city):
        Initiative.objects.filter(pk=river.pk).update(summary="Apples for everyone")
    assert "Apples for everyone" in _page(client, "en")
    with city_context(city):
        category = CategoryFactory(name="Parks")
        river.categories.add(category)
    assert "Parks" in _page(client, "en")
    with city_context(city):
        type(category).objects.filter(pk=category.pk).update(name="Green parks")
    assert "Green parks" in _page(client, "en")


def test_filter_form_follows_the_parameters_and_choices(city, world):
    client = world["clients"]["ann"]
    html = _page(client, "en", {"q": "garden"})
    assert 'value="garden"' in html
    html = _page(client, "en", {"q": "roof"})
    assert 'value="roof"' in html and 'value="garden"' not in html
    with city_context(city):
        CategoryFactory(name="Playgrounds")
    html = _page(client, "en", {"q": "roof"})
    assert "Playgrounds" in html
    # A hostile parameter is a form value like any other, never a 500.
    html = _page(client, "en", {"category": "<script>", "sort": "nope"})
    assert "<script>" not in html
