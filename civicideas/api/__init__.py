"""The REST API under ``/api/v1/`` on each city's host (Django REST framework).

The views call the same services and predicates as the browser pages; this
package holds what is API-specific: token authentication bound to one city,
the error format, keyset pagination and request limits.
"""
