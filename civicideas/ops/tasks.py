from celery import shared_task
from django.core.management import call_command


@shared_task(name="civicideas.ops.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Sessions are global (not tenant-owned), so no city is entered."""
    call_command("clearsessions")
