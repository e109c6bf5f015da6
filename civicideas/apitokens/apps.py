from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiTokensConfig(AppConfig):
    name = "civicideas.apitokens"
    label = "apitokens"
    verbose_name = _("API tokens")

    def ready(self) -> None:
        # Registers the OpenAPI description of the token authentication.
        from civicideas.api import schema  # noqa: F401
