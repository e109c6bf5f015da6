"""English formats no reader can misread: ISO ``2026-12-02`` in tables,
``2 Dec 2026`` in text, 24-hour times. Input accepts ISO first and never a
month-first date, so ``02/12/2026`` is refused rather than read as 12 February.
"""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-02'
    "%d %b %Y",  # '2 Dec 2026'
    "%d %B %Y",  # '2 December 2026'
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # '14:30:59'
    "%H:%M:%S.%f",  # '14:30:59.000200'
    "%H:%M",  # '14:30'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # '2026-12-02 14:30:59'
    "%Y-%m-%d %H:%M:%S.%f",  # '2026-12-02 14:30:59.000200'
    "%Y-%m-%d %H:%M",  # '2026-12-02 14:30'
    "%Y-%m-%dT%H:%M:%S",  # '2026-12-02T14:30:59'
    "%Y-%m-%dT%H:%M",  # '2026-12-02T14:30' (datetime-local inputs)
    "%Y-%m-%d",  # '2026-12-02'
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
