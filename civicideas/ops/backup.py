"""Backups of one platform: the database and the uploads, with a manifest.

A backup is a directory::

    database.dump   pg_dump, custom format (pg_restore reads it, in parallel)
    media.tar       every file of the upload storage, by storage name
    manifest.json   when, from which server, rows per table, files, checksums

Why the database goes through ``DATABASE_ADMIN_URL``: the application role is
bound by row-level security with ``FORCE ROW LEVEL SECURITY``, so a dump made
as that role would hold no tenant rows at all (and pg_dump, which runs with
``row_security = off``, refuses rather than dumps less). The admin role must
be a superuser or have BYPASSRLS; ``backup_create`` checks it first.

The row counts are taken in the very snapshot pg_dump dumps
(``pg_export_snapshot``), so on a live platform the manifest describes the
dump exactly and ``backup_restore`` can verify the restored database against
it. Restoring goes into an empty database only: merging into existing rows
would mix two histories and clash on keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.utils import timezone
from psycopg import sql

from civicideas.errors import ServiceError

FORMAT_VERSION = 1
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar"
MANIFEST_FILE = "manifest.json"

_USER_TABLES = """
    SELECT n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%%'
      AND n.nspname NOT LIKE 'pg\\_temp%%'
    ORDER BY 1, 2
"""


class BackupError(ServiceError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: dict[str, int]
    media_files: int


@dataclass(frozen=True)
class RestoreSummary:
    database: str
    tables: dict[str, int]
    media_restored: int
    media_already_present: int


# --- connections and client programs ------------------------------------------


def _admin_conninfo(dbname: str) -> tuple[str, dict[str, str]]:
    """Conninfo for ``dbname`` as the admin role, without the password, and
    the environment that carries it (``PGPASSWORD``): a password on a command
    line is visible to every user of the host in ``ps``."""
    params = psycopg.conninfo.conninfo_to_dict(settings.DATABASE_ADMIN_URL)
    password = params.pop("password", None)
    params["dbname"] = dbname
    env = {**os.environ}
    if password:
        env["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items()}), env


def _connect_admin(dbname: str, **kwargs: Any) -> psycopg.Connection:
    conninfo, env = _admin_conninfo(dbname)
    try:
        return psycopg.connect(
            conninfo, password=env.get("PGPASSWORD"), connect_timeout=5, **kwargs
        )
    except psycopg.OperationalError as exc:
        raise BackupError(
            f"Cannot connect to database {dbname!r} with DATABASE_ADMIN_URL: "
            f"{str(exc).strip().splitlines()[-1]}"
        ) from exc


def _program(name: str) -> str:
    directory = getattr(settings, "POSTGRES_BIN_DIR", "") or None
    found = shutil.which(name, path=directory)
    if not found:
        where = f"in POSTGRES_BIN_DIR ({directory})" if directory else "on PATH"
        raise BackupError(
            f"{name} was not found {where}: install the PostgreSQL client "
            "(Debian: postgresql-client) of the server's major version or newer."
        )
    return found


def _client_major(program: str) -> int:
    output = subprocess.run(  # noqa: S603 - a resolved PostgreSQL client binary
        [program, "--version"], capture_output=True, text=True, check=True, timeout=10
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if not match:
        raise BackupError(f"Cannot read the version of {program}: {output!r}")
    return int(match.group(1))


def _check_client(name: str, conn: psycopg.Connection) -> str:
    """The path of ``name``, refusing a client older than the server (pg_dump
    cannot dump a newer server; pg_restore cannot read a newer archive)."""
    program = _program(name)
    server_major = conn.info.server_version // 10000
    client_major = _client_major(program)
    if client_major < server_major:
        raise BackupError(
            f"{program} is PostgreSQL {client_major} but the server is {server_major}: "
            f"install the version {server_major} client or set POSTGRES_BIN_DIR."
        )
    return program


def _check_bypasses_rls(conn: psycopg.Connection) -> None:
    row = conn.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not row or not row[0]:
        raise BackupError(
            "DATABASE_ADMIN_URL's role is neither superuser nor BYPASSRLS: row-level "
            "security would hide tenant rows from the dump. Use the role that ran "
            "setup_database (e.g. postgres)."
        )


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows per user table (``schema.table``), as ``conn`` sees them."""
    counts = {}
    for schema, table in conn.execute(_USER_TABLES).fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        counts[f"{schema}.{table}"] = conn.execute(query).fetchone()[0]
    return counts


# --- media -----------------------------------------------------------------------


