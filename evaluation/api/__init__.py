"""Assignments, scorecards, rankings and decisions through the API (staff only)."""
