"""Date and time formats that override Django's per language (``FORMAT_MODULE_PATH``).

Only English is overridden: Django's ``en`` formats put the month first
(``12/02/2026``), which a Belgian reader takes for 12 February. French and
Dutch keep Django's own formats, which are day-first already.
"""
