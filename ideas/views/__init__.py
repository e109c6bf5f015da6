"""The citizens' pages (namespace ``ideas``)."""

from ideas.views.ideas import *  # noqa: F403
