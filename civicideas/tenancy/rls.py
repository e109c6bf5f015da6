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

The predicate reads the settings through two tiny STABLE functions wrapped
in scalar subqueries: PostgreSQL evaluates each subquery once per query (an
InitPlan) and compares every row's ``city_id`` with the result, instead of
calling a function that parses the settings for every row. Same semantics,
several times cheaper on counts and scans (measured in ``docs/search.md``).
"""

from __future__ import annotations

from django.db import migrations

POLICY_NAME = "city_isolation"

RLS_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION civicideas_current_city_id()
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('civicideas.city_id', true), '')::bigint
$$;
CREATE OR REPLACE FUNCTION civicideas_all_cities()
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('civicideas.all_cities', true), '') = 'on'
$$;
"""

DROP_RLS_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS civicideas_current_city_id();
DROP FUNCTION IF EXISTS civicideas_all_cities();
DROP FUNCTION IF EXISTS civicideas_city_allowed(bigint);
"""

#: The policy predicate, for ``USING`` and ``WITH CHECK``. Each scalar
#: subquery is an InitPlan, run once per query; with no setting the first
#: comparison is NULL and the second false, so no row qualifies.
POLICY_PREDICATE = (
    "city_id = (SELECT civicideas_current_city_id()) OR (SELECT civicideas_all_cities())"
)


def enable_sql(table: str, *, public_read: bool = False) -> list[str]:
    q = f'"{table}"'
    statements = [
        f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {q} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY_NAME} ON {q} USING ({POLICY_PREDICATE}) "
        f"WITH CHECK ({POLICY_PREDICATE})",
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
    """Installs the functions the policy calls; the tenancy app's first migration.

    It runs today's ``RLS_FUNCTION_SQL`` (migrations import this module), so a
    new database gets the current functions before any policy uses them.
    """

    def __init__(self) -> None:
        super().__init__(RLS_FUNCTION_SQL, reverse_sql=DROP_RLS_FUNCTIONS_SQL)

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
        # Idempotent: a migration of another app may run before the tenancy
        # migration that installed the current functions on an old database.
        schema_editor.execute(RLS_FUNCTION_SQL)
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
