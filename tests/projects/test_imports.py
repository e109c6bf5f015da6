"""CSV import of projects and milestones: dry run, row errors, all or
nothing, idempotent re-import, and hostile files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from civicideas.errors import NotAllowed
from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from ideas.models import Department
from ideas.status import IdeaStatus
from projects import imports
from projects.imports import ImportRefused, projects_import_csv
from projects.models import Milestone, Project, ProjectStatusChange
from projects.status import ProjectStatus
from tests.conftest import make_member
from tests.ideas.factories import CategoryFactory, DistrictFactory, IdeaFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "external_ref,title,description,status,stop_reason,category,district,department,"
    "planned_start,planned_end,actual_start,actual_end,budget_planned,budget_spent,"
    "idea_ids,is_public\n"
)


@pytest.fixture
def ctx(city):
    with city_context(city):
        yield city


@pytest.fixture
def admin(ctx):
    return make_member(ctx, Role.CITY_ADMIN)


@pytest.fixture
def taxonomy(ctx):
    return {
        "category": CategoryFactory(slug="green"),
        "district": DistrictFactory(slug="north"),
        "department": Department.objects.create(city=ctx, name="Parks", slug="parks"),
        "idea": IdeaFactory(status=IdeaStatus.ACCEPTED),
    }


def good_file(taxonomy) -> str:
    idea = taxonomy["idea"].pk
    return HEADER + (
        f"P-1,Trees on the quay,Forty trees,in_progress,,green,north,parks,"
        f"2026-01-01,2026-12-31,2026-02-01,,50000,1200.50,{idea},true\n"
        'P-2,=HYPERLINK("http://evil"),,planned,,,,,,,,,,,,\n'
        "P-3,Old fountain,,stopped,No money left,,,,,,,,,,,false\n"
    )


def run(admin, text: str | bytes, *, kind: str = "projects", dry_run: bool = False):
    data = text.encode() if isinstance(text, str) else text
    return projects_import_csv(by=admin, data=data, kind=kind, dry_run=dry_run)


def test_dry_run_previews_and_writes_nothing(ctx, admin, taxonomy):
    report = run(admin, good_file(taxonomy), dry_run=True)
    assert not report.errors, [r.errors for r in report.rows]
    assert [r.action for r in report.rows] == ["create", "create", "create"]
    assert not report.applied
    assert not Project.objects.exists()


def test_import_creates_then_re_import_changes_nothing(ctx, admin, taxonomy):
    report = run(admin, good_file(taxonomy))
    assert report.applied and report.count("create") == 3
    trees = Project.objects.get(external_ref="P-1")
    assert trees.status == ProjectStatus.IN_PROGRESS
    assert trees.actual_start == date(2026, 2, 1)
    assert trees.budget_spent == Decimal("1200.50")
    assert list(trees.ideas.all()) == [taxonomy["idea"]]
    assert trees.department == taxonomy["department"]
    # A formula-looking cell is stored as the text it is.
    assert Project.objects.get(external_ref="P-2").title == '=HYPERLINK("http://evil")'
    stopped = Project.objects.get(external_ref="P-3")
    assert stopped.status == ProjectStatus.STOPPED and stopped.stop_reason == "No money left"
    assert not stopped.is_public
    versions = dict(Project.objects.values_list("external_ref", "lock_version"))
    changes = ProjectStatusChange.objects.count()

    again = run(admin, good_file(taxonomy))
    assert again.applied and [r.action for r in again.rows] == ["unchanged"] * 3
    assert Project.objects.count() == 3
    assert dict(Project.objects.values_list("external_ref", "lock_version")) == versions
    assert ProjectStatusChange.objects.count() == changes


def test_re_import_updates_by_reference(ctx, admin, taxonomy):
    run(admin, good_file(taxonomy))
    changed = good_file(taxonomy).replace("Trees on the quay", "Trees on both quays")
    report = run(admin, changed)
    assert [r.action for r in report.rows] == ["update", "unchanged", "unchanged"]
    assert Project.objects.get(external_ref="P-1").title == "Trees on both quays"
    assert Project.objects.count() == 3


def test_milestones_import_and_re_import(ctx, admin, taxonomy):
    run(admin, good_file(taxonomy))
    text = (
        "external_ref,project_ref,title,starts_on,due_on,done_on,weight\n"
        "M-1,P-1,Dig,2026-01-10,2026-02-01,2026-02-01,1\n"
        "M-2,P-1,Plant,,2026-04-01,,3\n"
    )
    report = run(admin, text, kind="milestones")
    assert report.applied and report.count("create") == 2
    project = Project.objects.get(external_ref="P-1")
    assert project.progress == 25
    again = run(admin, text, kind="milestones")
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]
    assert Milestone.objects.count() == 2


@pytest.mark.parametrize(
    "row,message",
    [
        ("X,T,,,,unknown-slug,,,,,,,,,,", "category"),
        ("X,T,,,,,nowhere,,,,,,,,,", "district"),
        ("X,T,,,,,,nobody,,,,,,,,", "department"),
        ("X,T,,,,,,,,,,,-5,,,", "negative"),
        ("X,T,,,,,,,,,,,99999999999999,,,", "larger"),
        ("X,T,,,,,,,,,,,=1+1,,,", "amount"),
        ("X,T,,,,,,,2026-05-01,2026-04-01,,,,,,", "before the start"),
        ("X,T,,,,,,,01/05/2026,,,,,,,", "YYYY-MM-DD"),
        ("X,T,,flying,,,,,,,,,,,,", "status"),
        ("X,T,,stopped,,,,,,,,,,,,", "Reason"),
        ("X," + "t" * 151 + ",,,,,,,,,,,,,,", "too long"),
        ("X,T,,,,,,,,,,,,,abc,", "idea_ids"),
        ("X,T,,,,,,,,,,,,,,maybe", "true or false"),
        (",T,,,,,,,,,,,,,,", "external_ref"),
    ],
)
def test_row_errors_refuse_the_whole_file(ctx, admin, taxonomy, row, message):
    text = HEADER + "OK-1,A fine project,,,,,,,,,,,,,,\n" + row + "\n"
    report = run(admin, text)
    assert not report.applied
    errors = [e for r in report.errors for e in r.errors]
    assert len(report.errors) == 1 and report.errors[0].line == 3, errors
    assert message.lower() in " ".join(errors).lower(), errors
    assert not Project.objects.exists()


def test_another_citys_category_and_idea_are_unknown_here(ctx, admin, taxonomy, other_city):
    with city_context(other_city):
        foreign_category = CategoryFactory(slug="elsewhere")
        foreign_idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
    text = HEADER + (
        f"A,T,,,,{foreign_category.slug},,,,,,,,,,\nB,T,,,,,,,,,,,,,{foreign_idea.pk},\n"
    )
    report = run(admin, text)
    assert [r.line for r in report.errors] == [2, 3]
    assert not Project.objects.exists()
    with city_context(other_city):
        assert not Project.objects.exists()


def test_duplicated_reference_in_the_file(ctx, admin, taxonomy):
    text = HEADER + "A,One,,,,,,,,,,,,,,\nA,Two,,,,,,,,,,,,,,\n"
    report = run(admin, text)
    assert [r.line for r in report.errors] == [3]
    assert "line 2" in report.errors[0].errors[0]
    assert not Project.objects.exists()


def test_milestone_of_an_unknown_project_or_reversed_dates(ctx, admin, taxonomy):
    run(admin, good_file(taxonomy))
    text = (
        "external_ref,project_ref,title,starts_on,due_on\n"
        "M-1,NOPE,Dig,,2026-02-01\n"
        "M-2,P-1,Plant,2026-05-01,2026-04-01\n"
        "M-3,P-1,Water,,\n"
    )
    report = run(admin, text, kind="milestones")
    assert [r.line for r in report.errors] == [2, 3, 4]
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    "data,message",
    [
        (HEADER.encode("utf-16"), "UTF-16"),
        ((HEADER + "A,Café crème,,,,,,,,,,,,,,\n").encode("cp1252"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV"),
        (b"", "empty"),
        (b"title,colour\nA,red\n", "header"),
        (HEADER.encode(), "no rows"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(ctx, admin, data, message):
    with pytest.raises(ImportRefused) as refused:
        run(admin, data)
    assert message.lower() in refused.value.message.lower()
    assert not Project.objects.exists()


def test_utf8_with_bom_and_semicolons_is_read(ctx, admin):
    text = HEADER.replace(",", ";") + "A;Café crème;;;;;;;;;;;;;;\n"
    report = run(admin, b"\xef\xbb\xbf" + text.encode())
    assert report.applied
    assert Project.objects.get(external_ref="A").title == "Café crème"


def test_size_and_row_limits(ctx, admin, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 5)
    rows = "".join(f"R-{n},Project {n},,,,,,,,,,,,,,\n" for n in range(6))
    with pytest.raises(ImportRefused, match="more than 5 rows"):
        run(admin, HEADER + rows)
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    with pytest.raises(ImportRefused, match="larger than"):
        run(admin, HEADER + rows)
    assert not Project.objects.exists()


def test_exported_formula_escape_round_trips(ctx, admin):
    report = run(admin, HEADER + "A,'=SUM(A1),,,,,,,,,,,,,,\n")
    assert report.applied
    assert Project.objects.get(external_ref="A").title == "=SUM(A1)"


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.MODERATOR, Role.EVALUATOR])
def test_only_city_admins_import(ctx, role):
    with pytest.raises(NotAllowed):
        run(make_member(ctx, role), HEADER + "A,T,,,,,,,,,,,,,,\n")
    assert not Project.objects.exists()
