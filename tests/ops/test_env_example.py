"""``.env.example`` names every environment variable the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(r'env(?:\.[a-z]+)?\(\s*"([A-Z][A-Z0-9_]*)"')


def test_every_variable_the_settings_read_is_in_env_example():
    read = set()
    for path in (ROOT / "civicideas" / "settings").glob("*.py"):
        read.update(READS.findall(path.read_text()))
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "the pattern found no variable"
    assert read - listed == set()
