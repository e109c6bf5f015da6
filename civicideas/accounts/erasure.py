"""Erasing a person: ``erase_person`` and the generic sweep it ends with.

Order, all in one transaction (the person's ``User`` row is locked first, so
two confirmations of one deletion serialise and the second finds nothing):

1. for every city the person has a row in (``cities_of``), inside that
   city's context: each registered contributor applies its rules
   (``civicideas.accounts.personal_data``) — supports removed with their
   counters, contributions anonymised or hidden, files deleted;
2. still in that city: every remaining foreign key to the person that does
   not cascade is pointed at a placeholder account ("Former participant",
   or "Former moderator"/… for the staff records the city keeps), and the
   person's e-mail address is replaced in every text and JSON column;
3. outside any city: the same for platform tables, the person's sessions
   are deleted, and the account is deleted, which cascades to what is left
   (e-mail addresses, memberships, profiles, notifications, preferences,
   follows, tokens).

Placeholder accounts are inactive, have no usable password and no
membership, so they can never sign in or hold a role; their profile in a
city carries the public name in the city's language.
"""

from __future__ import annotations

import re
import secrets
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from civicideas.accounts.models import Profile, User
from civicideas.accounts.personal_data import ErasureOptions, contributors, staff_fields
from civicideas.api.tokens import tokens_revoke_all
from civicideas.tenancy.context import all_cities_context, city_context
from civicideas.tenancy.models import City, Membership
from civicideas.tenancy.roles import Role

#: Placeholder accounts: key → public name. The key is part of the address.
PLACEHOLDERS = {
    "participant": gettext_lazy("Former participant"),
    Role.CITY_ADMIN.value: gettext_lazy("Former city administrator"),
    Role.MODERATOR.value: gettext_lazy("Former moderator"),
    Role.EVALUATOR.value: gettext_lazy("Former evaluator"),
    "staff": gettext_lazy("Former staff member"),
}
PLACEHOLDER_DOMAIN = "civicideas.invalid"
_STAFF_ORDER = (Role.CITY_ADMIN.value, Role.MODERATOR.value, Role.EVALUATOR.value)
_TEXT_FIELDS = (models.CharField, models.TextField)


def placeholder_email(key: str) -> str:
    return f"former-{key}@{PLACEHOLDER_DOMAIN}"


def is_placeholder(user: Any) -> bool:
    return bool(user is not None and str(user.email).endswith(f"@{PLACEHOLDER_DOMAIN}"))


