from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """The practice exchange: platform-level, explicitly cross-city tables
    (docs/exchange.md). No model here has a ``city`` column, on purpose: the
    tenancy meta-tests treat every such column as a tenant table."""

    name = "exchange"
    verbose_name = _("Practice exchange")
