"""Links on the profile page to the person's places in other apps (the
groups and sponsors they belong to).

The core knows no app's models: an app registers a provider from
``AppConfig.ready`` (as with personal data contributors) that returns the
person's ``ProfileLink``s in the current city. Each provider must run a fixed
number of queries whatever the number of links, so the profile page costs
the same for a member of one group or of fifty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProfileLink:
    """One link: ``section`` groups links under a heading (e.g. "Your
    groups"), ``role`` is the person's role there, shown next to it."""

    section: Any
    label: str
    url: str
    role: Any = ""


@dataclass(frozen=True)
class ProfileSection:
    title: Any
    links: list[ProfileLink]


Provider = Callable[[Any], list[ProfileLink]]

_providers: dict[str, Provider] = {}


def register(key: str, provider: Provider) -> None:
    _providers[key] = provider


def sections_for(user: Any) -> list[ProfileSection]:
    """The person's links, grouped by section in the providers' order."""
    sections: dict[str, ProfileSection] = {}
    for key in _providers:
        for link in _providers[key](user):
            title = str(link.section)
            sections.setdefault(title, ProfileSection(title=link.section, links=[]))
            sections[title].links.append(link)
    return list(sections.values())
