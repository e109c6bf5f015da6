"""The civil servants' back office for challenges, ideas and moderation.

Importing the modules registers their ModelAdmins with the admin site.
"""

from ideas.admin import challenges, content, invitations  # noqa: F401
