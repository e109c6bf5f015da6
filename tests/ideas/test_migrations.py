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


def test_link_tables_are_adopted_in_place_with_their_rows_and_city():
    """ideas.0005 and sponsors.0003 add ``city_id`` to the five many-to-many
    tables that had none: existing links keep their rows and get their
    owner's city; a link between two cities (only a bug could have written
    one) is dropped instead of failing the deployment."""
    before = [("ideas", "0004_challenge_follows"), ("sponsors", "0002_initiative_one_per_idea")]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('civicideas.all_cities', 'on', false)")
            cities = []
            for slug in ("old", "other"):
                cursor.execute(
                    "INSERT INTO tenancy_city (slug, name, country, languages, "
                    "default_language, time_zone, colour, logo, contact_email, is_active, "
                    "created_at) VALUES (%s, 'Old', 'BE', '{en}', 'en', 'UTC', '#1d4e89', '', "
                    "'', true, now()) RETURNING id",
                    [slug],
                )
                cities.append(cursor.fetchone()[0])
            categories = []
            for city_id in cities:
                cursor.execute(
                    "INSERT INTO ideas_category (city_id, name, slug) VALUES (%s, 'C', 'c') "
                    "RETURNING id",
                    [city_id],
                )
                categories.append(cursor.fetchone()[0])
            cursor.execute(
                "INSERT INTO ideas_challenge (city_id, title, slug, summary, description, phase, "
                "premoderation, supports_enabled, report_hide_threshold, "
                "require_verified_email, created_at) VALUES (%s, 'C', 'c', '', '', 'ideas', "
                "false, true, 3, true, now()) RETURNING id",
                [cities[0]],
            )
            challenge_id = cursor.fetchone()[0]
            for category_id in categories:  # its own city's, and (a bug) the other's
                cursor.execute(
                    "INSERT INTO ideas_challenge_categories (challenge_id, category_id) "
                    "VALUES (%s, %s)",
                    [challenge_id, category_id],
                )
            cursor.execute("SELECT set_config('civicideas.all_cities', '', false)")
        _migrate(latest)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('civicideas.all_cities', 'on', false)")
            cursor.execute(
                "SELECT city_id, challenge_id, category_id FROM ideas_challenge_categories"
            )
            assert cursor.fetchall() == [(cities[0], challenge_id, categories[0])]
            cursor.execute(
                "SELECT conname FROM pg_constraint "
                "WHERE conrelid = 'ideas_challenge_categories'::regclass AND contype = 'u'"
            )
            assert cursor.fetchall() == [("challenge_category_once",)]
    finally:
        _migrate(latest)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('civicideas.all_cities', '', false)")


def test_existing_comments_take_their_ideas_language():
    """ideas.0007 adds ``Comment.language``: comments written before it take
    their idea's language (row-level security must not hide them from the copy)."""
    before = [("ideas", "0006_challenge_idea_comment_lock_version")]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('civicideas.all_cities', 'on', false)")
            cursor.execute(
                "INSERT INTO tenancy_city (slug, name, country, languages, default_language, "
                "time_zone, colour, logo, contact_email, is_active, created_at) VALUES "
                "('old', 'Old', 'BE', '{en,fr}', 'en', 'UTC', '#1d4e89', '', '', true, now()) "
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
            comments = {}
            for language in ("en", "fr"):
                cursor.execute(
                    "INSERT INTO ideas_idea (city_id, challenge_id, author_id, title, body, "
                    "language, status, status_before_hidden, hidden_reason, support_count, "
                    "comment_count, report_count, shuffle_key, created_at, updated_at) VALUES "
                    "(%s, %s, %s, 'Idea', 'Body', %s, 'published', '', '', 0, 1, 0, 1, now(), "
                    "now()) RETURNING id",
                    [city_id, challenge_id, user_id, language],
                )
                idea_id = cursor.fetchone()[0]
                cursor.execute(
                    "INSERT INTO ideas_comment (city_id, idea_id, author_id, body, state, "
                    "hidden_reason, report_count, created_at) VALUES "
                    "(%s, %s, %s, 'Hi', 'visible', '', 0, now()) RETURNING id",
                    [city_id, idea_id, user_id],
                )
                comments[cursor.fetchone()[0]] = language
            cursor.execute("SELECT set_config('civicideas.all_cities', '', false)")
        _migrate(latest)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('civicideas.all_cities', 'on', false)")
            cursor.execute("SELECT id, language FROM ideas_comment")
            assert dict(cursor.fetchall()) == comments
            cursor.execute(
                "SELECT is_nullable FROM information_schema.columns "
                "WHERE table_name = 'ideas_comment' AND column_name = 'language'"
            )
            assert cursor.fetchone() == ("NO",)
    finally:
        _migrate(latest)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('civicideas.all_cities', '', false)")
