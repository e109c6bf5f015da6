"""REST API for challenges, ideas, supports and comments (``/api/v1/``)."""
