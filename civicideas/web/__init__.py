"""Machinery every app's server-rendered views (and e-mails) share: view
decorators (``decorators``), the page a refused action shows (``errors``),
the whole-page cache for anonymous visitors (``page_cache``), fixed-window
counters (``windows``, for every rate limit) and readable
colours from a city's brand colour (``branding``)."""
