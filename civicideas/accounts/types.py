"""The user types services and rules take.

``User`` is the project's user model (``settings.AUTH_USER_MODEL``);
``Viewer`` is whoever makes a request, signed in or not. Both are only for
annotations: importing the model here at run time would make a cycle
(``accounts.models`` imports ``tenancy.permissions``, which names them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from civicideas.accounts.models import User

type Viewer = User | AnonymousUser
