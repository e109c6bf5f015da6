"""Text that looks empty is empty (civicideas/text.py), in forms, admin forms,
API serializers and services; look-alike hostnames show in punycode."""

from __future__ import annotations

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from civicideas.content.markdown import render_markdown
from civicideas.errors import InvalidInput
from civicideas.tenancy import city_context
from civicideas.text import (
    VisibleCharField,
    ascii_hostname,
    ascii_urls,
    clean_text,
    is_blank,
    is_invisible_char,
)
from ideas.models import Comment, Idea, ModerationAction, StatusChange
from ideas.status import IdeaStatus
from sponsors.models import CommunityGroup, Sponsor
from sponsors.services import clean_website
from tests.api.world import World
from tests.conftest import client_for

REQUIRED = "This field is required."
# Zero-width space, word joiner, soft hyphen, BOM, Mongolian vowel separator,
# LRM/RLM and bidi embeddings/isolates, variation selectors, combining
# grapheme joiner, Hangul filler, Braille blank, tag characters, whitespace.
INVISIBLE = [
    "\u200b\u2060\u00ad",
    "\ufeff",
    "\u180e",
    "\u200e\u200f\u202a\u202c\u2066\u2069",
    "\ufe0f\ufe00",
    "\U000e0100",
    "\u034f",
    "\u3164",
    "\u2800",
    "\U000e0041\U000e007f",
    " \u3000\u00a0\t\n",
]


# --- the rule -------------------------------------------------------------------------


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_only_text_is_blank(text):
    assert is_blank(text)
    with pytest.raises(InvalidInput):
        clean_text(text, field="Title", max_length=100, required=True)
    assert clean_text(text, field="Summary", max_length=100, required=False) == ""


@given(st.text(alphabet=st.sampled_from("".join(INVISIBLE)), max_size=30))
def test_any_mix_of_invisible_characters_is_blank(text):
    assert is_blank(text)


@given(
    st.text(alphabet=st.sampled_from("".join(INVISIBLE)), max_size=10),
    st.characters(categories=["L", "N", "P", "S"]).filter(lambda c: not is_invisible_char(c)),
)
def test_one_visible_character_is_enough(padding, visible):
    assert not is_blank(padding + visible + padding)


def test_visible_text_keeps_its_inner_invisible_characters():
    # A joiner inside a word (emoji sequences, Indic scripts) is typed on purpose.
    text = "Bike\u200dlanes \U0001f468\u200d\U0001f469"
    assert clean_text(f"  {text} ", field="T", max_length=100, required=True) == text


def test_form_field_says_required_for_invisible_text():
    class TitleForm(forms.Form):
        title = VisibleCharField(max_length=50)
        summary = VisibleCharField(required=False)

    form = TitleForm({"title": "\u200b\u2060\u00ad", "summary": "\ufeff"})
    assert not form.is_valid()
    assert form.errors["title"] == [REQUIRED]
    form = TitleForm({"title": "Trees", "summary": "\ufeff"})
    assert form.is_valid() and form.cleaned_data["summary"] == ""


# --- every surface --------------------------------------------------------------------


@pytest.fixture
def world(city, other_city) -> World:
    return World(city, other_city)


@pytest.mark.django_db
def test_idea_form_refuses_an_invisible_title_and_body(world):
    client = client_for(world.users["citizen"], world.city)
    url = f"/challenges/{world.here.challenge.slug}/submit/"
    response = client.post(url, {"title": "\u200b\u2060\u00ad", "body": "\ufeff\u180e"})
    assert response.status_code in (200, 400)
    form = response.context["form"]
    assert form.errors["title"] == [REQUIRED]
    assert form.errors["body"] == [REQUIRED]
    with city_context(world.city):
        assert Idea.objects.count() == 2


@pytest.mark.django_db
def test_comment_form_refuses_an_invisible_comment(world):
    client = client_for(world.users["citizen"], world.city)
    response = client.post(f"/ideas/{world.here.idea.pk}/comments/", {"body": "\u2060\u200e"})
    assert response.status_code == 400
    with city_context(world.city):
        assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_display_name_cannot_be_invisible(world):
    client = client_for(world.users["citizen"], world.city)
    response = client.post(
        "/me/profile/", {"display_name": "\u3164\u200b", "preferred_language": "en"}
    )
    assert response.context["form"].errors["display_name"] == [REQUIRED]


