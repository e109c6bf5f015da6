"""Checks that an object rule and its queryset twin agree.

A rule (``can_view_x(user, obj)``) decides one object; its twin
(``x_visible_to(user)``) decides a list. Were they to drift apart, a list
would show what the detail page refuses, or hide what it shows (adhocracy4
carries a FIXME where they did). ``disagreements`` walks every person of a
role matrix against every object and returns each pair where they differ,
so a failing test names all of them at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet


def fresh(user: Any) -> Any:
    """The person as a request would see them: read again, so no role or
    membership memoised while the world was being built leaks into a check."""
    if user is None or isinstance(user, AnonymousUser):
        return AnonymousUser()
    return get_user_model().objects.get(pk=user.pk)


def disagreements(
    people: Mapping[str, Any],
    objects: Mapping[str, Model],
    rule: Callable[[Any, Any], bool],
    twin: Callable[[Any], QuerySet],
) -> list[tuple[str, str, bool, bool]]:
    """``(role, object label, rule says, twin says)`` for every pair where
    ``rule(user, obj)`` is not ``obj in twin(user)``. One query per person
    for the twin; the rule reads the object as loaded."""
    found = []
    for role, person in people.items():
        user = fresh(person)
        listed = set(twin(user).values_list("pk", flat=True))
        for label, obj in objects.items():
            allowed = bool(rule(user, obj))
            if allowed != (obj.pk in listed):
                found.append((role, label, allowed, obj.pk in listed))
    return found


def leaks(
    people: Mapping[str, Any], foreign: Iterable[Model], twin: Callable[[Any], QuerySet]
) -> list[tuple[str, int]]:
    """``(role, pk)`` for every row of another city a twin lists."""
    foreign_ids = {obj.pk for obj in foreign}
    found = []
    for role, person in people.items():
        listed = set(twin(fresh(person)).values_list("pk", flat=True))
        found += [(role, pk) for pk in sorted(listed & foreign_ids)]
    return found
