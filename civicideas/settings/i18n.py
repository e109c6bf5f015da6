"""Languages, time zone and date formats."""

from django.utils.translation import gettext_lazy as _

from .environment import BASE_DIR

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Stored and compared in UTC; shown in the city's zone, which city_context
# activates for every request, task and command that runs in a city.
TIME_ZONE = "UTC"
# Unambiguous English dates (Django's put the month first); see civicideas/formats.
FORMAT_MODULE_PATH = ["civicideas.formats"]
USE_I18N = True
USE_TZ = True
