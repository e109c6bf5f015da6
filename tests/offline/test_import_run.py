"""Bulk import: the real import (task), its idempotency and its undo."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from civicideas.errors import InvalidInput, NotAllowed
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas import tasks
from ideas.models import Channel, Idea, IdeaInvitation, ImportedIdea, ImportStatus
from ideas.services import import_run, imports
from ideas.status import IdeaStatus
from tests.conftest import make_member
from tests.ideas.factories import CategoryFactory, ChallengeFactory, CommentFactory, SupportFactory
from tests.offline.test_import_files import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = (
    "A bench,By the river,Parks,,,yes",
    "More trees,Along the avenue,,,,yes",
    "=cmd|' /C calc'!A0,A formula-looking title,,,,yes",
    "No consent,Text,,,,no",
    "Claim me,Text,,,someone@example.org,yes",
)


@pytest.fixture
def challenge(city):
    with city_context(city):
        CategoryFactory(name="Parks", slug="parks")
        return ChallengeFactory(slug="green", title="A greener Riverton")


@pytest.fixture
def moderator(city):
    return make_member(city, Role.MODERATOR)


def prepared(city, moderator, challenge, data=None):
    with city_context(city):
        batch = imports.import_batch_upload(
            by=moderator,
            challenge=challenge,
            channel=Channel.WORKSHOP,
            channel_date=timezone.localdate() - timedelta(days=1),
            language="en",
            file_name="workshop.csv",
            data=data or csv_bytes(*ROWS),
        )
        batch = imports.import_batch_check(batch=batch, by=moderator, mapping=batch.mapping)
        return imports.import_batch_start(batch=batch, by=moderator)


def run_task(city, batch):
    tasks.import_batch.apply(args=[city.pk, batch.pk], throw=True)
    with city_context(city):
        batch.refresh_from_db()
    return batch


def test_import_creates_ideas_through_the_submission_service(city, moderator, challenge):
    batch = run_task(city, prepared(city, moderator, challenge))
    assert batch.status == ImportStatus.DONE
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (4, 0, 1)
    assert batch.errors[0]["number"] == 5
    assert batch.rows == []  # the file's cells (e-mail addresses) are not kept
    with city_context(city):
        ideas = list(Idea.objects.order_by("pk"))
        assert len(ideas) == 4
        for idea in ideas:
            assert idea.channel == Channel.WORKSHOP
            assert idea.entered_by_id == moderator.pk
            assert idea.author_id is None
            assert idea.status == IdeaStatus.PUBLISHED
            assert idea.search_vector is not None
            assert "workshop" in idea.provenance
        assert ideas[0].category.slug == "parks"
        # Stored as typed, never evaluated.
        assert ideas[2].title == "=cmd|' /C calc'!A0"
        invitation = IdeaInvitation.objects.get()
        assert invitation.email == "someone@example.org"
        assert ImportedIdea.objects.filter(batch=batch).count() == 4


def test_same_file_again_creates_nothing_twice(city, moderator, challenge):
    run_task(city, prepared(city, moderator, challenge))
    second = prepared(city, moderator, challenge)
    assert sum(r["already_imported"] for r in second.report) == 4
    second = run_task(city, second)
    assert (second.created_count, second.skipped_count) == (0, 4)
    with city_context(city):
        assert Idea.objects.count() == 4


def test_the_task_run_twice_imports_once(city, moderator, challenge):
    batch = prepared(city, moderator, challenge)
    run_task(city, batch)
    batch = run_task(city, batch)  # a redelivered message
    assert batch.created_count == 4
    with city_context(city):
        assert Idea.objects.count() == 4


def test_chunks_resume_where_the_last_stopped(city, moderator, challenge):
    batch = prepared(city, moderator, challenge)
    with city_context(city):
        assert import_run.import_batch_run(batch_id=batch.pk, limit=2) is True
        batch.refresh_from_db()
        assert (batch.status, batch.processed) == (ImportStatus.RUNNING, 2)
        assert import_run.import_batch_run(batch_id=batch.pk, limit=2) is True
        assert import_run.import_batch_run(batch_id=batch.pk, limit=2) is False
        batch.refresh_from_db()
        assert batch.status == ImportStatus.DONE
        assert Idea.objects.count() == 4


def test_duplicate_rows_in_one_file_import_once(city, moderator, challenge):
    data = csv_bytes("Same,Row,,,,yes", "Same,Row,,,,yes", "Same,Row,,,,yes")
    batch = prepared(city, moderator, challenge, data)
    with city_context(city):
        import_run.import_batch_run(batch_id=batch.pk, limit=1)
        import_run.import_batch_run(batch_id=batch.pk, limit=None)
        assert Idea.objects.count() == 1


def test_import_needs_a_dry_run_first(city, moderator, challenge):
    with city_context(city):
        batch = imports.import_batch_upload(
            by=moderator,
            challenge=challenge,
            channel=Channel.PAPER,
            channel_date=timezone.localdate(),
            language="en",
            file_name="a.csv",
            data=csv_bytes(*ROWS),
        )
        with pytest.raises(InvalidInput):
            imports.import_batch_start(batch=batch, by=moderator)


def test_citizen_and_evaluator_cannot_use_the_services(city, moderator, challenge):
    batch = prepared(city, moderator, challenge)
    for role in (Role.CITIZEN, Role.EVALUATOR):
        person = make_member(city, role)
        with city_context(city):
            with pytest.raises(NotAllowed):
                imports.import_batch_upload(
                    by=person,
                    challenge=challenge,
                    channel=Channel.PAPER,
                    channel_date=timezone.localdate(),
                    language="en",
                    file_name="a.csv",
                    data=csv_bytes(*ROWS),
                )
            with pytest.raises(NotAllowed):
                imports.import_batch_undo(batch=batch, by=person)


# --- undo --------------------------------------------------------------------


def test_undo_withdraws_the_created_ideas_and_allows_a_new_import(city, moderator, challenge):
    batch = run_task(city, prepared(city, moderator, challenge))
    with city_context(city):
        assert imports.import_batch_undo(batch=batch, by=moderator) == 4
        assert set(Idea.objects.values_list("status", flat=True)) == {IdeaStatus.WITHDRAWN}
        assert Idea.objects.public().count() == 0
        batch.refresh_from_db()
        assert batch.status == ImportStatus.UNDONE
        with pytest.raises(NotAllowed):
            imports.import_batch_undo(batch=batch, by=moderator)
    again = run_task(city, prepared(city, moderator, challenge))
    assert again.created_count == 4


def test_undo_refused_after_24_hours(city, moderator, challenge):
    batch = run_task(city, prepared(city, moderator, challenge))
    later = timezone.now() + timedelta(hours=24, minutes=1)
    with (
        time_machine.travel(later),
        city_context(city),
        pytest.raises(NotAllowed, match="24 hours"),
    ):
        imports.import_batch_undo(batch=batch, by=moderator)
    with city_context(city):
        assert Idea.objects.public().count() == 4


def test_undo_refused_once_an_idea_has_a_support_or_comment(city, moderator, challenge):
    batch = run_task(city, prepared(city, moderator, challenge))
    with city_context(city):
        idea = Idea.objects.order_by("pk").first()
        SupportFactory(idea=idea)
        with pytest.raises(NotAllowed, match="supports"):
            imports.import_batch_undo(batch=batch, by=moderator)
        idea.supports.all().delete()
        CommentFactory(idea=idea)
        with pytest.raises(NotAllowed, match="comments"):
            imports.import_batch_undo(batch=batch, by=moderator)
        assert Idea.objects.public().count() == 4


def test_imported_formula_title_is_escaped_in_the_open_data_csv(city, moderator, challenge):
    from civicideas.api import opendata

    run_task(city, prepared(city, moderator, challenge))
    text = "".join(opendata.stream_csv(city, opendata.DATASETS["ideas"]))
    assert "'=cmd|' /C calc'!A0" in text
    assert "\n=cmd" not in text and ",=cmd" not in text


def test_an_unexpected_error_marks_the_batch_failed(city, moderator, challenge, monkeypatch):
    batch = prepared(city, moderator, challenge)

    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(import_run, "idea_submit", broken)
    batch = run_task(city, batch)
    assert batch.status == ImportStatus.FAILED
    assert batch.processed == 0
    with city_context(city):
        assert Idea.objects.count() == 0
        assert ImportedIdea.objects.count() == 0
