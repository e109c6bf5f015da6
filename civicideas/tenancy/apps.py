from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "civicideas.tenancy"
    label = "tenancy"
    verbose_name = _("Cities")

    def ready(self) -> None:
        # Before any URLconf is imported: ``<id:pk>`` (civicideas/inputs.py).
        from civicideas.inputs import register_converters

        register_converters()
