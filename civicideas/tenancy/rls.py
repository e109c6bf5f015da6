"""PostgreSQL row-level security for tenant tables.

Every tenant table gets the same policy, through ``EnableCityRLS`` in the
migration that creates it::

    operations = [
        migrations.CreateModel(name="Idea", ...),
        EnableCityRLS("idea"),
    ]

The policy admits a row when its ``city_id`` equals the transaction-local
setting ``civicideas.city_id``, or when ``civicideas.all_cities`` is ``on``
(platform admin and platform commands; see ``all_cities_context``). With no
setting, nothing is visible and nothing can be written. ``FORCE`` makes the
policy bind the table's owner too, which is the application's own role.
"""

from __future__ import annotations

from django.db import migrations

POLICY_NAME = "city_isolation"

RLS_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION civicideas_city_allowed(row_city_id bigint)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('civicideas.all_cities', true), '') = 'on'
        OR row_city_id = nullif(current_setting('civicideas.city_id', true), '')::bigint
$$;
"""


def enable_sql(table: str, *, public_read: bool = False) -> list[str]:
    q = f'"{table}"'
    statements = [
        f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {q} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY_NAME} ON {q} USING (civicideas_city_allowed(city_id)) "
        f"WITH CHECK (civicideas_city_allowed(city_id))",
    ]
    if public_read:
        # Readable by every city (e.g. host names, needed to find the city);
        # writes still need the city's own context.
        statements.append(f"CREATE POLICY {POLICY_NAME}_read ON {q} FOR SELECT USING (true)")
    return statements


def disable_sql(table: str) -> list[str]:
    q = f'"{table}"'
    return [
        f"DROP POLICY IF EXISTS {POLICY_NAME}_read ON {q}",
        f"DROP POLICY IF EXISTS {POLICY_NAME} ON {q}",
        f"ALTER TABLE {q} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {q} DISABLE ROW LEVEL SECURITY",
    ]


class CreateRLSFunction(migrations.RunSQL):
    """Installs ``civicideas_city_allowed``; the tenancy app's first migration."""

    def __init__(self) -> None:
        super().__init__(
            RLS_FUNCTION_SQL,
            reverse_sql="DROP FUNCTION IF EXISTS civicideas_city_allowed(bigint)",
        )

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {})


class EnableCityRLS(migrations.operations.base.Operation):
    """Enable and force the city isolation policy on a tenant model's table."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, public_read: bool = False) -> None:
        self.model_name = model_name
        self.public_read = public_read

    def deconstruct(self):
        kwargs = {"public_read": True} if self.public_read else {}
        return (self.__class__.__qualname__, [self.model_name], kwargs)

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for sql in enable_sql(self._table(app_label, to_state), public_read=self.public_read):
            schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for sql in disable_sql(self._table(app_label, from_state)):
            schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Enable city row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"