def placeholder_user(key: str, *, distinct: str = "") -> User:
    """The placeholder account for ``key`` (created on first use); with
    ``distinct``, one of its own (see ``_has_unique_key``)."""
    suffix = f"-{distinct}" if distinct else ""
    user, created = User.objects.get_or_create(
        email=placeholder_email(f"{key}{suffix}"), defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _placeholder_in_city(key: str, city: City, *, distinct: str = "") -> User:
    """The placeholder with a profile in the current city, named in the
    city's default language (what every visitor of its pages reads)."""
    user = placeholder_user(key, distinct=distinct)
    with translation.override(city.default_language):
        name = str(PLACEHOLDERS[key])
    Profile.objects.get_or_create(
        user=user, city=city, defaults={"display_name": name, "preferred_language": ""}
    )
    return user


def user_foreign_keys() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every concrete foreign key to the user model, in every installed model."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                found.append((model, field))
    return found


def is_tenant(model: type[models.Model]) -> bool:
    return any(f.name == "city" and f.is_relation for f in model._meta.concrete_fields)


def cities_of(user: Any) -> list[City]:
    """Every city where some row points at the person, whatever the app."""
    city_ids: set[int] = set()
    with all_cities_context():
        for model, field in user_foreign_keys():
            if is_tenant(model):
                city_ids.update(
                    model._default_manager.filter(**{field.attname: user.pk})
                    .values_list("city_id", flat=True)
                    .distinct()
                )
        return list(City.objects.filter(pk__in=city_ids).order_by("pk"))


def _staff_key(user: Any, city: City) -> str:
    roles = set(
        Membership.objects.filter(user=user, city=city).values_list("roles", flat=True).first()
        or []
    )
    return next((role for role in _STAFF_ORDER if role in roles), "staff")


def _scrub_email(model: type[models.Model], email: str, placeholder: str, city_id: int | None):
    """Replace ``email`` (any case) in the model's text and JSON columns."""
    pattern = re.escape(email)
    table = connection.ops.quote_name(model._meta.db_table)
    for field in model._meta.concrete_fields:
        if field.is_relation or field.primary_key:
            continue
        column = connection.ops.quote_name(field.column)
        where, params = f"{column}::text ILIKE %s", [f"%{email}%"]
        if city_id is not None:
            where, params = f"{where} AND city_id = %s", [*params, city_id]
        if isinstance(field, models.EmailField):
            value = placeholder_email("participant")
            sql = f"UPDATE {table} SET {column} = %s WHERE {where}"  # noqa: S608
            args = [value, *params]
        elif isinstance(field, _TEXT_FIELDS):
            expr = f"regexp_replace({column}, %s, %s, 'gi')"
            if field.max_length:
                expr = f"left({expr}, {int(field.max_length)})"
            sql = f"UPDATE {table} SET {column} = {expr} WHERE {where}"  # noqa: S608
            args = [pattern, placeholder, *params]
        elif isinstance(field, models.JSONField):
            # E-mail addresses need no JSON escaping, so the text form holds
            # them as typed and the replacement keeps the document valid.
            expr = f"regexp_replace({column}::text, %s, %s, 'gi')::jsonb"
            sql = f"UPDATE {table} SET {column} = {expr} WHERE {where}"  # noqa: S608
            args = [pattern, placeholder, *params]
        else:
            continue
        with connection.cursor() as cursor:
            cursor.execute(sql, args)


def _reassign(model, field, user, target) -> None:
    model._default_manager.filter(**{field.attname: user.pk}).update(**{field.attname: target.pk})


def _erase_in_city(user: Any, city: City, *, delete_contributions: bool, distinct: str) -> None:
    participant = _placeholder_in_city("participant", city)
    staff_key = _staff_key(user, city)
    staff = _placeholder_in_city(staff_key, city)
    own: dict[str, User] = {}
    with translation.override(city.default_language):
        label = str(PLACEHOLDERS["participant" if staff_key == "staff" else staff_key])
    options = ErasureOptions(
        delete_contributions=delete_contributions,
        participant=participant,
        staff=staff,
        email_placeholder=label,
    )
    for contributor in contributors():
        contributor.erase(user, options)
    kept = staff_fields()
    for model, field in user_foreign_keys():
        if not is_tenant(model) or field.remote_field.on_delete is models.CASCADE:
            continue
        key = staff_key if f"{model._meta.label}.{field.name}" in kept else "participant"
        try:
            with transaction.atomic():
                _reassign(model, field, user, staff if key == staff_key else participant)
        except IntegrityError:
            # A unique key with the user in it (an evaluator assigned once
            # per idea) already holds the shared placeholder, from someone
            # erased before: these rows get a placeholder of this erasure's own.
            if key not in own:
                own[key] = _placeholder_in_city(key, city, distinct=distinct)
            _reassign(model, field, user, own[key])
    for model in apps.get_models():
        if is_tenant(model) and model is not Profile:
            _scrub_email(model, user.email, label, city.pk)


def _delete_sessions(user: Any) -> int:
    """Sessions store the user id inside their signed data: decode each live
    one. Runs once per erasure; the platform keeps sessions two weeks."""
    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(2000):
        data = session.get_decoded()
        if str(data.get("_auth_user_id")) == str(user.pk):
            doomed.append(session.pk)
    # Through the session store: with cached_db sessions a row deleted in
    # SQL alone would live on in the cache until it expired.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in doomed:
        store(session_key=key).delete()
    return len(doomed)


@transaction.atomic
def erase_person(*, user: Any, delete_contributions: bool) -> None:
    """Delete the person's account everywhere, anonymising what stays.

    Precondition: the caller has confirmed the person's intent (password).
    ``delete_contributions`` hides their ideas and comments behind a
    placeholder (replies by others stay); otherwise they stay public under
    "Former participant". Lock order: the user row, then per city what each
    contributor locks (ideas in id order).
    """
    user = User.objects.select_for_update().filter(pk=user.pk).first()
    if user is None or is_placeholder(user):
        return
    tokens_revoke_all(user=user)  # credentials end together (accounts.services)
    distinct = secrets.token_hex(6)
    for city in cities_of(user):
        with city_context(city):
            _erase_in_city(user, city, delete_contributions=delete_contributions, distinct=distinct)
    with all_cities_context():
        for model in apps.get_models():
            if not is_tenant(model) and model is not User:
                _scrub_email(model, user.email, str(PLACEHOLDERS["participant"]), None)
        for model, field in user_foreign_keys():
            if is_tenant(model) or field.remote_field.on_delete is models.CASCADE:
                continue
            _reassign(model, field, user, placeholder_user("participant"))
        _delete_sessions(user)
        user.delete()
