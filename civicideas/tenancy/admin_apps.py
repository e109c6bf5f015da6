from django.contrib.admin.apps import AdminConfig


class CivicAdminConfig(AdminConfig):
    """Django's admin app with the per-city admin site."""

    default_site = "civicideas.tenancy.admin_site.CityAdminSite"
