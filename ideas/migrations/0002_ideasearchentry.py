"""The public search index of ideas, maintained by a trigger on ``ideas_idea``.

See ``ideas.models.IdeaSearchEntry`` and ``docs/search.md``. The trigger runs
as the invoking role, so row-level security applies to its writes: an idea's
entry is written in that idea's city's transaction.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

from civicideas.tenancy.rls import EnableCityRLS

# Frozen copy of ideas.status.PUBLIC_STATUSES as of this migration, passed to
# the trigger as its arguments. If PUBLIC_STATUSES changes, recreate the
# triggers in a new migration (tests/ideas/test_search_index.py fails until then).
PUBLIC_STATUSES = (
    "published",
    "under_evaluation",
    "accepted",
    "rejected",
    "duplicate",
    "in_progress",
    "implemented",
)
_ARGS = ", ".join(f"'{status}'" for status in PUBLIC_STATUSES)

TRIGGER_SQL = f"""
CREATE FUNCTION ideas_sync_search_entry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM ideas_ideasearchentry WHERE idea_id = OLD.id;
    ELSIF NEW.status = ANY (TG_ARGV) THEN
        INSERT INTO ideas_ideasearchentry (idea_id, city_id, challenge_id, title, search_vector)
        VALUES (NEW.id, NEW.city_id, NEW.challenge_id, NEW.title, NEW.search_vector)
        ON CONFLICT (idea_id) DO UPDATE SET
            city_id = EXCLUDED.city_id,
            challenge_id = EXCLUDED.challenge_id,
            title = EXCLUDED.title,
            search_vector = EXCLUDED.search_vector;
    ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM ideas_ideasearchentry WHERE idea_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ideas_search_entry_insert
AFTER INSERT ON ideas_idea
FOR EACH ROW EXECUTE FUNCTION ideas_sync_search_entry({_ARGS});

-- Counter updates (supports, comments, reports) touch none of these columns
-- and do not fire it; a save() that rewrites them unchanged is skipped by WHEN.
CREATE TRIGGER ideas_search_entry_update
AFTER UPDATE OF status, title, body, language, search_vector, challenge_id, city_id
ON ideas_idea
FOR EACH ROW
WHEN (
    OLD.status IS DISTINCT FROM NEW.status
    OR OLD.title IS DISTINCT FROM NEW.title
    OR OLD.search_vector IS DISTINCT FROM NEW.search_vector
    OR OLD.challenge_id IS DISTINCT FROM NEW.challenge_id
    OR OLD.city_id IS DISTINCT FROM NEW.city_id
)
EXECUTE FUNCTION ideas_sync_search_entry({_ARGS});

CREATE TRIGGER ideas_search_entry_delete
AFTER DELETE ON ideas_idea
FOR EACH ROW EXECUTE FUNCTION ideas_sync_search_entry({_ARGS});
"""  # noqa: S608 - only the constant statuses are interpolated

# Row-level security hides every idea without a city setting: the backfill
# reads and writes all cities for this transaction only. The setting stays on
# until the migration's transaction ends: Django adds the foreign keys after
# these statements, and validating them must see every city's ideas too.
BACKFILL_SQL = f"""
SELECT set_config('civicideas.all_cities', 'on', true);
INSERT INTO ideas_ideasearchentry (idea_id, city_id, challenge_id, title, search_vector)
SELECT id, city_id, challenge_id, title, search_vector FROM ideas_idea
WHERE status IN ({_ARGS});
ANALYZE ideas_ideasearchentry;
"""  # noqa: S608

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS ideas_search_entry_insert ON ideas_idea;
DROP TRIGGER IF EXISTS ideas_search_entry_update ON ideas_idea;
DROP TRIGGER IF EXISTS ideas_search_entry_delete ON ideas_idea;
DROP FUNCTION IF EXISTS ideas_sync_search_entry();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0001_initial"),
        ("tenancy", "0003_rls_policy_initplan"),
    ]

    operations = [
        migrations.CreateModel(
            name="IdeaSearchEntry",
            fields=[
                (
                    "idea",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="ideas.idea",
                    ),
                ),
                ("title", models.CharField(max_length=150)),
                ("search_vector", django.contrib.postgres.search.SearchVectorField(null=True)),
                (
                    "challenge",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="ideas.challenge",
                    ),
                ),
                (
                    "city",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="tenancy.city",
                        verbose_name="city",
                    ),
                ),
            ],
            options={
                "verbose_name": "search entry",
                "verbose_name_plural": "search entries",
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"], name="ideasearch_vector_idx"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["title"],
                        name="ideasearch_title_trgm_idx",
                        opclasses=["gin_trgm_ops"],
                    ),
                ],
            },
        ),
        EnableCityRLS("ideasearchentry", public_read=True),
        migrations.RunSQL(TRIGGER_SQL, reverse_sql=DROP_TRIGGER_SQL),
        migrations.RunSQL(BACKFILL_SQL, reverse_sql=migrations.RunSQL.noop),
    ]
