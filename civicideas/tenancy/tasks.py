"""Celery tasks that run inside one city.

A task takes ids, never model instances, and its first argument is the city's
id; ``city_task`` enters ``city_context`` for it, so the ORM scope and the
row-level security setting are those of that city and nothing else::

    @city_task(name="ideas.reindex_idea")
    def reindex_idea(idea_id: int) -> None: ...

    reindex_idea.delay(city.pk, idea.pk)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from celery import shared_task

from civicideas.tenancy.context import city_context


def _load_city(city_id: int):
    from civicideas.tenancy.models import City  # City itself is not tenant-scoped

    return City.objects.get(pk=city_id)


def city_task(*task_args: Any, **task_kwargs: Any) -> Callable:
    """``shared_task`` whose body runs in ``city_context(City(city_id))``."""

    def decorator(func: Callable) -> Any:
        @wraps(func)
        def run_in_city(city_id: int, *args: Any, **kwargs: Any) -> Any:
            with city_context(_load_city(city_id)):
                return func(*args, **kwargs)

        return shared_task(*task_args, **task_kwargs)(run_in_city)

    return decorator
