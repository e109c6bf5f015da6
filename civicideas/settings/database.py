"""PostgreSQL: the application's connection (direct, through PgBouncer or a
pool), the read replica, the administrator's connection and backups."""

from .environment import BASE_DIR, env

# The application connects as a role without SUPERUSER or BYPASSRLS, so the
# row-level security policies apply to it (see docs/architecture.md).
DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default="postgres://civicideas:civicideas@127.0.0.1:5432/civicideas",
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# Server-side parameter binding (psycopg's Cursor instead of Django's
# default ClientCursor) with prepared statements: psycopg prepares a query on
# a connection at its 5th execution, so later executions skip PostgreSQL's
# parsing and planning, which the row-level security policies make costly
# (docs/performance.md, "Prepared statements"). Django turns psycopg's
# prepared statements off unless `prepare_threshold` is given; with
# client-side binding the values are in the query's text, so preparing
# would not pay. Never behind PgBouncer (below). On by default: the whole
# test suite passes with it and it saves the database a third to 60 % of
# its CPU per request; false brings back Django's client-side binding.
DATABASE_SERVER_SIDE_BINDING = env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
if DATABASE_SERVER_SIDE_BINDING:
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
# Behind PgBouncer in transaction mode (deploy/pgbouncer/), two statements of
# one session may reach different server connections: no server-side cursors,
# no prepared statements. The city of a transaction is set with
# set_config(..., true) and ends with it, so the tenancy holds there.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
# Or Django's own psycopg pool in each process (a connection per request
# from the pool instead of one kept per thread); it replaces CONN_MAX_AGE.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
# A streaming read replica of the same cluster, for anonymous page reads
# (civicideas/ops/replicas.py, docs/operations.md "Read replicas"). A browser
# that has just written reads from the primary for REPLICA_PIN_SECONDS.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
DATABASE_ROUTERS = ["civicideas.ops.replicas.ReplicaRouter"]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            key: value for key, value in DATABASES["default"]["OPTIONS"].items() if key != "pool"
        },
        "DISABLE_SERVER_SIDE_CURSORS": DATABASES["default"].get(
            "DISABLE_SERVER_SIDE_CURSORS", False
        ),
        # Tests read the replica through the primary's test database.
        "TEST": {"MIRROR": "default"},
    }
# Used only by `manage.py setup_database` (to create the role and database)
# and by `manage.py backup`/`restore`, which must not be bound by row-level
# security (a superuser or a BYPASSRLS role; docs/operations.md, "Backups").
DATABASE_ADMIN_URL = env(
    "DATABASE_ADMIN_URL", default="postgres://postgres@127.0.0.1:5432/postgres"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# `manage.py backup` writes here unless given --output; pg_dump and
# pg_restore come from PATH unless POSTGRES_BIN_DIR names their directory
# (e.g. /usr/lib/postgresql/16/bin to match a newer server).
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")
POSTGRES_BIN_DIR = env("POSTGRES_BIN_DIR", default="")
