"""A challenge's categories and districts become city links (issue 21, §6).

Django's auto-created tables ``ideas_challenge_categories`` and
``ideas_challenge_districts`` had no ``city_id`` and no row-level security.
They are adopted in place (same names, same rows, so raw SQL that joins them
keeps working): each gets ``city_id`` copied from its challenge, the city
policy, a trigger that fills the city of new rows, and foreign keys that
refuse a link to another city's category or district
(``civicideas.tenancy.models.CityLink``).
"""

import django.db.models.deletion
from django.db import migrations, models

from civicideas.tenancy.rls import EnableCityLink, EnableCityRLS


def adopt_sql(table: str, owner: tuple[str, str], target: tuple[str, str], unique: str) -> str:
    """Add and fill ``city_id`` on an auto-created many-to-many table.

    A link between two cities could only have been written by a bug; it is
    dropped (with a notice) rather than carried into a table that refuses it.
    """
    (owner_column, owner_table), (target_column, target_table) = owner, target
    return f"""
    SELECT set_config('civicideas.all_cities', 'on', true);
    ALTER TABLE {table} ADD COLUMN city_id bigint NULL;
    UPDATE {table} AS link SET city_id = o.city_id
        FROM {owner_table} AS o WHERE o.id = link.{owner_column};
    DO $$
    DECLARE dropped bigint;
    BEGIN
        DELETE FROM {table} AS link USING {target_table} AS t
            WHERE t.id = link.{target_column} AND t.city_id <> link.city_id;
        GET DIAGNOSTICS dropped = ROW_COUNT;
        IF dropped > 0 THEN
            RAISE NOTICE '{table}: dropped % link(s) between two cities', dropped;
        END IF;
    END
    $$;
    ALTER TABLE {table} ALTER COLUMN city_id SET NOT NULL;
    ALTER TABLE {table} ADD CONSTRAINT {table}_city_id_fk_tenancy_city_id
        FOREIGN KEY (city_id) REFERENCES tenancy_city (id) DEFERRABLE INITIALLY DEFERRED;
    CREATE INDEX {table}_city_id_idx ON {table} (city_id);
    DO $$
    DECLARE old_name text;
    BEGIN
        SELECT conname INTO old_name FROM pg_constraint
            WHERE conrelid = '{table}'::regclass AND contype = 'u';
        IF old_name <> '{unique}' THEN  -- not yet renamed by an earlier run
            EXECUTE format('ALTER TABLE {table} RENAME CONSTRAINT %I TO {unique}', old_name);
        END IF;
    END
    $$;
    SELECT set_config('civicideas.all_cities', '', true);
    """


def link_model(name: str, table: str, owner: str, target: str, unique: str):
    return migrations.CreateModel(
        name=name,
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
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
            (
                owner,
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to=f"ideas.{owner}",
                ),
            ),
            (
                target,
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to=f"ideas.{target}",
                ),
            ),
        ],
        options={
            "verbose_name": f"{owner} {target}",
            "db_table": table,
            "abstract": False,
            "base_manager_name": "objects",
            "constraints": [models.UniqueConstraint(fields=(owner, target), name=unique)],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0004_challenge_follows"),
        ("tenancy", "0003_rls_policy_initplan"),
    ]

    operations = [
        # What the links' composite foreign keys reference.
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(fields=("city", "id"), name="category_city_id_key"),
        ),
        migrations.AddConstraint(
            model_name="district",
            constraint=models.UniqueConstraint(fields=("city", "id"), name="district_city_id_key"),
        ),
        migrations.AddConstraint(
            model_name="challenge",
            constraint=models.UniqueConstraint(fields=("city", "id"), name="challenge_city_id_key"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    adopt_sql(
                        "ideas_challenge_categories",
                        ("challenge_id", "ideas_challenge"),
                        ("category_id", "ideas_category"),
                        "challenge_category_once",
                    ),
                    reverse_sql="ALTER TABLE ideas_challenge_categories DROP COLUMN city_id",
                ),
                migrations.RunSQL(
                    adopt_sql(
                        "ideas_challenge_districts",
                        ("challenge_id", "ideas_challenge"),
                        ("district_id", "ideas_district"),
                        "challenge_district_once",
                    ),
                    reverse_sql="ALTER TABLE ideas_challenge_districts DROP COLUMN city_id",
                ),
            ],
            state_operations=[
                link_model(
                    "ChallengeCategory",
                    "ideas_challenge_categories",
                    "challenge",
                    "category",
                    "challenge_category_once",
                ),
                link_model(
                    "ChallengeDistrict",
                    "ideas_challenge_districts",
                    "challenge",
                    "district",
                    "challenge_district_once",
                ),
                migrations.AlterField(
                    model_name="challenge",
                    name="categories",
                    field=models.ManyToManyField(
                        blank=True,
                        through="ideas.ChallengeCategory",
                        to="ideas.category",
                        verbose_name="categories",
                    ),
                ),
                migrations.AlterField(
                    model_name="challenge",
                    name="districts",
                    field=models.ManyToManyField(
                        blank=True,
                        through="ideas.ChallengeDistrict",
                        to="ideas.district",
                        verbose_name="districts",
                    ),
                ),
            ],
        ),
        EnableCityLink("challengecategory", owner="challenge", target="category"),
        EnableCityRLS("challengecategory"),
        EnableCityLink("challengedistrict", owner="challenge", target="district"),
        EnableCityRLS("challengedistrict"),
    ]
