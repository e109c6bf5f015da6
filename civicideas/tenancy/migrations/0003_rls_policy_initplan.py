"""Evaluate the city policy once per query instead of once per row.

Rewrites ``city_isolation`` on every table that has it (found in
``pg_policies``, so tables of every app are covered) from
``civicideas_city_allowed(city_id)``, a function called for each row, to
``city_id = (SELECT ...) OR (SELECT ...)``, whose subqueries PostgreSQL runs
once per query. Tables created after this migration get the new form from
``enable_sql`` directly. Same semantics; see ``civicideas.tenancy.rls``.
"""

from django.db import migrations

POLICY_NAME = "city_isolation"
# Frozen here (not imported): these are the two forms this migration moves
# between, whatever rls.py says later.
OLD_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION civicideas_city_allowed(row_city_id bigint)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('civicideas.all_cities', true), '') = 'on'
        OR row_city_id = nullif(current_setting('civicideas.city_id', true), '')::bigint
$$;
"""
OLD_PREDICATE = "civicideas_city_allowed(city_id)"

NEW_FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION civicideas_current_city_id()
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('civicideas.city_id', true), '')::bigint
$$;
CREATE OR REPLACE FUNCTION civicideas_all_cities()
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('civicideas.all_cities', true), '') = 'on'
$$;
"""
NEW_PREDICATE = (
    "city_id = (SELECT civicideas_current_city_id()) OR (SELECT civicideas_all_cities())"
)


def _alter_every_policy_sql(predicate: str) -> str:
    # Only constants of this module are interpolated; %I quotes the table
    # names found in the catalogue.
    return f"""
DO $$
DECLARE
    policy record;
BEGIN
    FOR policy IN
        SELECT schemaname, tablename FROM pg_policies
        WHERE policyname = '{POLICY_NAME}' AND schemaname = current_schema()
    LOOP
        EXECUTE format(
            'ALTER POLICY {POLICY_NAME} ON %I.%I USING (%s) WITH CHECK (%s)',
            policy.schemaname, policy.tablename, {predicate!r}, {predicate!r}
        );
    END LOOP;
END
$$;
"""  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_city_bounding_box"),
    ]

    operations = [
        migrations.RunSQL(
            NEW_FUNCTIONS_SQL
            + _alter_every_policy_sql(NEW_PREDICATE)
            + "DROP FUNCTION IF EXISTS civicideas_city_allowed(bigint);",
            reverse_sql=OLD_FUNCTION_SQL + _alter_every_policy_sql(OLD_PREDICATE),
        ),
    ]