def storage_files(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in ``storage``, depth first (empty for a storage whose
    root does not exist yet)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(directory, name) if directory else name
    for name in sorted(directories):
        yield from storage_files(storage, posixpath.join(directory, name) if directory else name)


def _write_media(storage: Storage, target: Path) -> tuple[int, int]:
    """Stream every file of ``storage`` into the tar at ``target``."""
    count = size = 0
    now = int(timezone.now().timestamp())
    with tarfile.open(target, "w") as archive:
        for name in storage_files(storage):
            info = tarfile.TarInfo(name)
            info.size = storage.size(name)
            info.mode = 0o644
            info.mtime = now
            with storage.open(name, "rb") as handle:
                archive.addfile(info, handle)
            count += 1
            size += info.size
    return count, size


def _safe_member_name(name: str) -> bool:
    return (
        bool(name)
        and not name.startswith("/")
        and posixpath.normpath(name) == name
        and (".." not in name.split("/"))
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- backup ------------------------------------------------------------------------


def default_backup_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BACKUP_DIR) / f"civicideas-{stamp}"


def backup_create(*, output: Path | None = None) -> BackupSummary:
    """Dump the database (through the admin role) and every upload into
    ``output``, a new directory, with a manifest. Refuses an existing
    non-empty directory rather than mixing two backups."""
    output = Path(output or default_backup_path())
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} already exists and is not empty; choose a new directory.")
    dbname = settings.DATABASES["default"]["NAME"]
    # Autocommit, so the transaction below opens with these characteristics.
    conn = _connect_admin(dbname, autocommit=True)
    try:
        _check_bypasses_rls(conn)
        pg_dump = _check_client("pg_dump", conn)
        output.mkdir(parents=True, exist_ok=True)
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        # The snapshot stays valid while this transaction is open, i.e. until
        # pg_dump has started with it and finished.
        with conn.transaction():
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            tables = table_counts(conn)
            conninfo, env = _admin_conninfo(dbname)
            result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-password",
                    f"--file={output / DATABASE_FILE}",
                    f"--dbname={conninfo}",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        server_version = conn.info.server_version
    finally:
        conn.close()

    media_files, media_bytes = _write_media(default_storage, output / MEDIA_FILE)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": dbname,
        "server_version_num": server_version,
        "owner_role": settings.DATABASES["default"]["USER"],
        "tables": tables,
        "media": {"files": media_files, "bytes": media_bytes},
        "sha256": {name: _sha256(output / name) for name in (DATABASE_FILE, MEDIA_FILE)},
    }
    (output / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return BackupSummary(path=output, tables=tables, media_files=media_files)


# --- restore -----------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup in ``source``, after checking that its files
    are the ones it describes (a truncated copy or a mixed-up directory is
    refused before anything is written)."""
    try:
        manifest = json.loads((source / MANIFEST_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} holds no readable {MANIFEST_FILE}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{source / MANIFEST_FILE} is not a civicideas backup manifest.")
    for name, expected in manifest.get("sha256", {}).items():
        path = source / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{path} is missing or does not match the manifest's checksum.")
    return manifest


def _ensure_empty_database(dbname: str, owner: str) -> None:
    with _connect_admin(_maintenance_db(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [owner]).fetchone():
            raise BackupError(
                f"The application role {owner!r} does not exist on this server: "
                "run `manage.py setup_database` first."
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(dbname), sql.Identifier(owner)
                )
            )
            return
    with _connect_admin(dbname) as conn:
        tables = [f"{s}.{t}" for s, t in conn.execute(_USER_TABLES).fetchall()]
    if tables:
        raise BackupError(
            f"Database {dbname!r} is not empty ({len(tables)} tables, e.g. {tables[0]}). "
            "Restore only into an empty database: give a new name with --database, "
            "or drop this one first."
        )


def _maintenance_db() -> str:
    params = psycopg.conninfo.conninfo_to_dict(settings.DATABASE_ADMIN_URL)
    return str(params.get("dbname") or "postgres")


def backup_restore(
    *, source: Path, database: str | None = None, media: bool = True
) -> RestoreSummary:
    """Restore the backup in ``source`` into ``database`` (default: the
    configured one), which must be empty or missing, then its uploads into
    the current storage (files already there are kept). Verifies the restored
    row counts against the manifest."""
    source = Path(source)
    manifest = read_manifest(source)
    dbname = database or settings.DATABASES["default"]["NAME"]
    owner = settings.DATABASES["default"]["USER"]
    _ensure_empty_database(dbname, owner)
    with _connect_admin(dbname, autocommit=True) as conn:
        pg_restore = _check_client("pg_restore", conn)
    conninfo, env = _admin_conninfo(dbname)
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            pg_restore,
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={conninfo}",
            str(source / DATABASE_FILE),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise BackupError(f"pg_restore failed (nothing was restored): {result.stderr.strip()}")
    with _connect_admin(dbname) as conn:
        tables = table_counts(conn)
    if tables != manifest["tables"]:
        differ = sorted(
            name
            for name in set(tables) | set(manifest["tables"])
            if tables.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(f"The restored database differs from the manifest in: {differ}")

    restored = present = 0
    if media:
        with tarfile.open(source / MEDIA_FILE, "r") as archive:
            for member in archive:
                if not member.isfile() or not _safe_member_name(member.name):
                    continue
                if default_storage.exists(member.name):
                    present += 1
                    continue
                handle = archive.extractfile(member)
                saved = default_storage.save(member.name, File(handle, name=member.name))
                if saved != member.name:
                    raise BackupError(f"The storage renamed {member.name!r} to {saved!r}.")
                restored += 1
    return RestoreSummary(
        database=dbname, tables=tables, media_restored=restored, media_already_present=present
    )
