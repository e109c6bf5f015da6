from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "civicideas.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from civicideas.accounts import contributor, notifications, personal_data
        from civicideas.notifications.kinds import register

        register(*notifications.KINDS)
        personal_data.register(contributor.CONTRIBUTOR)
