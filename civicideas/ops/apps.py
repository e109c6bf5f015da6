from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "civicideas.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Celery signals: task ids, cities and request ids in the logs and metrics.
        from civicideas.ops import task_log  # noqa: F401
