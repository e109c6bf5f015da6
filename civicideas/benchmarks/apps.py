from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "civicideas.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks"
