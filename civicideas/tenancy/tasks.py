"""Celery tasks that run inside one city.

A task takes ids, never model instances, and its first argument is the city's
id; ``city_task`` enters ``city_context`` for it, so the ORM scope and the
row-level security setting are those of that city and nothing else::

    @city_task(name="ideas.reindex_idea")
    def reindex_idea(idea_id: int) -> None: ...

    reindex_idea.delay(city.pk, idea.pk)

The body runs in one database transaction (that is what makes the RLS setting
hold), so ``transaction.on_commit`` callbacks fire when the task succeeds and
an exception rolls back everything the task wrote. Because tasks are
acknowledged late, a task may run twice after a worker crash: make the body
idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from celery import current_task, shared_task

from civicideas.tenancy.context import city_context

if TYPE_CHECKING:
    from civicideas.tenancy.models import City


class UnknownCity(LookupError):
    """The task names a city id that does not exist (deleted since it was queued).

    Retrying cannot help, so the task fails at once with this error instead of
    running outside any city.
    """


def _load_city(city_id: int) -> City:
    from civicideas.tenancy.models import City  # City itself is not tenant-scoped

    try:
        return City.objects.get(pk=city_id)
    except (City.DoesNotExist, ValueError, TypeError) as exc:
        raise UnknownCity(f"No city with id {city_id!r}; the task was not run.") from exc


def _note_city(city: City) -> None:
    """Leave the city's slug on the running task's request, for the line
    ``civicideas.ops.task_log`` writes when the task ends (after the city
    context has been left)."""
    task = current_task
    if task and task.request is not None:
        # The request is celery's open bag of attributes; the stubs list its own.
        task.request.city_slug = city.slug  # type: ignore[attr-defined]


def city_task(*task_args: Any, **task_kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """``shared_task`` whose body runs in ``city_context(City(city_id))``.

    The decorated function does not receive the city: it reads it with
    ``current_city()`` if it needs it, exactly like request code does. Name the
    task explicitly (``name=``) so renaming the module does not strand queued
    messages.
    """

    def decorator(func: Callable[..., Any]) -> Any:
        @wraps(func)
        def run_in_city(city_id: int, *args: Any, **kwargs: Any) -> Any:
            city = _load_city(city_id)
            _note_city(city)
            with city_context(city):
                return func(*args, **kwargs)

        # wraps() copies __wrapped__, but Celery builds the call signature it
        # checks in .delay() with getfullargspec, which ignores __wrapped__, so
        # the checked signature correctly starts with city_id.
        return shared_task(*task_args, **task_kwargs)(run_in_city)

    return decorator


def for_each_active_city(task: Any, *args: Any) -> int:
    """Queue ``task`` (a ``city_task``) once per active city, by city id, with
    ``args`` after the id; return how many cities were queued.

    The one fan-out of the beat tasks: a beat message names no city, so it
    only lists the active cities and queues each city's own run, which enters
    that city. A deactivated city is skipped; a new one is picked up by the
    next beat."""
    from civicideas.tenancy.models import City  # City itself is not tenant-scoped

    city_ids = list(City.objects.active().order_by("pk").values_list("pk", flat=True))
    for city_id in city_ids:
        task.delay(city_id, *args)
    return len(city_ids)
