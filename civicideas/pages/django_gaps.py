"""Django's own messages that its catalogs do not translate yet in a
language the platform offers.

Django 6.1 shows ``BLANK_CHOICE_LABEL`` ("- Select an option -") as the
empty choice of every select it builds, the admin's action bar included,
and its Dutch catalog has no translation for it: Hillcrest's civil servants
read English there. Marking the message here puts it in our catalogs
(``makemessages``), which take precedence over Django's
(``LOCALE_PATHS``), so the same message is translated wherever Django
shows it. Remove an entry once Django's catalog carries it.
"""

from django.utils.translation import gettext_noop

MESSAGES = (gettext_noop("- Select an option -"),)
