from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "civicideas.demo"
    label = "demo"
    verbose_name = "Demo data"
