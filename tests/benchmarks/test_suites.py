"""``make bench SUITE=<name>`` resolves every suite to a module of
``civicideas.benchmarks`` with a ``run(stdout)``; no app package holds a
benchmark any more (docs/architecture.md, "Apps and their seams")."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from civicideas.benchmarks.management.commands.bench import OTHER_SUITES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("suite", sorted(OTHER_SUITES))
def test_each_suite_is_a_benchmarks_module_with_run(suite):
    module_name = OTHER_SUITES[suite]
    assert module_name == f"civicideas.benchmarks.{suite}"
    module = importlib.import_module(module_name)
    assert "stdout" in inspect.signature(module.run).parameters


def test_no_benchmark_left_in_an_app_package():
    packages = [ROOT / "ideas", ROOT / "evaluation", ROOT / "sponsors"]
    packages += [p for p in (ROOT / "civicideas").iterdir() if p.name != "benchmarks"]
    strays = [str(p.relative_to(ROOT)) for d in packages if d.is_dir() for p in d.rglob("bench.py")]
    assert strays == []
