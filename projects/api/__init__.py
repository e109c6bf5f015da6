"""The projects API (``/api/v1/projects/``), see docs/api.md."""
