"""The staff page of the CSV import (``admin/projects/project/import/``):
who gets in, check then import (each a task, run here when the request's
transaction commits), clear messages for hostile files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from civicideas.tenancy import city_context
from civicideas.tenancy.roles import Role
from projects import admin_import
from projects.models import Project
from tests.conftest import client_for, host_of, make_member

pytestmark = pytest.mark.django_db

URL = "/admin/projects/project/import/"
HEADER = "external_ref,title,budget_planned,planned_start,planned_end\n"
GOOD = HEADER + 'P-1,Trees,1000,2026-01-01,2026-06-30\nP-2,"=HYPERLINK(""x"")",,,\n'


@pytest.fixture(autouse=True)
def tasks_run_now(monkeypatch):
    task = admin_import.projects_import_csv_task
    monkeypatch.setattr(task, "delay", lambda *args: task(*args))


def projects(city) -> int:
    with city_context(city):
        return Project.objects.count()


def upload(client, data: bytes, kind: str = "projects"):
    """Upload; when accepted, follow to the job page once its check has run."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            URL, {"kind": kind, "file": SimpleUploadedFile("p.csv", data, "text/csv")}
        )
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith(URL) and location != URL:
        return client.get(response["Location"]), response["Location"]
    return response, None


def confirm(client, job_url: str):
    """Press "Import" on the job page and run the task."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(job_url)
    return client.get(job_url)


@pytest.mark.parametrize(
    "role,expected",
    [
        (None, 302),
        (Role.CITIZEN, 302),
        (Role.MODERATOR, 403),
        (Role.EVALUATOR, 403),
        (Role.CITY_ADMIN, 200),
        ("foreign", 302),
    ],
    ids=str,
)
def test_only_city_admins_reach_the_import(city, other_city, role, expected):
    if role is None:
        client = Client(HTTP_HOST=host_of(city))
    elif role == "foreign":
        client = client_for(make_member(other_city, Role.CITY_ADMIN), city)
    else:
        client = client_for(make_member(city, role), city)
    response = client.get(URL)
    assert response.status_code == expected
    if expected == 302:
        assert "/login/" in response["Location"]
    response, job_url = upload(client, GOOD.encode())
    assert response.status_code == expected
    assert (job_url is not None) == (role == Role.CITY_ADMIN)
    assert projects(city) == 0


def test_check_then_import_then_re_upload_creates_nothing_twice(city):
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    listing = client.get("/admin/projects/project/")
    assert URL in listing.content.decode()
    checked, job_url = upload(client, GOOD.encode())
    assert checked.status_code == 200
    page = checked.content.decode()
    assert "2 to create" in page and 'value="Import"' in page
    assert projects(city) == 0
    done = confirm(client, job_url)
    assert done.status_code == 302  # to the change list, with a message
    assert projects(city) == 2
    with city_context(city):
        # The formula-looking cell is stored as the text it is.
        assert Project.objects.get(external_ref="P-2").title == '=HYPERLINK("x")'
    # The job is spent; posting it again imports nothing.
    assert confirm(client, job_url).status_code == 302
    assert projects(city) == 2
    again, job_url = upload(client, GOOD.encode())
    assert "0 to create, 0 to update, 2 unchanged" in again.content.decode()
    confirm(client, job_url)
    assert projects(city) == 2


def test_a_pending_check_refreshes_itself(city, monkeypatch):
    monkeypatch.setattr(admin_import.projects_import_csv_task, "delay", lambda *args: None)
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    page, _job_url = upload(client, GOOD.encode())
    assert 'http-equiv="refresh"' in page.content.decode()


@pytest.mark.parametrize(
    "data,message",
    [
        ((HEADER + "A,Café,,,\n").encode("cp1252"), "not in UTF-8"),
        (HEADER.encode("utf-16"), "UTF-16"),
        (b"title,colour\nA,red\n", "header row"),
        (HEADER.encode() + b"A,T,-5,,\n", "cannot be negative"),
        (HEADER.encode() + b"A,T,,2026-05-01,2026-04-01\n", "before the start"),
    ],
)
def test_hostile_files_get_a_clear_message_and_no_import_button(city, data, message):
    client = client_for(make_member(city, Role.CITY_ADMIN), city)
    response, _job_url = upload(client, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'value="Import"' not in page
    assert projects(city) == 0


def test_a_job_of_another_person_is_expired(city):
    first = client_for(make_member(city, Role.CITY_ADMIN), city)
    _page, job_url = upload(first, GOOD.encode())
    second = client_for(make_member(city, Role.CITY_ADMIN), city)
    response = second.post(job_url)
    assert response.status_code == 302 and response["Location"].endswith(URL)
    assert projects(city) == 0


def test_the_task_is_idempotent_and_answers_expired_without_its_file(city):
    from django.core.cache import cache

    from projects.tasks import job_key, projects_import_csv_task

    admin = make_member(city, Role.CITY_ADMIN)
    cache.set(job_key(city.pk, admin.pk, "j1", "file"), ("projects", GOOD.encode()))
    assert projects_import_csv_task(city.pk, admin.pk, "j1", False) == "done"
    assert projects(city) == 2
    # Delivered again (worker lost after the commit): the file is spent.
    assert projects_import_csv_task(city.pk, admin.pk, "j1", False) == "expired"
    cache.set(job_key(city.pk, admin.pk, "j2", "file"), ("projects", GOOD.encode()))
    assert projects_import_csv_task(city.pk, admin.pk, "j2", False) == "done"
    assert projects(city) == 2
    result = cache.get(job_key(city.pk, admin.pk, "j2", "result"))
    assert result["unchanged"] == 2 and result["created"] == 0
