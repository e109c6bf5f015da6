"""Partial indexes on the public statuses for the public lists' orders.

The lists filter ``status IN (PUBLIC_STATUSES)``; the old
``(challenge, status, ...)`` indexes could not return that in order, so each
page sorted every idea of the challenge (docs/performance.md). The status
list is frozen here: if ``PUBLIC_STATUSES`` changes, makemigrations writes a
new migration (``Idea.Meta.indexes`` computes the condition from it).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0002_ideasearchentry"),
        ("tenancy", "0003_rls_policy_initplan"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="idea",
            name="idea_newest_idx",
        ),
        migrations.RemoveIndex(
            model_name="idea",
            name="idea_supported_idx",
        ),
        migrations.RemoveIndex(
            model_name="idea",
            name="idea_discussed_idx",
        ),
        migrations.RemoveIndex(
            model_name="idea",
            name="idea_shuffle_idx",
        ),
        migrations.AddIndex(
            model_name="idea",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "accepted",
                            "duplicate",
                            "implemented",
                            "in_progress",
                            "published",
                            "rejected",
                            "under_evaluation",
                        ],
                    )
                ),
                fields=["challenge", "-created_at", "-id"],
                include=("city", "category", "district"),
                name="idea_public_newest_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="idea",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "accepted",
                            "duplicate",
                            "implemented",
                            "in_progress",
                            "published",
                            "rejected",
                            "under_evaluation",
                        ],
                    )
                ),
                fields=["challenge", "-support_count", "-created_at", "-id"],
                include=("city", "category", "district"),
                name="idea_public_supported_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="idea",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "accepted",
                            "duplicate",
                            "implemented",
                            "in_progress",
                            "published",
                            "rejected",
                            "under_evaluation",
                        ],
                    )
                ),
                fields=["challenge", "-comment_count", "-created_at", "-id"],
                include=("city", "category", "district"),
                name="idea_public_discussed_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="idea",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "accepted",
                            "duplicate",
                            "implemented",
                            "in_progress",
                            "published",
                            "rejected",
                            "under_evaluation",
                        ],
                    )
                ),
                fields=["challenge", "shuffle_key", "id"],
                include=("city", "category", "district"),
                name="idea_public_shuffle_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="idea",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "accepted",
                            "duplicate",
                            "implemented",
                            "in_progress",
                            "published",
                            "rejected",
                            "under_evaluation",
                        ],
                    )
                ),
                fields=["city", "-support_count", "-id"],
                name="idea_city_supported_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="idea",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "accepted",
                            "duplicate",
                            "implemented",
                            "in_progress",
                            "published",
                            "rejected",
                            "under_evaluation",
                        ],
                    )
                ),
                fields=["city", "-published_at", "-id"],
                name="idea_city_published_idx",
            ),
        ),
    ]
