"""An initiative's categories and a sponsor's categories and districts become
city links (issue 21, §6), as ``ideas/0005_challenge_through_tables`` does for
challenges: the auto-created tables are adopted in place (same names and
rows, so the matching SQL keeps working), with ``city_id`` copied from the
owner, the city policy, the trigger that fills the city of new rows and the
foreign keys that refuse a link to another city's category or district.
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
                    to=f"sponsors.{owner}",
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


LINKS = [
    # model, table, owner, target, unique constraint
    (
        "InitiativeCategory",
        "sponsors_initiative_categories",
        "initiative",
        "category",
        "initiative_category_once",
    ),
    (
        "SponsorCategory",
        "sponsors_sponsor_categories",
        "sponsor",
        "category",
        "sponsor_category_once",
    ),
    (
        "SponsorDistrict",
        "sponsors_sponsor_districts",
        "sponsor",
        "district",
        "sponsor_district_once",
    ),
]


def m2m(owner: str, name: str, through: str, target: str):
    return migrations.AlterField(
        model_name=owner,
        name=name,
        field=models.ManyToManyField(
            blank=True,
            related_name="+",
            through=f"sponsors.{through}",
            to=f"ideas.{target}",
            verbose_name=name,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0005_challenge_through_tables"),
        ("sponsors", "0002_initiative_one_per_idea"),
        ("tenancy", "0003_rls_policy_initplan"),
    ]

    operations = [
        # What the links' composite foreign keys reference (ideas 0005 adds
        # the categories' and districts').
        migrations.AddConstraint(
            model_name="initiative",
            constraint=models.UniqueConstraint(
                fields=("city", "id"), name="initiative_city_id_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="sponsor",
            constraint=models.UniqueConstraint(fields=("city", "id"), name="sponsor_city_id_key"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    adopt_sql(
                        table,
                        (f"{owner}_id", f"sponsors_{owner}"),
                        (f"{target}_id", f"ideas_{target}"),
                        unique,
                    ),
                    reverse_sql=f"ALTER TABLE {table} DROP COLUMN city_id",
                )
                for _model, table, owner, target, unique in LINKS
            ],
            state_operations=[
                *(link_model(*link) for link in LINKS),
                m2m("initiative", "categories", "InitiativeCategory", "category"),
                m2m("sponsor", "categories", "SponsorCategory", "category"),
                m2m("sponsor", "districts", "SponsorDistrict", "district"),
            ],
        ),
        *(
            operation
            for model, _table, owner, target, _unique in LINKS
            for operation in (
                EnableCityLink(model.lower(), owner=owner, target=target),
                EnableCityRLS(model.lower()),
            )
        ),
    ]
