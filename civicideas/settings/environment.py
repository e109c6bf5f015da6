"""Where every settings module reads its configuration: the environment,
with ``.env`` at the repository's root filling in what the environment does
not set (12-factor)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
