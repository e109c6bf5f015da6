"""Reading a file of ideas collected off-line and checking its rows
(docs/offline.md, "Bulk import"). Writes live in ``ideas.services.imports``."""
