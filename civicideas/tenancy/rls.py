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

from typing import TYPE_CHECKING, Any

from django.db import migrations

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.migrations.state import ProjectState

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

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [], {})


class EnableCityRLS(migrations.operations.base.Operation):
    """Enable and force the city isolation policy on a tenant model's table."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, public_read: bool = False) -> None:
        self.model_name = model_name
        self.public_read = public_read

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"public_read": True} if self.public_read else {}
        return (self.__class__.__qualname__, [self.model_name], kwargs)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def _table(self, app_label: str, state: ProjectState) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        # Idempotent: a migration of another app may run before the tenancy
        # migration that installed the current functions on an old database.
        schema_editor.execute(RLS_FUNCTION_SQL)
        for sql in enable_sql(self._table(app_label, to_state), public_read=self.public_read):
            schema_editor.execute(sql)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        for sql in disable_sql(self._table(app_label, from_state)):
            schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Enable city row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"


# --- many-to-many links between tenant rows ----------------------------------------

#: Fills a link row's ``city_id`` from its owner row. Generic: the trigger's
#: arguments name the owner table and the link's owner column. The lookup runs
#: under the row-level security of the insert, so an owner of another city is
#: invisible, ``city_id`` stays NULL and the NOT NULL constraint refuses the row.
LINK_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION civicideas_link_city() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.city_id IS NULL THEN
        EXECUTE format('SELECT city_id FROM %I WHERE id = $1', TG_ARGV[0])
            INTO NEW.city_id
            USING (to_jsonb(NEW) ->> TG_ARGV[1])::bigint;
    END IF;
    RETURN NEW;
END
$$;
"""


def link_sql(table: str, owner: tuple[str, str], target: tuple[str, str]) -> list[str]:
    """The trigger and the two same-city foreign keys of a link table.

    ``owner`` and ``target`` are ``(column, referenced table)``. The foreign
    keys are immediate (not deferred) so a cross-city link fails at its
    ``INSERT``; ``ON DELETE CASCADE`` lets a raw delete of either end take its
    links along, as the ORM does.
    """
    q = f'"{table}"'
    statements = [
        # Validating the new keys over existing rows reads both ends under
        # row-level security: look across all cities for this transaction,
        # then put the previous value back.
        "SELECT set_config('civicideas.link_saved', "
        "coalesce(current_setting('civicideas.all_cities', true), ''), true), "
        "set_config('civicideas.all_cities', 'on', true)",
        LINK_FUNCTION_SQL,
        f'CREATE TRIGGER "{table}_city" BEFORE INSERT OR UPDATE ON {q} '
        f"FOR EACH ROW EXECUTE FUNCTION civicideas_link_city('{owner[1]}', '{owner[0]}')",
    ]
    for column, referenced in (owner, target):
        statements.append(
            f'ALTER TABLE {q} ADD CONSTRAINT "{table}_{column}_same_city" '
            f'FOREIGN KEY (city_id, "{column}") REFERENCES "{referenced}" (city_id, id) '
            "ON DELETE CASCADE"
        )
    statements.append(
        "SELECT set_config('civicideas.all_cities', current_setting('civicideas.link_saved'), true)"
    )
    return statements


def unlink_sql(table: str, owner: tuple[str, str], target: tuple[str, str]) -> list[str]:
    q = f'"{table}"'
    return [
        *(
            f'ALTER TABLE {q} DROP CONSTRAINT IF EXISTS "{table}_{column}_same_city"'
            for column, _ in (owner, target)
        ),
        f'DROP TRIGGER IF EXISTS "{table}_city" ON {q}',
    ]


class EnableCityLink(migrations.operations.base.Operation):
    """Make a ``CityLink`` through table fill its city from the owner and
    refuse links across cities (see ``civicideas.tenancy.models.CityLink``)::

        EnableCityLink("challengecategory", owner="challenge", target="category")

    Both ends need ``UNIQUE (city_id, id)`` (``city_id_key``) before this
    runs; ``EnableCityRLS`` on the same model adds the policy.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, owner: str, target: str) -> None:
        self.model_name = model_name
        self.owner = owner
        self.target = target

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            self.__class__.__qualname__,
            [self.model_name],
            {"owner": self.owner, "target": self.target},
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def _parts(
        self, app_label: str, state: ProjectState
    ) -> tuple[str, tuple[str, str], tuple[str, str]]:
        # Historical models have fields only, so the ends are named here
        # rather than read from ``CityLink.link_fields``.
        model = state.apps.get_model(app_label, self.model_name)
        ends = []
        for name in (self.owner, self.target):
            field = model._meta.get_field(name)
            ends.append((field.column, field.related_model._meta.db_table))
        return model._meta.db_table, ends[0], ends[1]

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        # No parameters: the function's body holds literal % signs.
        for sql in link_sql(*self._parts(app_label, to_state)):
            schema_editor.execute(sql, None)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        for sql in unlink_sql(*self._parts(app_label, from_state)):
            schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Keep the links of {self.model_name} within one city"

    @property
    def migration_name_fragment(self) -> str:
        return f"city_link_{self.model_name.lower()}"
