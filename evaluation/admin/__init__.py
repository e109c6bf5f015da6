"""The evaluation back office. Importing the modules registers their
ModelAdmins with the admin site."""

from evaluation.admin import assignments, challenges, records, rubrics  # noqa: F401
