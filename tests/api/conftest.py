"""Fixtures for the API tests: JSON clients on a city's host, with a token
or a session, and a challenge open for ideas."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from civicideas.api.tokens import token_issue
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from tests.conftest import host_of, make_member
from tests.ideas.factories import ChallengeFactory


class ApiClient(Client):
    """A JSON client for one city host; ``token`` goes in Authorization."""

    def __init__(self, city: Any, token: str | None = None, **kwargs: Any) -> None:
        defaults: dict[str, Any] = {"HTTP_HOST": host_of(city)}
        if token:
            defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
        super().__init__(**defaults, **kwargs)

    def post_json(self, path: str, data: Any = None, **extra: Any):
        return self.post(path, json.dumps(data or {}), content_type="application/json", **extra)

    def patch_json(self, path: str, data: Any = None, **extra: Any):
        return self.patch(path, json.dumps(data or {}), content_type="application/json", **extra)


def token_for(user: Any, city: Any) -> str:
    with city_context(city):
        _token, raw = token_issue(user=user)
    return raw


@pytest.fixture
def ctx(city):
    with city_context(city):
        yield city


@pytest.fixture
def citizen(city):
    return make_member(city, Role.CITIZEN)


@pytest.fixture
def moderator(city):
    return make_member(city, Role.MODERATOR)


@pytest.fixture
def anon(city):
    return ApiClient(city)


@pytest.fixture
def citizen_api(city, citizen):
    return ApiClient(city, token_for(citizen, city))


@pytest.fixture
def challenge(city):
    with city_context(city):
        return ChallengeFactory(slug="greener", title="A greener Riverton")