@pytest.mark.django_db
def test_group_and_sponsor_names_cannot_be_invisible(world):
    client = client_for(world.users["citizen"], world.city)
    response = client.post("/groups/new/", {"name": "\u2800", "description": "We plant trees"})
    assert response.context["form"].errors["name"] == [REQUIRED]
    response = client.post(
        "/sponsors/new/",
        {"name": "\u200b", "kind": "company", "contact_email": "a@example.org"},
    )
    assert response.context["form"].errors["name"] == [REQUIRED]
    with city_context(world.city):
        assert CommunityGroup.objects.count() == 1
        assert Sponsor.objects.count() == 1


@pytest.mark.django_db
def test_official_answer_message_cannot_be_invisible(world):
    client = client_for(world.users["admin"], world.city)
    with city_context(world.city):
        before = StatusChange.objects.count()
    response = client.post(
        f"/admin/ideas/idea/{world.here.idea.pk}/status/",
        {"answer-status": IdeaStatus.UNDER_EVALUATION, "answer-message": "\u200b\ufeff"},
    )
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["message"] == [REQUIRED]
    with city_context(world.city):
        assert StatusChange.objects.count() == before


@pytest.mark.django_db
def test_moderation_reason_cannot_be_invisible(world):
    client = client_for(world.users["admin"], world.city)
    client.post(
        "/admin/ideas/idea/moderation/",
        {"row_action": f"hide:idea:{world.here.idea.pk}", "reason": "\u200b\u2060"},
    )
    with city_context(world.city):
        assert Idea.objects.get(pk=world.here.idea.pk).status != IdeaStatus.HIDDEN
        assert not ModerationAction.objects.filter(action="hide").exists()


@pytest.mark.django_db
def test_admin_model_forms_treat_invisible_text_as_empty(world):
    client = client_for(world.users["admin"], world.city)
    response = client.post(
        "/admin/ideas/category/add/", {"name": "\u200b\u2060\u00ad", "slug": "trees"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [REQUIRED]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path", "body", "field"),
    [
        ("citizen", "/api/v1/ideas/", {"title": "\u200b\u2060\u00ad", "body": "B"}, "title"),
        ("citizen", "/api/v1/reports/", {"reason": "\ufeff\u180e"}, "reason"),
        ("citizen", "/api/v1/groups/", {"name": "\u2800\u200b"}, "name"),
        ("group_admin", "/api/v1/initiatives/", {"title": "\u200e\u200f"}, "title"),
    ],
)
def test_api_refuses_invisible_text(world, role, path, body, field):
    ids = world.ids(world.here)
    data = {"challenge": ids["challenge"], "idea": ids["idea"], "group": ids["group"], **body}
    response = world.client(role).post_json(path, data)
    assert response.status_code == 400
    assert field in response.content.decode()


@pytest.mark.django_db
def test_api_comment_cannot_be_invisible(world):
    response = world.client("citizen").post_json(
        f"/api/v1/ideas/{world.here.idea.pk}/comments/", {"body": "\u2060\u034f"}
    )
    assert response.status_code == 400
    with city_context(world.city):
        assert Comment.objects.count() == 1


# --- look-alike hostnames -------------------------------------------------------------

CYRILLIC_I = "\u0456"


def test_markdown_links_to_look_alike_hosts_show_punycode():
    html = str(render_markdown(f"[our city](https://r{CYRILLIC_I}verton.localhost/vote)"))
    assert 'href="https://xn--rverton-rog.localhost/vote"' in html
    auto = str(render_markdown(f"<https://r{CYRILLIC_I}verton.localhost/>"))
    assert CYRILLIC_I not in auto
    assert auto.count("xn--rverton-rog.localhost") == 2  # target and visible text


def test_ascii_links_are_unchanged():
    html = str(render_markdown("[city](https://riverton.localhost/a?b=1)"))
    assert 'href="https://riverton.localhost/a?b=1"' in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://r{CYRILLIC_I}verton.be/", "https://xn--rverton-rog.be/"),
        ("http://user@\u4f8b\u3048.jp:8080/x", "http://user@xn--r8jz45g.jp:8080/x"),
        ("https://example.org/caf\u00e9", "https://example.org/caf\u00e9"),  # path untouched
    ],
)
def test_ascii_urls(url, expected):
    assert ascii_urls(url) == expected


def test_hostnames_idna_refuses_still_become_ascii():
    assert ascii_hostname("a" * 70 + "\u00e9.example").isascii()


def test_sponsor_website_is_stored_with_an_ascii_hostname():
    assert (
        clean_website(f"https://r{CYRILLIC_I}verton.be/help") == "https://xn--rverton-rog.be/help"
    )


def test_control_characters_are_an_error_not_empty():
    # NUL is refused by the field's own validator (400), never silently blank.
    assert not is_blank("\x00")
    form_field = VisibleCharField(required=False)
    with pytest.raises(forms.ValidationError):
        form_field.clean("\x00")
