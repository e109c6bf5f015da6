from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiTokensConfig(AppConfig):
    name = "civicideas.apitokens"
    label = "apitokens"
    verbose_name = _("API tokens")

    def ready(self) -> None:
        # Registers the OpenAPI description of the token authentication.
        from civicideas.accounts.personal_data import register
        from civicideas.api import schema  # noqa: F401
        from civicideas.apitokens.personal_data import CONTRIBUTOR

        register(CONTRIBUTOR)
