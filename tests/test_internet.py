"""Against the real public mirrors. Opt-in: GOACCEL_INTERNET_TESTS=1 (skipped otherwise).

These are the only tests that leave the machine; they check that the built-in catalog still
answers the GOPROXY protocol as goaccel expects.
"""

from __future__ import annotations

import json

import pytest
from helpers import goaccel

pytestmark = pytest.mark.internet


def test_builtin_catalog_dry_run() -> None:
    proc = goaccel("setup", "--json", "--dry-run", "--timeout", "8", env={"GOACCEL_CATALOG": None})
    assert proc.returncode in (0, 3), proc.stderr
    doc = json.loads(proc.stdout)
    assert {m["name"] for m in doc["mirrors"]} >= {"proxy.golang.org", "goproxy.cn", "goproxy.io"}
    if proc.returncode == 0:
        assert doc["chosen"]["settings"]["GOPROXY"].endswith(",direct")
