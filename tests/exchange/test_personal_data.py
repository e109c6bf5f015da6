"""No personal data on the platform-level tables (issue 15).

The sweep reads every row of every exchange table as text and looks for any
user's e-mail address, any idea title or body (rows of a city's tables), and
user ids under keys that name a person. The one allowed reference to a
person is ``PracticeComment.author``: the civil servant's own account, who
chose to speak on the exchange (SET_NULL when the account is erased; the
comment then shows the city and role only). docs/exchange.md explains why.
"""

from __future__ import annotations

import json

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection

from civicideas.tenancy import city_context
from exchange import services
from tests.exchange.conftest import publish
from tests.exchange.test_services import adopt

PERSON_KEYS = ("user", "author", "email", "evaluator", "changed_by", "made_by", "created_by")


def _rows(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")  # noqa: S608
        return [json.loads(r[0]) for r in cursor.fetchall()]


def _walk_keys(value, path=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _walk_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk_keys(inner)


def test_exchange_tables_hold_no_personal_data(world):
    practice = publish(world)
    adopt(world, practice)
    with city_context(world.hillcrest):
        services.practice_comment(by=world.hillcrest_admin, practice=practice, text="A question")
        services.practice_tried_too(by=world.hillcrest_admin, practice=practice, outcome="Fine")
    emails = list(get_user_model().objects.values_list("email", flat=True))
    assert len(emails) > 15
    private = [idea.title for idea in world.ideas] + [idea.body for idea in world.ideas]
    models = list(apps.get_app_config("exchange").get_models())
    assert {m.__name__ for m in models} == {"Practice", "Adoption", "PracticeComment", "TriedToo"}
    for model in models:
        person_fks = [
            f.column
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is get_user_model()
        ]
        # The one exception, documented above.
        assert person_fks == (["author_id"] if model.__name__ == "PracticeComment" else [])
        for row in _rows(model):
            for column in person_fks:
                row.pop(column)
            text = json.dumps(row, ensure_ascii=False).lower()
            for email in emails:
                assert email.lower() not in text, (model.__name__, email)
            for value in private:
                assert value.lower() not in text, (model.__name__, value)
            keys = set(_walk_keys(row))
            assert not keys & set(PERSON_KEYS), (model.__name__, keys & set(PERSON_KEYS))


def test_no_exchange_model_is_a_tenant_table():
    for model in apps.get_app_config("exchange").get_models():
        assert "city" not in {f.name for f in model._meta.concrete_fields}
