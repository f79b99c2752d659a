"""Where goaccel keeps its own files. Honours GOACCEL_CONFIG_DIR / GOACCEL_STATE_DIR overrides."""

from __future__ import annotations

import os
from pathlib import Path

APP = "goaccel"


def config_dir() -> Path:
    override = os.environ.get("GOACCEL_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False)


def state_dir() -> Path:
    override = os.environ.get("GOACCEL_STATE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_state_path

    return user_state_path(APP, appauthor=False)


def config_file() -> Path:
    return config_dir() / "config.toml"


def journal_file() -> Path:
    return state_dir() / "journal.json"


def lock_file() -> Path:
    return state_dir() / "setup.lock"
