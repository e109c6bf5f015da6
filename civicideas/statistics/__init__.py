"""How responsive is the city: the figures of ``/statistics/`` (docs/statistics.md).

Composition layer: it reads ideas, evaluation and projects, so it sits above
all of them. ``figures`` computes (SQL only), ``store`` keeps the result
(one PostgreSQL row per city behind the cache), ``tasks`` refresh it,
``selectors`` decide what a page shows, ``charts`` turns figures into
charts and tables, ``views`` serves them.
"""
