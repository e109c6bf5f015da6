"""Checks that PostgreSQL and Redis answer before the platform starts."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicideas.ops.health import check_database_url, check_redis

HOW_TO_START = "start it (on this machine: {command}) or run `docker compose up -d db redis`"


START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


class Command(BaseCommand):
    help = "Exit non-zero with one clear sentence if PostgreSQL or Redis is unreachable."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Check the administrative database URL (DATABASE_ADMIN_URL) too.",
        )

    def handle(self, *args, **options) -> None:
        db = settings.DATABASES["default"]
        url = settings.DATABASE_ADMIN_URL if options["admin"] else None
        if url is None:
            url = (
                f"host={db['HOST'] or 'localhost'} port={db['PORT'] or 5432} "
                f"dbname={db['NAME']} user={db['USER']} password={db['PASSWORD']}"
            )
        where_db = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
        if check_database_url(url) is not None:
            raise CommandError(
                f"PostgreSQL is not reachable at {where_db}; "
                + HOW_TO_START.format(command=START_POSTGRES)
                + "."
            )
        if check_redis() is not None:
            raise CommandError(
                f"Redis is not reachable at {settings.REDIS_URL}; "
                + HOW_TO_START.format(
                    command="redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''"
                )
                + "."
            )
        self.stdout.write("PostgreSQL and Redis are reachable.")
