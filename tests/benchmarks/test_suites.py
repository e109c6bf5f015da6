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


def test_the_signed_in_suite_runs_on_the_ideas_suites_city():
    """``signed_in`` measures the ideas suite's seeded city, so the bench
    command seeds first and then calls it (not an OTHER_SUITES module)."""
    from civicideas.benchmarks import signed_in

    parameters = inspect.signature(signed_in.run).parameters
    assert {"stdout", "big", "idea_id"} <= set(parameters)


def test_the_rush_script_rotates_one_cookie_and_token_per_person():
    from civicideas.benchmarks import signed_in

    path = signed_in._rush_script("bench-big.localhost", ["a" * 32, "b" * 32], threads=2)
    try:
        text = path.read_text()
    finally:
        path.unlink()
    assert text.count('{"' + "a" * 32) == 1 and text.count('{"' + "b" * 32) == 1
    assert '["X-CSRFToken"] = person[2]' in text
    assert '["HX-Request"] = "true"' in text


@pytest.mark.django_db
def test_the_pages_suite_times_each_page_against_the_trivial_view():
    """``bench pages --url … --as admin`` prints, for the trivial view and
    each page, its status, queries and CPU and wall times, alternated."""
    import io

    from civicideas.benchmarks import pages
    from civicideas.tenancy.hosts import forget_hosts
    from tests.factories import CityFactory

    CityFactory(slug="bench-big", name="Bench big")
    forget_hosts()
    from django.core.management.base import OutputWrapper

    text = io.StringIO()
    pages.run(OutputWrapper(text), urls=["/admin/ideas/idea/", "/"], who="admin", repeat=2)
    lines = text.getvalue().splitlines()
    assert lines[0].split()[:2] == ["page", "status"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {pages.TRIVIAL, "/admin/ideas/idea/", "/"}
    assert rows["/admin/ideas/idea/"][1] == "200" and rows[pages.TRIVIAL][1] == "200"
    assert float(rows[pages.TRIVIAL][-1]) == 1.0


@pytest.mark.django_db
def test_the_pages_suite_asks_for_the_seeded_cities_first():
    from django.core.management.base import CommandError

    from civicideas.benchmarks import pages

    with pytest.raises(CommandError, match="SUITE=signed_in"):
        pages.run(None, urls=["/"], who="sponsor", repeat=1)
