"""A city's privacy notice and who accepted which version of it.

docs/privacy.md "Consent". The notice lives on the city (``City.privacy_notice``,
``privacy_version``, ``privacy_updated_at``); an empty text shows the
platform's default notice (``accounts/privacy_default.html``, translated).
People accept it at sign-up (``CitySignupForm``) and again, when the city
raises the version, before they go on (``PrivacyConsentMiddleware``); each
acceptance is a ``Consent`` row in the city.

Version 1 is the baseline: an account with no consent row in a city (it
signed up before consent was recorded, or in another city: accounts are
global) counts as having accepted version 1, so the check costs no query in
a city that never raised its version.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from civicideas.accounts.models import Consent
from civicideas.content.markdown import render_markdown
from civicideas.content.translations import localized
from civicideas.errors import Conflict
from civicideas.tenancy.context import current_city
from civicideas.tenancy.models import City

DEFAULT_NOTICE_TEMPLATE = "accounts/privacy_default.html"

#: Session key: ``"<city id>:<version>"`` once the person's acceptance of the
#: city's current version has been checked (no query on later requests).
SESSION_KEY = "_civicideas_privacy_ok"

BASELINE_VERSION = 1


def notice_html(city: City | None, *, level: int = 2) -> SafeString:
    """The notice to show: the city's own (sanitised Markdown, whose headings
    start at ``<h3>``) or the default, whose headings are ``<h{level}>``."""
    if city is not None and city.privacy_notice.strip():
        return render_markdown(localized(city, "privacy_notice").text)
    return SafeString(render_to_string(DEFAULT_NOTICE_TEMPLATE, {"city": city, "level": level}))


def notice_lang(city: City | None) -> str:
    """`` lang="xx"`` when the city's own notice is shown in another language
    than the page's (it fell back to the city's default), else empty."""
    if city is not None and city.privacy_notice.strip():
        return localized(city, "privacy_notice").lang_attr
    return ""


def accepted_version(user: Any, city: City) -> int:
    """The highest version of ``city``'s notice ``user`` accepted (the
    baseline when they never accepted one there). Call in ``city``'s context."""
    latest = Consent.objects.filter(user=user, city=city).aggregate(v=Max("version"))["v"]
    return max(latest or 0, BASELINE_VERSION)


def needs_acceptance(user: Any, city: City) -> bool:
    """Whether ``user`` must accept ``city``'s current notice before going on."""
    if city.privacy_version <= BASELINE_VERSION:
        return False
    return accepted_version(user, city) < city.privacy_version


@transaction.atomic
def consent_record(*, user: Any, version: int) -> Consent:
    """``user`` accepts version ``version`` of the current city's notice.

    The version is the one the person was shown: when the city raised it in
    the meantime, the acceptance is refused (``Conflict``), so nobody is
    recorded as accepting a text they never saw. Accepting twice is one row.
    """
    city = current_city()
    if version != city.privacy_version:
        raise Conflict(
            gettext("The privacy notice has changed since you opened it. Please read it again.")
        )
    consent, _created = Consent.objects.get_or_create(
        user=user, city=city, version=version, defaults={"accepted_at": timezone.now()}
    )
    return consent


def privacy_notice_changed(*, city: City, text_changed: bool, ask_again: bool) -> None:
    """Before a city's settings are saved: date the notice when its text
    changed, and raise its version when the city asks everyone to accept it
    again (the person's next request goes to the accept page). Unsaved:
    the caller (the city admin's ``save_model``) saves the city."""
    if text_changed or ask_again:
        city.privacy_updated_at = timezone.now()
    if ask_again:
        city.privacy_version += 1
