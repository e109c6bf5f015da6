"""Migrations that move data must work on a database that already has data."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_search_index_backfill_runs_over_existing_ideas_of_every_city():
    """ideas.0002 once failed on a populated database: its foreign keys were
    validated after the backfill had switched cross-city access off again."""
    before = [("ideas", "0001_initial")]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('civicideas.all_cities', 'on', false)")
            cursor.execute(
                "INSERT INTO tenancy_city (slug, name, country, languages, default_language, "
                "time_zone, colour, logo, contact_email, is_active, created_at) VALUES "
                "('old', 'Old', 'BE', '{en}', 'en', 'UTC', '#1d4e89', '', '', true, now()) "
                "RETURNING id"
            )
            city_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO accounts_user (email, password, is_active, is_superuser, "
                "date_joined) VALUES ('old@example.org', '!', true, false, now()) RETURNING id"
            )
            user_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO ideas_challenge (city_id, title, slug, summary, description, phase, "
                "premoderation, supports_enabled, report_hide_threshold, "
                "require_verified_email, created_at) VALUES (%s, 'C', 'c', '', '', 'ideas', "
                "false, true, 3, true, now()) RETURNING id",
                [city_id],
            )
            challenge_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO ideas_idea (city_id, challenge_id, author_id, title, body, language, "
                "status, status_before_hidden, hidden_reason, support_count, comment_count, "
                "report_count, shuffle_key, created_at, updated_at) VALUES "
                "(%s, %s, %s, 'Old idea', 'Body', 'en', 'published', '', '', 0, 0, 0, 1, now(), "
                "now())",
                [city_id, challenge_id, user_id],
            )
            cursor.execute("SELECT set_config('civicideas.all_cities', '', false)")
        _migrate(latest)
        with connection.cursor() as cursor:
            cursor.execute("SELECT title FROM ideas_ideasearchentry")
            assert cursor.fetchall() == [("Old idea",)]
    finally:
        _migrate(latest)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('civicideas.all_cities', '', false)")
