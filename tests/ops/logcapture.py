"""Capture log lines as the production handler writes them (JSON, with the
context filter), to assert on the fields."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from civicideas.ops.logs import ContextFilter, JSONFormatter, TextFormatter


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def text(self) -> str:
        return self.stream.getvalue()


@contextmanager
def captured_logs(
    *names: str, level: int = logging.DEBUG, text: bool = False
) -> Iterator[Captured]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter() if text else JSONFormatter())
    handler.addFilter(ContextFilter())
    loggers = [logging.getLogger(name) for name in names]
    previous = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(level)
    try:
        yield Captured(stream)
    finally:
        for logger, old in zip(loggers, previous, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(old)
