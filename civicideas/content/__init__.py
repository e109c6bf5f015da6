"""What people write and upload, made safe to store and show, for every app:
Markdown rendering (``markdown``), image checks and re-encoding
(``uploads``) and the text search configuration per language
(``search_config``). The invisible-text rule is ``civicideas.text``."""
