"""Background match recomputation. Thin: each task enters the city
(``city_task``) and calls ``sponsors.matching``; all are idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from civicideas.tenancy.context import current_city
from civicideas.tenancy.tasks import city_task, for_each_active_city
from sponsors import matching


@city_task(name="sponsors.recompute_initiative_matches")
def recompute_initiative_matches(initiative_id: int) -> int:
    """After an initiative or one of its needs changed."""
    return matching.recompute_initiative(initiative_id)


@city_task(name="sponsors.recompute_sponsor_matches")
def recompute_sponsor_matches(sponsor_id: int) -> int:
    """After a sponsor's profile changed."""
    return matching.recompute_sponsor(sponsor_id)


@city_task(name="sponsors.recompute_sponsor_batch")
def recompute_sponsor_batch(sponsor_ids: list[int]) -> int:
    """One batch of a city's nightly recompute, in its own transaction."""
    return matching.recompute_sponsors(sponsor_ids)


@city_task(name="sponsors.recompute_city_matches")
def recompute_city_matches(batch_size: int = matching.BATCH_SIZE) -> int:
    """Drop the matches of initiatives that stopped seeking support, then
    queue one ``recompute_sponsor_batch`` per batch of sponsors (after
    commit), so the batches spread over the workers. Returns the number of
    batches queued."""
    city_id = current_city().pk
    batches = matching.prune_and_batch(batch_size=batch_size)

    def send() -> None:
        for batch in batches:
            recompute_sponsor_batch.delay(city_id, batch)

    transaction.on_commit(send)
    return len(batches)


@shared_task(name="sponsors.nightly_recompute")
def nightly_recompute() -> int:
    """Celery beat, nightly: queue every city's full recompute. The
    incremental recomputes keep matches fresh during the day; this catches
    up on what they cannot see (deadlines coming closer, a lost message)."""
    return for_each_active_city(recompute_city_matches)
