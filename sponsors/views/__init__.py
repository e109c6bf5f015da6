"""Pages of groups, initiatives and sponsors (namespace ``sponsors``)."""

from sponsors.views.initiatives import *  # noqa: F403
