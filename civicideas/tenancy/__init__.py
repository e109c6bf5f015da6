"""Multi-tenancy: every request, task and command runs inside one city.

``city_context(city)`` is the one way to enter a city outside a request; see
docs/architecture.md for how the ORM scope and PostgreSQL row-level security
work together.
"""

from civicideas.tenancy.context import (
    all_cities_context,
    city_context,
    current_city,
    current_city_or_none,
)

__all__ = ["all_cities_context", "city_context", "current_city", "current_city_or_none"]
